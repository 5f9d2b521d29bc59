"""Every list endpoint runs the same number of queries for 5 objects as for 50."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.api_support import client_for


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
