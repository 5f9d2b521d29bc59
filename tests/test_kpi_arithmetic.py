"""The arithmetic of kpis.md, pinned with hand-worked numbers (full recompute, SQLite or
PostgreSQL, whichever the suite runs on)."""

from datetime import date

import pytest

from modules.models import Enrolment
from partners.models import Organisation, SupplierLink
from reports.aggregation.recompute import current_month, recompute_all
from reports.models import KpiSummary, Scope
from tests import factories
from tests.kpi_helpers import month, reach_of, result, series, summary

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner():
    return factories.OrganisationFactory(name="SGS", kind=Organisation.Kind.PARTNER)


def enterprise(partner, **fields):
    return factories.EnterpriseFactory(partner=partner, **fields)


def with_improvements(partner, *improvements, code="productivity", **fields):
    """One enterprise per improvement: productivity from 100 to 100 + improvement."""
    enterprises = []
    for improvement in improvements:
        company = enterprise(partner, **fields)
        series(company, code, 100, 100 + improvement)
        enterprises.append(company)
    return enterprises


def test_defect_rate_from_12_5_to_4_5_is_the_press_releases_64_percent(partner):
    company = enterprise(partner)
    series(company, "defect_rate", "12.5", "9.0", "6.2", "4.5")

    recompute_all()

    computed = result(company, "defect_rate")
    assert computed.improvement_pct == 64.0
    assert computed.baseline_value == pytest.approx(12.5)
    assert computed.latest_value == pytest.approx(4.5)
    assert computed.baseline_period == month(12)
    assert computed.latest_period == month(9)
    assert computed.months_observed == 4


def test_latest_is_the_most_recent_month_not_the_best_or_the_baseline(partner):
    company = enterprise(partner)
    # Baseline 10, then 2 (the best), then a gap, then 8 (the latest).
    series(company, "defect_rate", 10, 2, None, None, 8)

    recompute_all()

    computed = result(company, "defect_rate")
    assert computed.latest_value == pytest.approx(8)
    assert computed.latest_period == month(8)
    assert computed.improvement_pct == pytest.approx(20.0)
    assert computed.months_observed == 3


def test_higher_is_better_counts_a_rise_as_improvement(partner):
    company = enterprise(partner)
    series(company, "productivity", "10", "15")

    recompute_all()

    assert result(company, "productivity").improvement_pct == pytest.approx(50.0)


def test_lower_is_better_counts_a_fall_as_improvement(partner):
    company = enterprise(partner)
    series(company, "accidents", "10", "7.1")

    recompute_all()

    assert result(company, "accidents").improvement_pct == pytest.approx(29.0)


def test_a_worsening_is_a_negative_improvement_in_both_directions(partner):
    company = enterprise(partner)
    series(company, "defect_rate", "4", "5")
    series(company, "productivity", "20", "15")

    recompute_all()

    assert result(company, "defect_rate").improvement_pct == pytest.approx(-25.0)
    assert result(company, "productivity").improvement_pct == pytest.approx(-25.0)


def test_zero_baseline_is_not_computable(partner):
    company = enterprise(partner)
    series(company, "waste", 0, 5)

    recompute_all()

    computed = result(company, "waste")
    assert computed.baseline_value == 0
    assert computed.latest_value == pytest.approx(5)
    assert computed.improvement_pct is None
    assert not computed.is_computable


def test_missing_baseline_is_not_computable(partner):
    company = enterprise(partner)
    series(company, "waste", 10, 8, 6, baseline_flag=False)

    recompute_all()

    computed = result(company, "waste")
    assert computed.baseline_value is None
    assert computed.latest_value == pytest.approx(6)
    assert computed.improvement_pct is None


def test_baseline_without_a_later_value_is_not_computable(partner):
    company = enterprise(partner)
    series(company, "waste", 10)

    recompute_all()

    computed = result(company, "waste")
    assert computed.latest_value is None
    assert computed.improvement_pct is None
    assert computed.months_observed == 1


def test_median_of_an_even_count_lies_between_the_two_middle_values(partner):
    with_improvements(partner, 40, 10, 30, 20)

    recompute_all()

    programme = summary(Scope.PROGRAMME, "", "productivity")
    assert programme.enterprises_reporting == 4
    assert programme.median_improvement_pct == pytest.approx(25.0)
    # percentile_cont(0.9) of 10, 20, 30, 40: rank 0.9 × 3 = 2.7 → 30 + 0.7 × 10.
    assert programme.p90_improvement_pct == pytest.approx(37.0)
    assert programme.mean_improvement_pct == pytest.approx(25.0)


def test_median_of_an_odd_count_is_the_middle_value_and_p90_interpolates(partner):
    with_improvements(partner, 50, 10, 40, 20, 30)

    recompute_all()

    programme = summary(Scope.PROGRAMME, "", "productivity")
    assert programme.median_improvement_pct == pytest.approx(30.0)
    # rank 0.9 × 4 = 3.6 → 40 + 0.6 × 10.
    assert programme.p90_improvement_pct == pytest.approx(46.0)


def test_share_improved_counts_only_improvements_above_zero(partner):
    with_improvements(partner, -10, 0, 0, 10, 20)

    recompute_all()

    programme = summary(Scope.PROGRAMME, "", "productivity")
    assert programme.enterprises_reporting == 5
    assert programme.share_improved == pytest.approx(0.4)
    assert programme.mean_improvement_pct == pytest.approx(4.0)
    assert programme.median_improvement_pct == pytest.approx(0.0)


def test_enterprises_without_a_result_are_not_counted_as_zero(partner):
    with_improvements(partner, 10, 30)
    zero_baseline = enterprise(partner)
    series(zero_baseline, "productivity", 0, 50)
    baseline_only = enterprise(partner)
    series(baseline_only, "productivity", 100)

    recompute_all()

    programme = summary(Scope.PROGRAMME, "", "productivity")
    assert programme.enterprises_reporting == 2
    assert programme.median_improvement_pct == pytest.approx(20.0)


def test_an_indicator_nobody_can_compute_has_no_summary(partner):
    company = enterprise(partner)
    series(company, "energy_intensity", 0, 3)

    recompute_all()

    assert not KpiSummary.objects.filter(indicator__code="energy_intensity").exists()


def test_country_partner_and_sector_groups_follow_the_enterprise(partner):
    other = factories.OrganisationFactory(name="TÜV", kind=Organisation.Kind.PARTNER)
    with_improvements(partner, 10, 20, country="CN", sector="garments")
    with_improvements(other, 60, country="IN", sector="footwear")

    recompute_all()

    assert summary(Scope.COUNTRY, "CN", "productivity").median_improvement_pct == 15.0
    assert summary(Scope.COUNTRY, "IN", "productivity").enterprises_reporting == 1
    assert summary(Scope.PARTNER, str(partner.pk), "productivity").enterprises_reporting == 2
    assert summary(Scope.PARTNER, str(other.pk), "productivity").median_improvement_pct == 60.0
    assert summary(Scope.SECTOR, "footwear", "productivity").enterprises_reporting == 1
    assert summary(Scope.PROGRAMME, "", "productivity").enterprises_reporting == 3


def test_brand_group_counts_only_enterprises_with_a_granted_link(partner):
    brand = factories.OrganisationFactory(name="Inditex", kind=Organisation.Kind.BRAND)
    granted = with_improvements(partner, 10, 20, 30)
    requested, revoked = with_improvements(partner, 90, 95)
    for company in granted:
        factories.SupplierLinkFactory(brand=brand, enterprise=company)
    factories.SupplierLinkFactory(
        brand=brand, enterprise=requested, status=SupplierLink.Status.REQUESTED
    )
    factories.SupplierLinkFactory(
        brand=brand, enterprise=revoked, status=SupplierLink.Status.REVOKED
    )

    recompute_all()

    brand_summary = summary(Scope.BRAND, str(brand.pk), "productivity")
    assert brand_summary.enterprises_reporting == 3
    assert brand_summary.median_improvement_pct == pytest.approx(20.0)


def test_module_group_excludes_withdrawn_enrolments(partner):
    enrolled, withdrawn = with_improvements(partner, 10, 70)
    factories.EnrolmentFactory(enterprise=enrolled, status=Enrolment.Status.CONSULTING)
    factories.EnrolmentFactory(enterprise=withdrawn, status=Enrolment.Status.WITHDRAWN)

    recompute_all()

    module = summary(Scope.MODULE, "WCO", "productivity")
    assert module.enterprises_reporting == 1
    assert module.median_improvement_pct == pytest.approx(10.0)


def test_small_groups_are_stored_and_marked_for_withholding(partner):
    with_improvements(partner, 10, 20)

    recompute_all()

    programme = summary(Scope.PROGRAMME, "", "productivity")
    assert programme.enterprises_reporting == 2
    assert programme.is_withheld_from_brands


def test_history_months_use_only_measurements_up_to_that_month(partner):
    company = enterprise(partner)
    # Baseline 100 twelve months ago; 120 six months ago; 150 two months ago.
    series(company, "productivity", 100, None, None, None, None, None, 120, None, None, None, 150)

    recompute_all(history=True)

    assert summary(Scope.PROGRAMME, "", "productivity").median_improvement_pct == 50.0
    assert summary(
        Scope.PROGRAMME, "", "productivity", as_of=month(1)
    ).median_improvement_pct == pytest.approx(50.0)
    assert summary(
        Scope.PROGRAMME, "", "productivity", as_of=month(4)
    ).median_improvement_pct == pytest.approx(20.0)
    # Before the first later value the enterprise had no result: no summary that month.
    assert summary(Scope.PROGRAMME, "", "productivity", as_of=month(8)) is None
    assert summary(Scope.COUNTRY, "CN", "productivity", as_of=month(4)) is not None


def test_history_keeps_24_months_for_programme_and_country_only(partner):
    company = enterprise(partner)
    series(company, "productivity", 100, 110, start=30)
    factories.EnrolmentFactory(enterprise=company)

    recompute_all(history=True)

    months = set(KpiSummary.objects.filter(scope=Scope.PROGRAMME).values_list("as_of", flat=True))
    assert len(months) == 24
    assert max(months) == current_month()
    assert set(
        KpiSummary.objects.exclude(scope__in=[Scope.PROGRAMME, Scope.COUNTRY]).values_list(
            "as_of", flat=True
        )
    ) == {current_month()}


def test_a_month_old_summary_of_a_scope_without_trend_is_replaced(partner):
    with_improvements(partner, 10, 20, 30)
    recompute_all()
    KpiSummary.objects.update(as_of=date(2001, 1, 1))

    recompute_all()

    assert not KpiSummary.objects.filter(as_of=date(2001, 1, 1)).exists()
    assert summary(Scope.PARTNER, str(partner.pk), "productivity") is not None


def test_reach_counts_trained_enterprises_participants_sessions_and_visits(partner):
    trainer = factories.TrainerFactory(organisation=partner)
    wco = factories.module("WCO")
    qm = factories.module("QM")
    completed = enterprise(partner, country="CN", employees_total=200, employees_female=10)
    attending = enterprise(partner, country="IN", employees_total=100, employees_female=10)
    planned = enterprise(partner, country="CN", employees_total=300, employees_female=10)
    withdrawn = enterprise(partner, country="CN", employees_total=50, employees_female=10)
    enterprise(partner, country="VN", employees_total=75, employees_female=10)

    wco_completed = factories.EnrolmentFactory(
        enterprise=completed, status="completed", completed_on=date(2024, 6, 1)
    )
    factories.EnrolmentFactory(enterprise=attending, status="classroom")
    factories.EnrolmentFactory(enterprise=attending, module=qm, status="consulting")
    factories.EnrolmentFactory(enterprise=planned, status="planned")
    wco_withdrawn = factories.EnrolmentFactory(enterprise=withdrawn, status="withdrawn")
    factories.VisitFactory(enrolment=wco_completed, trainer=trainer)
    factories.VisitFactory(enrolment=wco_completed, trainer=trainer)
    factories.VisitFactory(enrolment=wco_withdrawn, trainer=trainer)

    wco_session = factories.ClassroomSessionFactory(module=wco, partner=partner)
    qm_session = factories.ClassroomSessionFactory(module=qm, partner=partner)
    factories.ClassroomSessionFactory(module=wco, partner=partner)  # nobody attended
    manager = factories.ParticipantFactory(enterprise=completed, role="manager", gender="female")
    absent = factories.ParticipantFactory(enterprise=completed, role="worker", gender="male")
    worker = factories.ParticipantFactory(enterprise=attending, role="worker", gender="female")
    factories.AttendanceFactory(session=wco_session, participant=manager, days_attended=2)
    factories.AttendanceFactory(session=wco_session, participant=absent, days_attended=0)
    factories.AttendanceFactory(session=wco_session, participant=worker, days_attended=1)
    factories.AttendanceFactory(session=qm_session, participant=worker, days_attended=2)

    recompute_all()

    programme = reach_of(Scope.PROGRAMME)
    assert (
        programme.enterprises,
        programme.enterprises_enrolled,
        programme.enterprises_trained,
        programme.enterprises_completed,
    ) == (5, 3, 2, 1)
    assert programme.countries == 2
    assert programme.employees_benefiting == 300
    assert (programme.participants_trained, programme.participants_managers) == (2, 1)
    assert (programme.participants_workers, programme.participants_female) == (1, 2)
    assert (programme.participants_male, programme.participants_other) == (0, 0)
    assert programme.classroom_sessions == 2
    assert programme.visits == 3
    assert programme.modules_completed == 1

    wco_reach = reach_of(Scope.MODULE, "WCO")
    assert (wco_reach.enterprises, wco_reach.enterprises_enrolled) == (3, 3)
    assert (wco_reach.enterprises_trained, wco_reach.participants_trained) == (2, 2)
    assert (wco_reach.classroom_sessions, wco_reach.visits) == (1, 2)

    qm_reach = reach_of(Scope.MODULE, "QM")
    assert (qm_reach.enterprises, qm_reach.enterprises_trained) == (1, 1)
    assert (qm_reach.participants_trained, qm_reach.classroom_sessions) == (1, 1)
    assert qm_reach.employees_benefiting == 100

    china = reach_of(Scope.COUNTRY, "CN")
    assert (china.enterprises, china.enterprises_trained, china.countries) == (3, 1, 1)
    assert china.employees_benefiting == 200
