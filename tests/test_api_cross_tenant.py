"""The cross-tenant matrix: every API route, every persona, another organisation's objects.

Routes are read from the URL resolver, so a new route fails here until it is classified.
For each persona the objects of TÜV Rheinland (and another brand's links) are foreign:
their detail routes answer 404, no list (with search, filter and ordering) shows their
ids, and no writable field accepts their ids, with the very answer a missing id gets.
The report routes take a group (``?scope=&key=``): every group but the persona's own
answers 404; the recompute is ILO's alone (403), and the aggregation's runs are ILO's trace.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from modules.models import ClassroomSession, ConsultationVisit, Enrolment, ImprovementProject
from partners.models import SupplierLink
from reports.aggregation.recompute import recompute_all
from reports.models import AggregationRun, KpiMeasurement, Scope
from tests import factories
from tests.api_support import client_for

PERSONAS = ["sgs_manager", "sgs_staff", "inditex_viewer", "adidas_viewer", "no_role"]
MISSING_ID = 987654321

# route name -> what it is. "detail" routes take a foreign object's id ("detail-action" is
# posted to, "detail-read" read); "collection" routes are listed and written to; "open"
# routes are shared catalogue or entry points; "report" routes read a group; "ilo-action"
# routes are posted to by ILO staff only.
ROUTES = {
    "api-root": "open",
    "auth-token": "open",
    # The caller's own tokens; someone else's answers 404 (tests/test_security_auth.py).
    "api-token-list": "open",
    "api-token-detail": "open",
    "not-found": "open",
    "module-list": "open",
    "module-detail": "open",
    "indicator-list": "open",
    "indicator-detail": "open",
    "organisation-list": "collection",
    "organisation-detail": "detail",
    "licence-list": "collection",
    "licence-detail": "detail",
    "trainer-list": "collection",
    "trainer-detail": "detail",
    "certification-list": "collection",
    "certification-detail": "detail",
    "enterprise-list": "collection",
    "enterprise-detail": "detail",
    "participant-list": "collection",
    "participant-detail": "detail",
    "enrolment-list": "collection",
    "enrolment-detail": "detail",
    "classroom-session-list": "collection",
    "classroom-session-detail": "detail",
    "visit-list": "collection",
    "visit-detail": "detail",
    "improvement-project-list": "collection",
    "improvement-project-detail": "detail",
    "kpi-measurement-list": "collection",
    "kpi-measurement-detail": "detail",
    "kpi-measurement-bulk": "bulk",
    "supplier-link-list": "collection",
    "supplier-link-detail": "detail",
    "supplier-link-grant": "detail-action",
    "supplier-link-revoke": "detail-action",
    "enterprise-kpi-results": "detail-read",
    "report-kpi-summary": "report",
    "report-reach": "report",
    "report-recompute": "ilo-action",
    "aggregation-run-list": "collection",
    "aggregation-run-detail": "detail",
}

# Routes of an action on another resource's objects: the object they take.
BASENAMES = {"enterprise-kpi-results": "enterprise"}


def basename_of(name: str) -> str:
    return BASENAMES.get(name) or name.rsplit("-", 1)[0]


# Writable foreign keys of each collection: field -> the foreign object it is tried with.
WRITABLE = {
    "licence": {"partner": "organisation"},
    "trainer": {"organisation": "organisation"},
    "certification": {"trainer": "trainer"},
    "enterprise": {"partner": "organisation"},
    "participant": {"enterprise": "enterprise"},
    "enrolment": {"enterprise": "enterprise", "lead_trainer": "trainer"},
    "classroom-session": {"partner": "organisation", "trainers": "trainer"},
    "visit": {"enrolment": "enrolment", "trainer": "trainer"},
    "improvement-project": {"enrolment": "enrolment"},
    "kpi-measurement": {"enterprise": "enterprise", "verified_by": "trainer"},
}


def api_routes():
    """(name, route) of every URL under api/v1/, read from the resolver."""
    found = []

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(
                    pattern.url_patterns,
                    prefix + str(pattern.pattern),
                    pattern.namespace or namespace,
                )
            elif isinstance(pattern, URLPattern) and namespace == "api":
                found.append((pattern.name, prefix + str(pattern.pattern)))

    walk(get_resolver().url_patterns, "", None)
    return found


def test_every_api_route_is_classified():
    routes = api_routes()
    assert routes, "no API route found"
    unclassified = sorted({name for name, _route in routes} - set(ROUTES))
    assert not unclassified, f"classify these routes in the matrix: {unclassified}"
    assert set(ROUTES) <= {name for name, _route in routes}


@pytest.fixture
def foreign(world):
    """TÜV Rheinland's side of the world, with one of everything."""
    enterprise = world.tuv_enterprise
    participant = factories.ParticipantFactory(enterprise=enterprise, full_name="Zhang Min")
    enrolment = factories.EnrolmentFactory(enterprise=enterprise, lead_trainer=world.tuv_trainer)
    session = factories.ClassroomSessionFactory(partner=world.tuv)
    session.trainers.set([world.tuv_trainer])
    factories.AttendanceFactory(session=session, participant=participant)
    visit = factories.VisitFactory(enrolment=enrolment, trainer=world.tuv_trainer)
    project = factories.ImprovementProjectFactory(enrolment=enrolment)
    measurement = factories.KpiMeasurementFactory(enterprise=enterprise, is_baseline=True)
    tuv_link = factories.SupplierLinkFactory(
        brand=world.adidas, enterprise=enterprise, status="requested"
    )
    inditex_link = SupplierLink.objects.get(brand=world.inditex)
    factories.KpiMeasurementFactory(
        enterprise=enterprise, period=measurement.period.replace(year=2025)
    )
    recompute_all()
    run = AggregationRun.objects.get()
    objects = {
        "aggregation-run": run,
        "organisation": world.tuv,
        "licence": world.tuv_licence,
        "trainer": world.tuv_trainer,
        "certification": world.tuv_trainer.certifications.first(),
        "enterprise": enterprise,
        "participant": participant,
        "enrolment": enrolment,
        "classroom-session": session,
        "visit": visit,
        "improvement-project": project,
        "kpi-measurement": measurement,
        "supplier-link": tuv_link,
    }

    def for_persona(persona):
        # Adidas's own request is not foreign to Adidas; Inditex's granted link is.
        if persona == "adidas_viewer":
            return {**objects, "supplier-link": inditex_link}
        return objects

    return for_persona


def route_path(route: str, pk) -> str:
    path = "/" + re.sub(r"\(\?P<pk>[^)]*\)", str(pk), route).lstrip("^").rstrip("$")
    return path.replace("\\", "").replace("^", "")


def normalised(errors, pk) -> str:
    return str(errors).replace(str(pk), "<id>")


@pytest.mark.parametrize("persona", PERSONAS)
def test_foreign_objects_are_404_on_every_detail_route(world, foreign, persona):
    client = client_for(getattr(world.users, persona))
    objects = foreign(persona)
    checked = 0
    for name, route in api_routes():
        kind = ROUTES[name]
        if not kind.startswith("detail"):
            continue
        path = route_path(route, objects[basename_of(name)].pk)
        if kind == "detail":
            assert client.get(path).status_code == 404, path
            assert client.patch(path, {}, format="json").status_code in (404, 405), path
            assert client.delete(path).status_code in (404, 405), path
        elif kind == "detail-read":
            assert client.get(path).status_code == 404, path
            assert client.post(path).status_code in (404, 405), path
        else:
            assert client.post(path).status_code == 404, path
        checked += 1
    assert checked == sum(kind.startswith("detail") for kind in ROUTES.values())


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_list_shows_a_foreign_id(world, foreign, persona):
    client = client_for(getattr(world.users, persona))
    objects = foreign(persona)
    for name, route in api_routes():
        if ROUTES[name] != "collection":
            continue
        target = objects[basename_of(name)]
        path = route_path(route, "")
        queries = [
            {},
            {"search": str(getattr(target, "name", "") or getattr(target, "full_name", ""))},
            {"ordering": "-id"},
            {"enterprise": objects["enterprise"].pk},
            {"partner": world.tuv.pk},
            {"page_size": 500},
        ]
        for query in queries:
            response = client.get(path, query)
            assert response.status_code == 200, (path, query, response.content)
            listed = [row["id"] for row in response.json()["results"]]
            assert target.pk not in listed, (persona, path, query)
            if "count" in response.json():
                assert response.json()["count"] == len(listed) or len(listed) == 500


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_writable_field_accepts_a_foreign_id(world, foreign, persona):
    client = client_for(getattr(world.users, persona))
    objects = foreign(persona)
    before = _counts()
    for basename, fields in WRITABLE.items():
        path = f"/api/v1/{basename}s/".replace("classroom-sessions", "classroom-sessions")
        path = "/api/v1/classroom-sessions/" if basename == "classroom-session" else path
        for field, kind in fields.items():
            foreign_id = objects[kind].pk
            many = field == "trainers"
            foreign_body = {field: [foreign_id] if many else foreign_id}
            missing_body = {field: [MISSING_ID] if many else MISSING_ID}
            foreign_answer = client.post(path, foreign_body, format="json")
            missing_answer = client.post(path, missing_body, format="json")
            assert foreign_answer.status_code == 400, (path, field, foreign_answer.content)
            assert field in foreign_answer.json(), (path, field, foreign_answer.json())
            assert normalised(foreign_answer.json()[field], foreign_id) == normalised(
                missing_answer.json()[field], MISSING_ID
            )
    # A session's attendance names participants: a foreign one reads as missing too.
    participant = objects["participant"].pk
    answer = client.post(
        "/api/v1/classroom-sessions/",
        {"attendance": [{"participant": participant, "days_attended": 2}]},
        format="json",
    )
    assert answer.status_code == 400
    assert "does not exist" in str(answer.json()["attendance"])
    # The bulk endpoint resolves ids for the whole batch: same answer, per row.
    answer = client.post(
        "/api/v1/kpi-measurements/bulk/",
        [
            {
                "enterprise": objects["enterprise"].pk,
                "indicator": "defect_rate",
                "period": "2024-02",
                "value": "5",
                "verified_by": objects["trainer"].pk,
            }
        ],
        format="json",
    )
    assert answer.status_code == 400
    row = answer.json()["errors"][0]
    assert row["row"] == 0 and "enterprise" in row and "verified_by" in row
    assert _counts() == before


def foreign_groups(world, persona):
    """Every group of every scope but the persona's own."""
    own = {
        "sgs_manager": (Scope.PARTNER, str(world.sgs.pk)),
        "sgs_staff": (Scope.PARTNER, str(world.sgs.pk)),
        "inditex_viewer": (Scope.BRAND, str(world.inditex.pk)),
        "adidas_viewer": (Scope.BRAND, str(world.adidas.pk)),
    }.get(persona)
    groups = [
        (Scope.PROGRAMME, ""),
        (Scope.COUNTRY, "CN"),
        (Scope.PARTNER, str(world.tuv.pk)),
        (Scope.PARTNER, str(world.sgs.pk)),
        (Scope.BRAND, str(world.inditex.pk)),
        (Scope.BRAND, str(world.adidas.pk)),
        (Scope.MODULE, "WCO"),
        (Scope.SECTOR, "electronics"),
        (Scope.PARTNER, str(MISSING_ID)),
    ]
    return own, [group for group in groups if group != own]


@pytest.mark.parametrize("persona", PERSONAS)
def test_report_routes_answer_404_for_every_group_but_ones_own(world, foreign, persona):
    client = client_for(getattr(world.users, persona))
    foreign(persona)
    # Adidas's own group: a granted supplier of SGS's (its link to TÜV's is only requested).
    factories.SupplierLinkFactory(
        brand=world.adidas, enterprise=factories.EnterpriseFactory(partner=world.sgs)
    )
    recompute_all()
    own, others = foreign_groups(world, persona)
    checked = 0
    for name, route in api_routes():
        if ROUTES[name] != "report":
            continue
        path = route_path(route, "")
        for scope, key in others:
            query = {"scope": scope, **({"key": key} if key else {})}
            response = client.get(path, query)
            assert response.status_code == 404, (persona, path, query, response.content)
            assert response.json() == {"detail": "Not found."}
        if own is not None:
            response = client.get(path, {"scope": own[0], "key": own[1]})
            assert response.status_code == 200, (persona, path, response.content)
            body = response.json()
            if "results" in body:  # only TÜV's enterprise reports KPIs: nothing of it here
                assert body["results"] == [], (persona, path, body)
            elif not body["withheld"]:
                assert body["enterprises"] == 2, (persona, path, body)  # SGS's two, not TÜV's
        checked += 1
    assert checked == sum(kind == "report" for kind in ROUTES.values())


@pytest.mark.parametrize("persona", PERSONAS)
def test_ilo_actions_are_refused_to_every_other_persona(world, persona):
    client = client_for(getattr(world.users, persona))
    for name, route in api_routes():
        if ROUTES[name] != "ilo-action":
            continue
        path = route_path(route, "")
        assert client.post(path, {}, format="json").status_code == 403, path
    assert not AggregationRun.objects.exists()


def _counts():
    return [
        model.objects.count()
        for model in (
            Enrolment,
            ClassroomSession,
            ConsultationVisit,
            ImprovementProject,
            KpiMeasurement,
        )
    ]


@pytest.mark.parametrize("enterprise_exists", [True, False])
def test_brand_request_answers_alike_whether_or_not_the_enterprise_exists(world, enterprise_exists):
    client = client_for(world.users.adidas_viewer)
    requested = world.tuv_enterprise.pk if enterprise_exists else MISSING_ID
    response = client.post("/api/v1/supplier-links/", {"enterprise": requested}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {
        "id",
        "brand",
        "enterprise",
        "requested_enterprise_id",
        "requested_os_id",
        "status",
        "requested_at",
        "decided_at",
    }
    assert body["enterprise"] is None
    assert body["requested_enterprise_id"] == requested
    assert body["status"] == "requested"
    listed = client.get("/api/v1/supplier-links/").json()["results"]
    assert all(row["enterprise"] is None for row in listed if row["status"] != "granted")


def test_brand_never_receives_participants(world, foreign):
    factories.ParticipantFactory(enterprise=world.sgs_enterprise, full_name="Chen Jing")
    client = client_for(world.users.inditex_viewer)
    assert client.get("/api/v1/participants/").json()["results"] == []
    participant = world.sgs_enterprise.participants.get()
    assert client.get(f"/api/v1/participants/{participant.pk}/").status_code == 404
    enrolment = factories.EnrolmentFactory(
        enterprise=world.sgs_enterprise, lead_trainer=world.sgs_trainer
    )
    row = client.get(f"/api/v1/enrolments/{enrolment.pk}/").json()
    assert "lead_trainer" not in row and "fee_amount" not in row
