"""Every list endpoint runs the same number of queries for 5 objects as for 50."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.aggregation.recompute import recompute_all
from reports.models import AggregationRun
from tests import factories
from tests.api_support import client_for
from tests.kpi_helpers import series


def build(world, kind, count):
    partner, trainer = world.sgs, world.sgs_trainer
    for _ in range(count):
        enterprise = factories.EnterpriseFactory(partner=partner)
        if kind == "enterprises":
            continue
        if kind == "participants":
            factories.ParticipantFactory(enterprise=enterprise)
        elif kind in ("enrolments", "visits", "improvement-projects"):
            enrolment = factories.EnrolmentFactory(enterprise=enterprise, lead_trainer=trainer)
            if kind == "visits":
                factories.VisitFactory(enrolment=enrolment, trainer=trainer)
            if kind == "improvement-projects":
                factories.ImprovementProjectFactory(enrolment=enrolment)
        elif kind == "classroom-sessions":
            session = factories.ClassroomSessionFactory(partner=partner)
            session.trainers.set([trainer])
            factories.AttendanceFactory(
                session=session, participant=factories.ParticipantFactory(enterprise=enterprise)
            )
        elif kind == "kpi-measurements":
            factories.KpiMeasurementFactory(enterprise=enterprise)
        elif kind == "supplier-links":
            factories.SupplierLinkFactory(brand=world.inditex, enterprise=enterprise)
        elif kind == "trainers":
            factories.certified_trainer(partner, "WCO")
        elif kind == "certifications":
            factories.CertificationFactory(trainer=factories.TrainerFactory(organisation=partner))
        elif kind == "licences":
            factories.LicenceFactory(partner=partner)
        elif kind == "reports/aggregation-runs":
            AggregationRun.objects.create(
                kind=AggregationRun.Kind.FULL, requested_by=world.users.ilo_admin
            )
        elif kind == "organisations":
            factories.OrganisationFactory(kind="brand")
            factories.SupplierLinkFactory(
                brand=factories.OrganisationFactory(kind="brand"), enterprise=enterprise
            )


LISTS = [
    "organisations",
    "licences",
    "modules",
    "indicators",
    "trainers",
    "certifications",
    "enterprises",
    "participants",
    "enrolments",
    "classroom-sessions",
    "visits",
    "improvement-projects",
    "kpi-measurements",
    "supplier-links",
    "reports/aggregation-runs",
]

QUERY_COUNTS = {}


@pytest.mark.parametrize("persona", ["ilo_admin", "sgs_manager", "inditex_viewer"])
@pytest.mark.parametrize("resource", LISTS)
def test_list_query_count_does_not_grow_with_rows(
    world, resource, persona, django_assert_num_queries
):
    client = client_for(getattr(world.users, persona))
    path = f"/api/v1/{resource}/"
    build(world, resource, 5)
    client.get(path)  # the token and principal are looked up the same way every time
    with CaptureQueriesContext(connection) as five:
        assert client.get(path).status_code == 200
    build(world, resource, 45)
    with django_assert_num_queries(len(five)):
        response = client.get(path)
    assert response.status_code == 200
    QUERY_COUNTS[(resource, persona)] = len(five)
    print(f"list queries: {resource} as {persona}: {len(five)}")


# --- the report endpoints: the same queries for a group of 5 enterprises as for 50 ------

INDICATOR_CODES = ["defect_rate", "productivity", "absenteeism", "waste"]


def grow_granted_group(world, count):
    """``count`` more SGS enterprises granted to Inditex, each reporting every indicator."""
    for number in range(count):
        company = factories.EnterpriseFactory(partner=world.sgs)
        factories.SupplierLinkFactory(brand=world.inditex, enterprise=company)
        for code in INDICATOR_CODES:
            series(company, code, "10", str(5 + number % 5), "8", start=6)
    # The enterprise whose results are read: months 60..55 first, then 54 onwards.
    first = not getattr(world, "grown", False)
    values = ["10", *["9"] * count] if first else ["9"] * count
    series(
        world.sgs_enterprise, "defect_rate", *values, start=60 if first else 54, baseline_flag=first
    )
    world.grown = True
    recompute_all()


def report_paths(world, persona):
    own = {
        "ilo_admin": "scope=programme",
        "sgs_manager": f"scope=partner&key={world.sgs.pk}",
        "inditex_viewer": f"scope=brand&key={world.inditex.pk}",
    }[persona]
    return {
        "kpi-summary": f"/api/v1/reports/kpi-summary/?{own}",
        "reach": f"/api/v1/reports/reach/?{own}",
        "kpi-results": f"/api/v1/enterprises/{world.sgs_enterprise.pk}/kpi-results/",
    }


@pytest.mark.parametrize("persona", ["ilo_admin", "sgs_manager", "inditex_viewer"])
@pytest.mark.parametrize("report", ["kpi-summary", "reach", "kpi-results"])
def test_report_query_count_does_not_grow_with_rows(
    world, report, persona, django_assert_num_queries
):
    client = client_for(getattr(world.users, persona))
    path = report_paths(world, persona)[report]
    grow_granted_group(world, 5)
    client.get(path)
    with CaptureQueriesContext(connection) as five:
        assert client.get(path).status_code == 200
    grow_granted_group(world, 45)
    with django_assert_num_queries(len(five)):
        response = client.get(path)
    assert response.status_code == 200
    body = response.json()
    if "results" in body:
        assert body["results"]
    QUERY_COUNTS[(report, persona)] = len(five)
    print(f"report queries: {report} as {persona}: {len(five)}")
