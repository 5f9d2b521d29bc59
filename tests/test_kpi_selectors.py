"""Who reads which computed figures (access.md), and the withheld small groups (kpis.md)."""

from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from modules.models import Enrolment
from partners.models import Organisation
from reports.aggregation.recompute import current_month, recompute_all
from reports.models import Scope
from reports.selectors import (
    aggregation_runs_visible_to,
    aggregation_status,
    enterprise_kpi_results,
    kpi_summary,
    kpi_trend,
    public_kpi_summary,
    public_reach,
    reach,
)
from tests import factories
from tests.kpi_helpers import series


@pytest.fixture
def results(world):
    """SGS's enterprise (granted to Inditex) and TÜV's enterprise both report defects."""
    series(world.sgs_enterprise, "defect_rate", "12.5", "4.5")
    series(world.tuv_enterprise, "defect_rate", "10", "8")
    factories.EnrolmentFactory(
        enterprise=world.sgs_enterprise,
        status=Enrolment.Status.COMPLETED,
        completed_on=date(2024, 6, 1),
    )
    recompute_all()
    return world


def add_granted_suppliers(world, brand, count):
    for position in range(count):
        company = factories.EnterpriseFactory(partner=world.sgs, name=f"Supplier {position}")
        series(company, "defect_rate", "10", str(9 - position))
        factories.SupplierLinkFactory(brand=brand, enterprise=company)


def test_ilo_reads_every_group(results):
    officer = results.users.ilo_officer
    assert kpi_summary(officer, Scope.PROGRAMME)[0].median_improvement_pct == pytest.approx(42.0)
    assert kpi_summary(officer, Scope.COUNTRY, "cn")[0].enterprises_reporting == 2
    assert kpi_summary(officer, Scope.PARTNER, results.tuv.pk)[0].median_improvement_pct == 20.0
    assert kpi_summary(officer, Scope.BRAND, results.inditex.pk)[0].enterprises_reporting == 1
    assert reach(officer, Scope.PROGRAMME).figures["enterprises_trained"] == 1


def test_partner_reads_its_own_partner_group_only(results):
    manager = results.users.sgs_manager
    own = kpi_summary(manager, Scope.PARTNER, str(results.sgs.pk))
    assert [row.median_improvement_pct for row in own] == [64.0]
    assert not own[0].withheld
    assert kpi_summary(manager, Scope.PARTNER, results.tuv.pk) == []
    assert kpi_summary(manager, Scope.PROGRAMME) == []
    assert kpi_summary(manager, Scope.COUNTRY, "CN") == []
    assert reach(manager, Scope.PARTNER, results.sgs.pk).figures["enterprises"] == 1
    assert reach(manager, Scope.PARTNER, results.tuv.pk) is None


def test_brand_reads_its_own_brand_group_only(results):
    viewer = results.users.inditex_viewer
    assert len(kpi_summary(viewer, Scope.BRAND, results.inditex.pk)) == 1
    assert kpi_summary(viewer, Scope.BRAND, results.adidas.pk) == []
    assert kpi_summary(viewer, Scope.PROGRAMME) == []
    assert kpi_summary(viewer, Scope.PARTNER, results.sgs.pk) == []
    assert kpi_summary(results.users.adidas_viewer, Scope.BRAND, results.inditex.pk) == []


def test_brand_groups_under_three_enterprises_are_withheld(results):
    viewer = results.users.inditex_viewer
    add_granted_suppliers(results, results.inditex, 1)
    recompute_all()

    (row,) = kpi_summary(viewer, Scope.BRAND, results.inditex.pk)

    assert row.withheld
    assert row.enterprises_reporting is None
    assert row.median_improvement_pct is None
    assert row.p90_improvement_pct is None
    assert row.share_improved is None
    assert reach(viewer, Scope.BRAND, results.inditex.pk).withheld
    assert reach(viewer, Scope.BRAND, results.inditex.pk).figures is None
    # ILO sees the same small group in full.
    assert not kpi_summary(results.users.ilo_admin, Scope.BRAND, results.inditex.pk)[0].withheld


def test_brand_groups_of_three_enterprises_are_shown(results):
    add_granted_suppliers(results, results.inditex, 2)
    recompute_all()

    (row,) = kpi_summary(results.users.inditex_viewer, Scope.BRAND, results.inditex.pk)

    assert not row.withheld
    assert row.enterprises_reporting == 3
    assert row.median_improvement_pct == pytest.approx(20.0)


def test_strangers_read_nothing(results):
    for user in (results.users.no_role, AnonymousUser()):
        assert kpi_summary(user, Scope.PROGRAMME) == []
        assert reach(user, Scope.PROGRAMME) is None
        assert kpi_trend(user, Scope.PROGRAMME) == []
        assert aggregation_status(user) is None
        assert not aggregation_runs_visible_to(user).exists()


def test_an_unknown_scope_reads_nothing(results):
    assert kpi_summary(results.users.ilo_admin, "galaxy", "") == []
    assert reach(results.users.ilo_admin, "galaxy", "") is None


def test_the_public_page_reads_programme_figures_with_small_groups_withheld(results):
    (row,) = public_kpi_summary()
    assert row.withheld  # two enterprises report defects
    assert public_reach().withheld  # two enterprises in the programme

    add_granted_suppliers(results, results.adidas, 1)
    recompute_all()

    (row,) = public_kpi_summary()
    assert not row.withheld
    assert row.enterprises_reporting == 3
    assert public_reach().figures["enterprises"] == 3


def test_enterprise_results_follow_enterprise_visibility(results):
    sgs_enterprise, tuv_enterprise = results.sgs_enterprise, results.tuv_enterprise
    own = enterprise_kpi_results(results.users.sgs_staff, sgs_enterprise)
    assert [row.improvement_pct for row in own] == [64.0]
    assert enterprise_kpi_results(results.users.inditex_viewer, sgs_enterprise.pk).count() == 1
    assert enterprise_kpi_results(results.users.ilo_officer, tuv_enterprise).count() == 1
    for user, enterprise in [
        (results.users.sgs_staff, tuv_enterprise),
        (results.users.inditex_viewer, tuv_enterprise),
        (results.users.adidas_viewer, sgs_enterprise),
        (results.users.no_role, sgs_enterprise),
        (AnonymousUser(), sgs_enterprise),
    ]:
        with pytest.raises(Http404):
            enterprise_kpi_results(user, enterprise)


def test_kpi_summary_reads_in_one_query(results, django_assert_num_queries):
    officer = results.users.ilo_officer
    kpi_summary(officer, Scope.PROGRAMME)  # the principal is cached on the user
    with django_assert_num_queries(1):
        rows = kpi_summary(officer, Scope.PROGRAMME)
        assert rows[0].indicator.code == "defect_rate"


def test_the_trend_lists_every_month_kept(results):
    recompute_all(history=True)

    trend = kpi_trend(results.users.ilo_officer, Scope.PROGRAMME)

    months = [row.as_of for row in trend]
    assert months == sorted(months)
    assert len(set(months)) >= 2


def test_aggregation_runs_and_status_are_for_ilo_staff(results):
    assert aggregation_runs_visible_to(results.users.ilo_officer).count() == 1
    assert not aggregation_runs_visible_to(results.users.sgs_manager).exists()
    assert not aggregation_runs_visible_to(results.users.inditex_viewer).exists()
    status = aggregation_status(results.users.ilo_admin)
    assert status.enterprises_waiting == 0
    assert status.last_run is not None
    assert aggregation_status(results.users.sgs_manager) is None


def test_a_brand_of_another_kind_of_id_reads_nothing(results):
    stranger_brand = factories.OrganisationFactory(name="Zara", kind=Organisation.Kind.BRAND)
    assert kpi_summary(results.users.inditex_viewer, Scope.BRAND, stranger_brand.pk) == []
    assert kpi_summary(results.users.inditex_viewer, Scope.BRAND, "not-a-number") == []


def test_each_indicator_reads_its_latest_month(results):
    from reports.models import KpiSummary

    series(results.sgs_enterprise, "productivity", "10", "12")
    recompute_all()
    KpiSummary.objects.filter(scope=Scope.PARTNER, indicator__code="productivity").update(
        as_of=date(2001, 1, 1)
    )

    rows = kpi_summary(results.users.ilo_officer, Scope.PARTNER, results.sgs.pk)

    assert {row.indicator.code: row.as_of for row in rows} == {
        "defect_rate": current_month(),
        "productivity": date(2001, 1, 1),
    }
