"""The pages never query in a loop: the same number of queries with 5 rows and with 50."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.models import ImportJob
from tests import factories
from tests.factories import indicator

pytestmark = pytest.mark.django_db

# A ceiling per page (the first number of queries measured, with some room); the test
# mostly pins that 50 rows cost exactly what 5 cost.
BUDGET = 30


def add_portfolio(world, count: int, start: int, session):
    """``count`` SGS enterprises, each enrolled, trained, visited, with a project and KPIs."""
    long_ago = timezone.localdate() - timedelta(days=200)
    for number in range(start, start + count):
        enterprise = factories.EnterpriseFactory(name=f"Enterprise {number:03d}", partner=world.sgs)
        enrolment = factories.EnrolmentFactory(
            enterprise=enterprise,
            status="consulting",
            started_on=long_ago,
            lead_trainer=world.sgs_trainer,
        )
        participant = factories.ParticipantFactory(enterprise=enterprise, is_eit_member=True)
        factories.AttendanceFactory(session=session, participant=participant)
        factories.VisitFactory(enrolment=enrolment, trainer=world.sgs_trainer)
        factories.ImprovementProjectFactory(enrolment=enrolment, due_on=date(2024, 1, 1))
        factories.KpiMeasurementFactory(
            enterprise=enterprise, period=date(2024, 1, 1), is_baseline=True
        )
        factories.KpiMeasurementFactory(enterprise=enterprise, period=date(2024, 2, 1))
        ImportJob.objects.create(
            kind="kpi_measurements",
            status="done",
            original_name=f"{number}.csv",
            file="x.csv",
            file_format="csv",
            file_size=1,
            sha256="0",
            organisation=world.sgs,
            created_by=world.users.sgs_staff,
        )


def enrich_one_enterprise(world, enterprise, count: int, start: int):
    """``count`` more participants, visits, projects and months of KPIs for one enterprise."""
    enrolment = enterprise.enrolments.first()
    for number in range(start, start + count):
        factories.ParticipantFactory(enterprise=enterprise, is_eit_member=number % 2 == 0)
        factories.VisitFactory(enrolment=enrolment, trainer=world.sgs_trainer)
        factories.ImprovementProjectFactory(
            enrolment=enrolment, status=["open", "done"][number % 2]
        )
        factories.KpiMeasurementFactory(
            enterprise=enterprise,
            indicator=indicator(["waste", "productivity"][number % 2]),
            period=date(2015 + number // 24, 1 + (number // 2) % 12, 1),
        )


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


LIST_PAGES = [
    "portal:home",
    "enterprises:enterprise-list",
    "modules:enrolment-list",
    "modules:classroom-session-list",
    "modules:improvement-project-board",
    "portal:import-list",
]


@pytest.mark.parametrize("user", ["sgs_staff", "ilo_officer"])
def test_list_pages_cost_the_same_with_5_and_50_rows(
    client, world, settings, user, django_assert_max_num_queries
):
    settings.PORTAL_PAGE_SIZE = 100  # every row on the page, so a loop would show
    session = factories.ClassroomSessionFactory(partner=world.sgs)
    add_portfolio(world, 5, 0, session)
    client.force_login(getattr(world.users, user))
    with_five = {name: queries(client, reverse(name)) for name in LIST_PAGES}
    add_portfolio(world, 45, 5, session)
    client.force_login(getattr(world.users, user))
    for name in LIST_PAGES:
        with django_assert_max_num_queries(BUDGET):
            with_fifty = queries(client, reverse(name))
        assert with_fifty == with_five[name], name


def test_detail_pages_cost_the_same_with_5_and_50_rows(
    client, world, django_assert_max_num_queries
):
    session = factories.ClassroomSessionFactory(partner=world.sgs)
    add_portfolio(world, 1, 0, session)
    enterprise = world.sgs.enterprises.get(name="Enterprise 000")
    enrolment = enterprise.enrolments.get()
    enrich_one_enterprise(world, enterprise, 5, 0)
    pages = [
        reverse("enterprises:enterprise-detail", args=[enterprise.pk]),
        reverse("modules:enrolment-detail", args=[enrolment.pk]),
        reverse("modules:classroom-session-detail", args=[session.pk]),
        reverse("reports:kpi-entry", args=[enterprise.pk, "2024-02"]),
        reverse("reports:kpi-history", args=[enterprise.pk, "waste"]),
    ]
    client.force_login(world.users.sgs_staff)
    with_five = [queries(client, url) for url in pages]
    enrich_one_enterprise(world, enterprise, 45, 5)
    for person in enterprise.participants.filter(attendance__isnull=True):
        factories.AttendanceFactory(session=session, participant=person)
    client.force_login(world.users.sgs_staff)
    for url, before in zip(pages, with_five, strict=True):
        with django_assert_max_num_queries(BUDGET):
            after = queries(client, url)
        assert after == before, url


def test_exports_stream_in_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    session = factories.ClassroomSessionFactory(partner=world.sgs)
    add_portfolio(world, 50, 0, session)
    client.force_login(world.users.sgs_staff)
    for name in ("enterprises:enterprise-list", "modules:enrolment-list"):
        with django_assert_max_num_queries(12):
            response = client.get(reverse(name) + "?export=csv")
            lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
        assert len(lines) == 51 + (1 if name == "enterprises:enterprise-list" else 0)
