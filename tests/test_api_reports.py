"""The report endpoints of api.md on a small hand-worked dataset.

SGS serves four enterprises, all granted to Inditex; defect rates (lower is better):

    E1 12.5 -> 4.5   +64 %      E2 10 -> 8    +20 %
    E3 10   -> 11    -10 %      E4 20 -> 15   +25 %

sorted [-10, 20, 25, 64]: median (20 + 25) / 2 = 22.5; mean 99 / 4 = 24.75; p90 at
position 0.9 x 3 = 2.7: 25 + 0.7 x (64 - 25) = 52.3; share improved 3 / 4 = 0.75.
Productivity (higher is better) only for E1 10 -> 12 (+20 %) and E2 10 -> 9 (-10 %):
two enterprises, so withheld from the brand; ILO reads median 5, mean 5,
p90 -10 + 0.9 x 30 = 17, share 0.5.
"""

from datetime import date

import pytest

from modules.models import Enrolment
from reports.aggregation.recompute import current_month, recompute_all
from reports.models import AggregationRun, Scope
from reports.selectors import kpi_summary
from tests import factories
from tests.api_support import client_for
from tests.kpi_helpers import series

SUMMARY = "/api/v1/reports/kpi-summary/"
REACH = "/api/v1/reports/reach/"
RECOMPUTE = "/api/v1/reports/recompute/"
RUNS = "/api/v1/reports/aggregation-runs/"
FIGURES = {
    "enterprises_reporting",
    "median_improvement_pct",
    "mean_improvement_pct",
    "p90_improvement_pct",
    "share_improved",
}


@pytest.fixture
def suppliers(world):
    """E1 is the world's SGS enterprise (already granted to Inditex); E2-E4 are added."""
    e1 = world.sgs_enterprise
    e2, e3, e4 = (
        factories.EnterpriseFactory(partner=world.sgs, name=f"Supplier {number}")
        for number in (2, 3, 4)
    )
    for company in (e2, e3, e4):
        factories.SupplierLinkFactory(brand=world.inditex, enterprise=company)
    series(e1, "defect_rate", "12.5", "4.5")
    series(e2, "defect_rate", "10", "8")
    series(e3, "defect_rate", "10", "11")
    series(e4, "defect_rate", "20", "15")
    series(e1, "productivity", "10", "12")
    series(e2, "productivity", "10", "9")
    recompute_all()
    world.suppliers = [e1, e2, e3, e4]
    return world


def rows_by_indicator(response):
    assert response.status_code == 200, response.content
    return {row["indicator"]: row for row in response.json()["results"]}


def test_brand_reads_its_supplier_summary_with_small_groups_withheld(suppliers):
    client = client_for(suppliers.users.inditex_viewer)

    response = client.get(SUMMARY, {"scope": "brand", "key": suppliers.inditex.pk})

    body = response.json()
    assert body["scope"] == "brand" and body["key"] == str(suppliers.inditex.pk)
    rows = rows_by_indicator(response)
    month = current_month().strftime("%Y-%m")
    assert rows["defect_rate"] == {
        "indicator": "defect_rate",
        "as_of": month,
        "withheld": False,
        "enterprises_reporting": 4,
        "median_improvement_pct": pytest.approx(22.5),
        "mean_improvement_pct": pytest.approx(24.75),
        "p90_improvement_pct": pytest.approx(52.3),
        "share_improved": pytest.approx(0.75),
    }
    # Two enterprises report productivity: withheld, and no figure at all in the answer.
    assert rows["productivity"] == {"indicator": "productivity", "as_of": month, "withheld": True}


def test_ilo_reads_the_small_group_in_full(suppliers):
    client = client_for(suppliers.users.ilo_officer)

    rows = rows_by_indicator(client.get(SUMMARY, {"scope": "brand", "key": suppliers.inditex.pk}))

    productivity = rows["productivity"]
    assert productivity["withheld"] is False
    assert productivity["enterprises_reporting"] == 2
    assert productivity["median_improvement_pct"] == pytest.approx(5.0)
    assert productivity["mean_improvement_pct"] == pytest.approx(5.0)
    assert productivity["p90_improvement_pct"] == pytest.approx(17.0)
    assert productivity["share_improved"] == pytest.approx(0.5)


@pytest.mark.parametrize(
    "persona, scope, key",
    [
        ("inditex_viewer", Scope.BRAND, "inditex"),
        ("ilo_admin", Scope.BRAND, "inditex"),
        ("ilo_admin", Scope.PROGRAMME, ""),
        ("ilo_admin", Scope.COUNTRY, "CN"),
        ("ilo_admin", Scope.MODULE, "WCO"),
        ("ilo_admin", Scope.SECTOR, "garments"),
        ("sgs_manager", Scope.PARTNER, "sgs"),
        ("sgs_staff", Scope.PARTNER, "sgs"),
    ],
)
def test_the_endpoint_answers_exactly_the_selectors_numbers(suppliers, persona, scope, key):
    user = getattr(suppliers.users, persona)
    key = {"inditex": str(suppliers.inditex.pk), "sgs": str(suppliers.sgs.pk)}.get(key, key)
    query = {"scope": scope, **({"key": key} if key else {})}

    rows = rows_by_indicator(client_for(user).get(SUMMARY, query))

    expected = kpi_summary(user, scope, key)
    assert [row.indicator.code for row in expected] == list(rows)
    for summary in expected:
        row = rows[summary.indicator.code]
        assert row["withheld"] == summary.withheld
        assert row["as_of"] == summary.as_of.strftime("%Y-%m")
        for name in FIGURES:
            assert row.get(name) == getattr(summary, name)


def test_the_month_asked_for(suppliers):
    client = client_for(suppliers.users.ilo_admin)
    month = current_month().strftime("%Y-%m")

    assert rows_by_indicator(client.get(SUMMARY, {"scope": "programme", "as_of": month}))
    assert rows_by_indicator(client.get(SUMMARY, {"scope": "programme", "as_of": "2001-01"})) == {}
    response = client.get(SUMMARY, {"scope": "programme", "as_of": "2024-13"})
    assert response.status_code == 400
    assert "as_of" in response.json()


@pytest.mark.parametrize(
    "persona, scope, key",
    [
        ("inditex_viewer", Scope.BRAND, "adidas"),
        ("inditex_viewer", Scope.PROGRAMME, ""),
        ("inditex_viewer", Scope.PARTNER, "sgs"),
        ("inditex_viewer", Scope.COUNTRY, "CN"),
        ("adidas_viewer", Scope.BRAND, "inditex"),
        ("sgs_manager", Scope.PARTNER, "tuv"),
        ("sgs_manager", Scope.BRAND, "inditex"),
        ("sgs_manager", Scope.PROGRAMME, ""),
        ("sgs_staff", Scope.SECTOR, "garments"),
        ("tuv_manager", Scope.PARTNER, "sgs"),
        ("no_role", Scope.PROGRAMME, ""),
    ],
)
def test_other_groups_answer_404(suppliers, persona, scope, key):
    keys = {
        "inditex": suppliers.inditex.pk,
        "adidas": suppliers.adidas.pk,
        "sgs": suppliers.sgs.pk,
        "tuv": suppliers.tuv.pk,
    }
    query = {"scope": scope, **({"key": keys.get(key, key)} if key else {})}
    client = client_for(getattr(suppliers.users, persona))

    assert client.get(SUMMARY, query).status_code == 404
    assert client.get(REACH, query).status_code == 404


@pytest.mark.parametrize(
    "query, field",
    [
        ({}, "scope"),
        ({"scope": "galaxy"}, "scope"),
        ({"scope": "brand"}, "key"),
        ({"scope": "country", "key": "  "}, "key"),
        ({"scope": "programme", "key": "CN"}, "key"),
    ],
)
def test_a_malformed_group_is_a_field_error(suppliers, query, field):
    for path in (SUMMARY, REACH):
        response = client_for(suppliers.users.ilo_admin).get(path, query)
        assert response.status_code == 400
        assert field in response.json()


def test_anonymous_is_401(suppliers):
    assert client_for(None).get(SUMMARY, {"scope": "programme"}).status_code == 401


# --- reach ---------------------------------------------------------------------------------


@pytest.fixture
def trained(world):
    """SGS: E1 (CN, 300 employees) completed WCO and had a visit; E2 (IN, 200) sent a female
    manager (2 days) and a male worker (1 day) to a WCO session, and a third participant who
    attended no day; E3 (CN, 80) is in the classroom stage with nobody trained; E4 has
    nothing. Expected: 4 enterprises, 3 enrolled, 2 trained (E1, E2), 1 completed, 2
    countries, 500 employees benefiting, 2 participants trained, 1 session, 1 visit, 1
    module completed."""
    e1 = world.sgs_enterprise
    e1.employees_total = 300
    e1.save()
    e2 = factories.EnterpriseFactory(partner=world.sgs, country="IN", employees_total=200)
    e3 = factories.EnterpriseFactory(partner=world.sgs, employees_total=80, employees_female=40)
    factories.EnterpriseFactory(partner=world.sgs, employees_total=1000)
    completed = factories.EnrolmentFactory(
        enterprise=e1,
        lead_trainer=world.sgs_trainer,
        status=Enrolment.Status.COMPLETED,
        completed_on=date(2024, 6, 1),
    )
    factories.VisitFactory(enrolment=completed, trainer=world.sgs_trainer)
    factories.EnrolmentFactory(
        enterprise=e2, lead_trainer=world.sgs_trainer, status=Enrolment.Status.CONSULTING
    )
    factories.EnrolmentFactory(
        enterprise=e3, lead_trainer=world.sgs_trainer, status=Enrolment.Status.CLASSROOM
    )
    session = factories.ClassroomSessionFactory(partner=world.sgs)
    session.trainers.set([world.sgs_trainer])
    for role, gender, days in [("manager", "female", 2), ("worker", "male", 1), ("worker", "", 0)]:
        participant = factories.ParticipantFactory(
            enterprise=e2, role=role, gender=gender or "female"
        )
        factories.AttendanceFactory(session=session, participant=participant, days_attended=days)
    recompute_all()
    return world


EXPECTED_SGS_REACH = {
    "enterprises": 4,
    "enterprises_enrolled": 3,
    "enterprises_trained": 2,
    "enterprises_completed": 1,
    "countries": 2,
    "employees_benefiting": 500,
    "participants": {
        "trained": 2,
        "by_role": {"managers": 1, "workers": 1},
        "by_gender": {"female": 1, "male": 1, "other": 0, "undisclosed": 0},
    },
    "classroom_sessions": 1,
    "visits": 1,
    "modules_completed": 1,
}


@pytest.mark.parametrize("persona", ["sgs_manager", "ilo_officer"])
def test_reach_of_a_partner_is_the_hand_counted_figures(trained, persona):
    client = client_for(getattr(trained.users, persona))

    response = client.get(REACH, {"scope": "partner", "key": trained.sgs.pk})

    assert response.status_code == 200
    assert response.json() == {
        "scope": "partner",
        "key": str(trained.sgs.pk),
        "as_of": current_month().strftime("%Y-%m"),
        "withheld": False,
        **EXPECTED_SGS_REACH,
    }


def test_reach_of_a_small_brand_group_is_withheld_from_the_brand(trained):
    inditex = trained.inditex.pk
    response = client_for(trained.users.inditex_viewer).get(
        REACH, {"scope": "brand", "key": inditex}
    )
    assert response.status_code == 200
    assert response.json() == {
        "scope": "brand",
        "key": str(inditex),
        "as_of": current_month().strftime("%Y-%m"),
        "withheld": True,
    }
    full = client_for(trained.users.ilo_admin).get(REACH, {"scope": "brand", "key": inditex})
    assert full.json()["withheld"] is False
    assert full.json()["enterprises"] == 1
    assert full.json()["employees_benefiting"] == 300


def test_reach_of_a_module_counts_that_module(trained):
    response = client_for(trained.users.ilo_admin).get(REACH, {"scope": "module", "key": "wco"})
    assert response.status_code == 200
    body = response.json()
    assert body["key"] == "WCO"
    assert body["enterprises_trained"] == 2
    assert body["participants"]["trained"] == 2


def test_reach_of_a_group_never_computed_is_404(world):
    client = client_for(world.users.ilo_admin)
    assert client.get(REACH, {"scope": "programme"}).status_code == 404
    # The summary of such a group is an empty list.
    assert rows_by_indicator(client.get(SUMMARY, {"scope": "programme"})) == {}


# --- an enterprise's results ------------------------------------------------------------


def test_enterprise_kpi_results_per_indicator(suppliers):
    e1 = suppliers.suppliers[0]
    response = client_for(suppliers.users.inditex_viewer).get(
        f"/api/v1/enterprises/{e1.pk}/kpi-results/"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["enterprise"] == e1.pk
    rows = {row["indicator"]: row for row in body["results"]}
    assert set(rows) == {"defect_rate", "productivity"}
    defects = rows["defect_rate"]
    assert defects["baseline_value"] == "12.5000"
    assert defects["latest_value"] == "4.5000"
    assert defects["improvement_pct"] == pytest.approx(64.0)
    assert defects["baseline_period"] < defects["latest_period"]
    assert rows["productivity"]["improvement_pct"] == pytest.approx(20.0)


@pytest.mark.parametrize("persona", ["sgs_manager", "inditex_viewer", "adidas_viewer", "no_role"])
def test_enterprise_kpi_results_outside_the_scope_are_404(suppliers, persona):
    tuv = suppliers.tuv_enterprise
    series(tuv, "defect_rate", "10", "5")
    recompute_all()
    client = client_for(getattr(suppliers.users, persona))
    assert client.get(f"/api/v1/enterprises/{tuv.pk}/kpi-results/").status_code == 404
    assert client.get("/api/v1/enterprises/987654321/kpi-results/").status_code == 404


def test_adidas_sees_no_results_of_inditex_suppliers(suppliers):
    client = client_for(suppliers.users.adidas_viewer)
    for company in suppliers.suppliers:
        assert client.get(f"/api/v1/enterprises/{company.pk}/kpi-results/").status_code == 404


# --- recompute and the runs ----------------------------------------------------------------


@pytest.mark.parametrize("persona", ["ilo_admin", "ilo_officer"])
def test_ilo_starts_a_recompute_and_follows_its_run(
    world, persona, django_capture_on_commit_callbacks
):
    client = client_for(getattr(world.users, persona))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RECOMPUTE, {"history": True}, format="json")
    assert response.status_code == 202
    run_id = response.json()["id"]
    assert response.json()["status"] == "queued"
    assert response["Location"].endswith(f"{RUNS}{run_id}/")
    run = AggregationRun.objects.get(pk=run_id)
    assert run.requested_by == getattr(world.users, persona)
    assert run.with_history is True
    # Celery runs eagerly in tests: the run has finished by now.
    detail = client.get(f"{RUNS}{run_id}/")
    assert detail.status_code == 200
    assert detail.json()["status"] == "succeeded"
    assert detail.json()["requested_by"] == getattr(world.users, persona).username
    assert run_id in [row["id"] for row in client.get(RUNS).json()["results"]]


def test_recompute_without_a_body_rebuilds_without_history(world):
    response = client_for(world.users.ilo_admin).post(RECOMPUTE)
    assert response.status_code == 202
    assert AggregationRun.objects.get(pk=response.json()["id"]).with_history is False


def test_recompute_with_a_malformed_body_is_a_field_error(world):
    response = client_for(world.users.ilo_admin).post(RECOMPUTE, {"history": "yes"}, format="json")
    assert response.status_code == 400
    assert "history" in response.json()
    assert not AggregationRun.objects.exists()


@pytest.mark.parametrize(
    "persona", ["sgs_manager", "sgs_staff", "inditex_viewer", "adidas_viewer", "no_role"]
)
def test_others_may_not_start_a_recompute_nor_see_the_runs(world, persona):
    run = AggregationRun.objects.create(kind=AggregationRun.Kind.FULL)
    client = client_for(getattr(world.users, persona))
    assert client.post(RECOMPUTE, {}, format="json").status_code == 403
    assert AggregationRun.objects.count() == 1
    listed = client.get(RUNS)
    assert listed.status_code == 200
    assert listed.json()["count"] == 0
    assert client.get(f"{RUNS}{run.pk}/").status_code == 404


def test_anonymous_may_not_start_a_recompute(world):
    assert client_for(None).post(RECOMPUTE).status_code == 401


def test_runs_are_filtered_and_ordered(world):
    AggregationRun.objects.create(kind="full", status="failed", error="database away")
    AggregationRun.objects.create(kind="enterprise", status="succeeded")
    AggregationRun.objects.create(kind="summaries", status="succeeded", duration_seconds=2.5)
    client = client_for(world.users.ilo_admin)
    assert client.get(RUNS, {"status": "failed"}).json()["count"] == 1
    assert client.get(RUNS, {"kind": "summaries"}).json()["count"] == 1
    assert client.get(RUNS, {"search": "away"}).json()["count"] == 1
    ordered = client.get(RUNS, {"ordering": "id"}).json()["results"]
    assert [row["id"] for row in ordered] == sorted(row["id"] for row in ordered)
    assert client.get(RUNS, {"ordering": "error"}).status_code == 400
    assert client.get(RUNS, {"kind": "weekly"}).status_code == 400
