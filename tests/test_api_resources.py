"""Each API resource as each role: list, retrieve, create, update, delete (api.md)."""

import pytest
from rest_framework.authtoken.models import Token

from enterprises.models import Enterprise
from modules.models import ClassroomSession, Enrolment
from partners.models import SupplierLink
from reports.models import KpiMeasurement
from score_platform.api_urls import router
from score_platform.viewsets import ScopedViewSet
from tests import factories
from tests.api_support import client_for, ids

ENTERPRISE_BODY = {
    "name": "Dongguan Shoes",
    "country": "CN",
    "city": "Dongguan",
    "sector": "footwear",
    "employees_total": 300,
    "employees_female": 180,
}


def test_every_writing_viewset_calls_its_services_not_serializer_save():
    for _prefix, viewset, _basename in router.registry:
        for method in ("perform_create", "perform_update", "perform_destroy"):
            owner = next(cls for cls in viewset.__mro__ if method in vars(cls))
            assert owner is viewset or issubclass(owner, ScopedViewSet), (viewset, method)


def test_token_is_issued_for_the_right_password_only(world):
    client = client_for(None)
    good = {"username": "sgs.manager", "password": factories.PASSWORD}
    response = client.post("/api/v1/auth/token/", good, format="json")
    assert response.status_code == 200
    assert response.json()["token"] == Token.objects.get(user=world.users.sgs_manager).key
    bad = client.post("/api/v1/auth/token/", {**good, "password": "nope"}, format="json")
    assert bad.status_code == 400


def test_anonymous_gets_401(world):
    assert client_for(None).get("/api/v1/enterprises/").status_code == 401


def test_malformed_json_is_a_400(world):
    client = client_for(world.users.sgs_manager)
    response = client.generic(
        "POST", "/api/v1/enterprises/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400


def test_huge_strings_and_wrong_types_are_400(world):
    client = client_for(world.users.sgs_manager)
    response = client.post(
        "/api/v1/enterprises/",
        {**ENTERPRISE_BODY, "name": "x" * 100_000, "employees_total": "300"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"name", "employees_total"}


# --- enterprises ------------------------------------------------------------------------


def test_partner_manager_registers_edits_and_deletes_its_enterprise(world):
    client = client_for(world.users.sgs_manager)
    created = client.post("/api/v1/enterprises/", ENTERPRISE_BODY, format="json")
    assert created.status_code == 201, created.json()
    enterprise = Enterprise.objects.get(pk=created.json()["id"])
    assert enterprise.partner == world.sgs
    assert enterprise.history.first().history_user == world.users.sgs_manager
    detail = f"/api/v1/enterprises/{enterprise.pk}/"
    assert client.get(detail).json()["name"] == "Dongguan Shoes"
    changed = client.patch(detail, {"employees_female": 400}, format="json")
    assert changed.status_code == 400
    assert "employees_female" in changed.json()
    assert client.patch(detail, {"city": "Shenzhen"}, format="json").json()["city"] == "Shenzhen"
    assert client.delete(detail).status_code == 204
    assert not Enterprise.objects.filter(pk=enterprise.pk).exists()


def test_partner_cannot_register_outside_its_licence(world):
    client = client_for(world.users.sgs_manager)
    response = client.post(
        "/api/v1/enterprises/", {**ENTERPRISE_BODY, "country": "VN"}, format="json"
    )
    assert response.status_code == 400
    assert "country" in response.json()


def test_partner_staff_reads_but_may_not_change_enterprises(world):
    client = client_for(world.users.sgs_staff)
    detail = f"/api/v1/enterprises/{world.sgs_enterprise.pk}/"
    assert client.get(detail).status_code == 200
    assert client.patch(detail, {"city": "X"}, format="json").status_code == 403
    assert client.delete(detail).status_code == 403
    assert client.post("/api/v1/enterprises/", ENTERPRISE_BODY, format="json").status_code == 403


def test_brand_sees_its_granted_supplier_only_and_changes_nothing(world):
    client = client_for(world.users.inditex_viewer)
    assert ids(client.get("/api/v1/enterprises/")) == {world.sgs_enterprise.pk}
    detail = f"/api/v1/enterprises/{world.sgs_enterprise.pk}/"
    assert client.patch(detail, {"city": "X"}, format="json").status_code == 403
    assert client.delete(detail).status_code == 403
    assert client_for(world.users.adidas_viewer).get(detail).status_code == 404


def test_ilo_officer_lists_every_enterprise_and_filters_by_country(world):
    factories.EnterpriseFactory(partner=world.sgs, country="IN", name="Tiruppur Knits")
    client = client_for(world.users.ilo_officer)
    assert len(ids(client.get("/api/v1/enterprises/"))) == 3
    india = client.get("/api/v1/enterprises/", {"country": "IN"}).json()["results"]
    assert [row["name"] for row in india] == ["Tiruppur Knits"]
    ordered = client.get("/api/v1/enterprises/", {"ordering": "-name"}).json()["results"]
    assert [row["name"] for row in ordered][0] == "Tiruppur Knits"


# --- participants, enrolments, sessions, visits, projects --------------------------------


def test_partner_staff_records_progress(world):
    client = client_for(world.users.sgs_staff)
    enterprise = world.sgs_enterprise
    participant = client.post(
        "/api/v1/participants/",
        {
            "enterprise": enterprise.pk,
            "full_name": "Wang Fang",
            "role": "worker",
            "gender": "female",
        },
        format="json",
    )
    assert participant.status_code == 201, participant.json()
    enrolment = client.post(
        "/api/v1/enrolments/",
        {
            "enterprise": enterprise.pk,
            "module": "WCO",
            "started_on": "2024-01-10",
            "lead_trainer": world.sgs_trainer.pk,
        },
        format="json",
    )
    assert enrolment.status_code == 201, enrolment.json()
    assert enrolment.json()["partner"] == world.sgs.pk
    enrolment_id = enrolment.json()["id"]
    session = client.post(
        "/api/v1/classroom-sessions/",
        {
            "module": "WCO",
            "trainers": [world.sgs_trainer.pk],
            "starts_on": "2024-02-05",
            "ends_on": "2024-02-06",
            "country": "CN",
            "attendance": [{"participant": participant.json()["id"], "days_attended": 2}],
        },
        format="json",
    )
    assert session.status_code == 201, session.json()
    assert ClassroomSession.objects.get(pk=session.json()["id"]).attendance.count() == 1
    visit = client.post(
        "/api/v1/visits/",
        {
            "enrolment": enrolment_id,
            "kind": "follow_up",
            "trainer": world.sgs_trainer.pk,
            "visited_on": "2024-03-01",
            "duration_hours": "4.0",
        },
        format="json",
    )
    assert visit.status_code == 201, visit.json()
    project = client.post(
        "/api/v1/improvement-projects/",
        {"enrolment": enrolment_id, "title": "Cut rework on line 2", "indicator": "defect_rate"},
        format="json",
    )
    assert project.status_code == 201, project.json()
    moved = client.patch(
        f"/api/v1/enrolments/{enrolment_id}/", {"status": "consulting"}, format="json"
    )
    assert moved.json()["status"] == "consulting"
    back = client.patch(f"/api/v1/enrolments/{enrolment_id}/", {"status": "planned"}, format="json")
    assert back.status_code == 400 and "status" in back.json()
    assert Enrolment.objects.get(pk=enrolment_id).history.count() == 2


def test_other_modules_wait_for_workplace_cooperation(world):
    client = client_for(world.users.sgs_staff)
    response = client.post(
        "/api/v1/enrolments/",
        {"enterprise": world.sgs_enterprise.pk, "module": "QM", "started_on": "2024-01-10"},
        format="json",
    )
    assert response.status_code == 400
    assert "module" in response.json()


def test_an_uncertified_lead_trainer_is_refused(world):
    candidate = factories.TrainerFactory(organisation=world.sgs)
    client = client_for(world.users.sgs_staff)
    response = client.post(
        "/api/v1/enrolments/",
        {
            "enterprise": world.sgs_enterprise.pk,
            "module": "WCO",
            "started_on": "2024-01-10",
            "lead_trainer": candidate.pk,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "lead_trainer" in response.json()


def test_unknown_module_code_is_a_400(world):
    client = client_for(world.users.sgs_staff)
    response = client.post(
        "/api/v1/enrolments/",
        {"enterprise": world.sgs_enterprise.pk, "module": "NOPE", "started_on": "2024-01-10"},
        format="json",
    )
    assert response.status_code == 400 and "module" in response.json()


# --- catalogue, organisations, licences, trainers, certifications ------------------------


def test_catalogue_is_read_only(world):
    client = client_for(world.users.sgs_staff)
    modules = client.get("/api/v1/modules/").json()["results"]
    assert [module["code"] for module in modules] == ["WCO", "QM", "CP", "HRM", "OSH"]
    indicators = client.get("/api/v1/indicators/", {"code": "defect_rate"}).json()["results"]
    assert indicators[0]["direction"] == "lower"
    assert client.post("/api/v1/modules/", {}, format="json").status_code == 405


def test_only_ilo_admin_writes_organisations_licences_and_certifications(world):
    admin = client_for(world.users.ilo_admin)
    officer = client_for(world.users.ilo_officer)
    body = {"name": "Bureau Veritas", "kind": "partner", "countries": ["VN"]}
    assert officer.post("/api/v1/organisations/", body, format="json").status_code == 403
    created = admin.post("/api/v1/organisations/", body, format="json")
    assert created.status_code == 201, created.json()
    licence = {
        "partner": created.json()["id"],
        "reference": "BV-2025",
        "countries": ["VN"],
        "modules": ["WCO", "QM"],
        "valid_from": "2025-01-01",
        "valid_until": "2027-12-31",
    }
    assert officer.post("/api/v1/licences/", licence, format="json").status_code == 403
    response = admin.post("/api/v1/licences/", licence, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["modules"] == ["WCO", "QM"]
    certification = {
        "trainer": world.sgs_trainer.pk,
        "module": "WCO",
        "level": "master",
        "awarded_on": "2020-01-01",
    }
    duplicate = admin.post("/api/v1/certifications/", certification, format="json")
    assert duplicate.status_code == 400 and "module" in duplicate.json()


def test_partner_manager_adds_trainers_to_its_own_organisation(world):
    client = client_for(world.users.sgs_manager)
    response = client.post(
        "/api/v1/trainers/",
        {"full_name": "Liu Yang", "email": "liu.yang@example.org", "languages": ["zh"]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["organisation"] == world.sgs.pk
    staff = client_for(world.users.sgs_staff)
    detail = f"/api/v1/trainers/{response.json()['id']}/"
    assert staff.patch(detail, {"full_name": "Liu Y."}, format="json").status_code == 403


# --- supplier links ---------------------------------------------------------------------


def test_brand_requests_and_partner_manager_grants_then_revokes(world):
    other = factories.EnterpriseFactory(partner=world.sgs, os_id="CN2019061234ABC")
    brand = client_for(world.users.adidas_viewer)
    requested = brand.post("/api/v1/supplier-links/", {"os_id": other.os_id}, format="json")
    assert requested.status_code == 201
    assert requested.json()["enterprise"] is None
    link_id = requested.json()["id"]
    assert brand.post(f"/api/v1/supplier-links/{link_id}/grant/").status_code == 403
    assert (
        client_for(world.users.sgs_staff)
        .post(f"/api/v1/supplier-links/{link_id}/grant/")
        .status_code
        == 403
    )
    assert (
        client_for(world.users.tuv_manager)
        .post(f"/api/v1/supplier-links/{link_id}/grant/")
        .status_code
        == 404
    )
    manager = client_for(world.users.sgs_manager)
    granted = manager.post(f"/api/v1/supplier-links/{link_id}/grant/")
    assert granted.status_code == 200 and granted.json()["status"] == "granted"
    assert brand.get(f"/api/v1/supplier-links/{link_id}/").json()["enterprise"] == other.pk
    assert other.pk in ids(brand.get("/api/v1/enterprises/"))
    revoked = client_for(world.users.ilo_officer).post(f"/api/v1/supplier-links/{link_id}/revoke/")
    assert revoked.json()["status"] == "revoked"
    assert brand.get(f"/api/v1/enterprises/{other.pk}/").status_code == 404
    assert SupplierLink.objects.get(pk=link_id).decided_by == world.users.ilo_officer


def test_only_brands_request_links(world):
    client = client_for(world.users.sgs_manager)
    response = client.post(
        "/api/v1/supplier-links/", {"enterprise": world.sgs_enterprise.pk}, format="json"
    )
    assert response.status_code == 403


# --- KPI measurements -------------------------------------------------------------------


def test_partner_reports_corrects_and_deletes_a_kpi(world):
    client = client_for(world.users.sgs_staff)
    body = {
        "enterprise": world.sgs_enterprise.pk,
        "indicator": "defect_rate",
        "period": "2024-01",
        "value": "12.5",
        "is_baseline": True,
    }
    created = client.post("/api/v1/kpi-measurements/", body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["period"] == "2024-01"
    assert created.json()["value"] == "12.5000"
    measurement = KpiMeasurement.objects.get(pk=created.json()["id"])
    assert measurement.reported_by == world.users.sgs_staff
    detail = f"/api/v1/kpi-measurements/{measurement.pk}/"
    assert client.patch(detail, {"value": "120"}, format="json").status_code == 400
    assert client.patch(detail, {"value": "11.5"}, format="json").json()["value"] == "11.5000"
    before = client.post(
        "/api/v1/kpi-measurements/",
        {**body, "period": "2023-12", "is_baseline": False},
        format="json",
    )
    assert before.status_code == 400 and "period" in before.json()
    future = client.post("/api/v1/kpi-measurements/", {**body, "period": "2999-01"}, format="json")
    assert future.status_code == 400 and "period" in future.json()
    assert client.delete(detail).status_code == 204
    listed = client.get("/api/v1/kpi-measurements/").json()
    assert "count" not in listed and listed["results"] == []


def test_kpi_filters_by_indicator_and_months(world):
    for month, value in ((1, 12), (2, 10), (3, 8)):
        factories.KpiMeasurementFactory(
            enterprise=world.sgs_enterprise,
            period=f"2024-{month:02d}-01",
            value=value,
            is_baseline=month == 1,
        )
    client = client_for(world.users.sgs_staff)
    rows = client.get(
        "/api/v1/kpi-measurements/",
        {"indicator": "defect_rate", "period_from": "2024-02", "period_to": "2024-03"},
    ).json()["results"]
    assert [row["period"] for row in rows] == ["2024-02", "2024-03"]
    assert client.get("/api/v1/kpi-measurements/", {"period_from": "2024-13"}).status_code == 400
    assert client.get("/api/v1/kpi-measurements/", {"indicator": "waste"}).json()["results"] == []


def test_brand_never_reads_raw_kpis(world):
    factories.KpiMeasurementFactory(enterprise=world.sgs_enterprise, is_baseline=True)
    client = client_for(world.users.inditex_viewer)
    assert client.get("/api/v1/kpi-measurements/").json()["results"] == []


# --- bulk -------------------------------------------------------------------------------


def month_rows(enterprise, months):
    return [
        {
            "enterprise": enterprise.pk,
            "indicator": "defect_rate",
            "period": f"2024-{month:02d}",
            "value": str(20 - month),
            "is_baseline": month == 1,
        }
        for month in months
    ]


def test_bulk_saves_every_row(world):
    client = client_for(world.users.sgs_staff)
    response = client.post(
        "/api/v1/kpi-measurements/bulk/",
        month_rows(world.sgs_enterprise, range(1, 7)),
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["created"] == 6
    saved = KpiMeasurement.objects.filter(enterprise=world.sgs_enterprise)
    assert saved.count() == 6
    assert {measurement.reported_by for measurement in saved} == {world.users.sgs_staff}
    assert KpiMeasurement.history.filter(history_user=world.users.sgs_staff).count() == 6


def test_bulk_saves_nothing_when_one_row_breaks_a_rule(world):
    client = client_for(world.users.sgs_staff)
    rows = month_rows(world.sgs_enterprise, range(1, 5))
    rows[2]["value"] = "150"  # a percentage above 100
    rows.append({**rows[1]})  # the same month twice
    rows.append({**rows[0], "period": "2024-06"})  # a second baseline
    response = client.post("/api/v1/kpi-measurements/bulk/", rows, format="json")
    assert response.status_code == 400
    errors = {row["row"]: row for row in response.json()["errors"]}
    assert set(errors) == {2, 4, 5}
    assert "value" in errors[2] and "period" in errors[4] and "is_baseline" in errors[5]
    assert not KpiMeasurement.objects.exists()


def test_bulk_checks_rows_against_stored_values(world):
    factories.KpiMeasurementFactory(
        enterprise=world.sgs_enterprise, period="2024-03-01", is_baseline=True
    )
    client = client_for(world.users.sgs_staff)
    rows = [
        {
            "enterprise": world.sgs_enterprise.pk,
            "indicator": "defect_rate",
            "period": "2024-02",
            "value": "9",
        },
        {
            "enterprise": world.sgs_enterprise.pk,
            "indicator": "defect_rate",
            "period": "2024-03",
            "value": "9",
        },
    ]
    response = client.post("/api/v1/kpi-measurements/bulk/", rows, format="json")
    assert [row["row"] for row in response.json()["errors"]] == [0, 1]


@pytest.mark.parametrize("body", [{}, [], "rows", [1, 2]])
def test_bulk_refuses_what_is_not_a_list_of_rows(world, body):
    client = client_for(world.users.sgs_staff)
    response = client.post("/api/v1/kpi-measurements/bulk/", body, format="json")
    assert response.status_code == 400
    assert "errors" in response.json()


def test_bulk_takes_a_few_thousand_rows_in_a_few_queries(world, django_assert_max_num_queries):
    enterprises = [factories.EnterpriseFactory(partner=world.sgs) for _ in range(250)]
    rows = []
    for enterprise in enterprises:
        for indicator in ("defect_rate", "waste", "absenteeism", "staff_turnover"):
            for month in (1, 2):
                rows.append(
                    {
                        "enterprise": enterprise.pk,
                        "indicator": indicator,
                        "period": f"2024-{month:02d}",
                        "value": "5",
                        "is_baseline": month == 1,
                    }
                )
    client = client_for(world.users.sgs_staff)
    # A handful of reads, then inserts in batches (SQLite splits them into ~80-row ones).
    with django_assert_max_num_queries(100):
        response = client.post("/api/v1/kpi-measurements/bulk/", rows, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["created"] == 2000


@pytest.mark.parametrize(
    "path",
    ["/api/v1/kpi-measurements/", "/api/v1/enterprises/", "/api/v1/reports/aggregation-runs/"],
)
def test_a_filter_given_twice_is_a_400_not_its_last_value(world, path):
    client = client_for(world.users.ilo_admin)
    name = "kind" if "aggregation" in path else "partner" if "enterprises" in path else "enterprise"
    value = "full" if name == "kind" else str(world.sgs.pk if name == "partner" else 1)
    response = client.get(f"{path}?{name}={value}&{name}={value}")
    assert response.status_code == 400
    assert response.json() == {name: ["Give one value."]}
    assert client.get(f"{path}?{name}={value}").status_code == 200
