"""The full rebuild as a worker runs it on PostgreSQL: two connections at once, each branch
in its own transaction, under one session lock."""

from django.db import connection

from modules.models import Enrolment
from reports.aggregation import recompute
from reports.models import AggregationRun, EnterpriseKpiResult, KpiSummary, ReachSummary
from tests import factories
from tests.conftest import need_service
from tests.kpi_helpers import figures_snapshot, series


def test_the_two_connection_rebuild_equals_the_one_transaction_rebuild(
    transactional_db, catalogue, world, settings
):
    need_service(
        "PostgreSQL",
        connection.vendor == "postgresql",
        "the rebuild runs on two connections on PostgreSQL only",
    )
    series(world.sgs_enterprise, "defect_rate", "12.5", "6", "4.5")
    series(world.tuv_enterprise, "productivity", "20", "26")
    factories.EnrolmentFactory(enterprise=world.sgs_enterprise, status=Enrolment.Status.CONSULTING)
    participant = factories.ParticipantFactory(enterprise=world.sgs_enterprise)
    factories.AttendanceFactory(
        session=factories.ClassroomSessionFactory(partner=world.sgs), participant=participant
    )

    assert recompute._may_rebuild_in_parallel()
    parallel = recompute.recompute_all()
    in_parallel = figures_snapshot()

    for model in (EnterpriseKpiResult, KpiSummary, ReachSummary):
        model.objects.all().delete()
    settings.KPI_PARALLEL_REBUILD = False
    assert not recompute._may_rebuild_in_parallel()
    recompute.recompute_all()

    assert figures_snapshot() == in_parallel
    assert in_parallel["summaries"] and in_parallel["reach"]
    parallel.refresh_from_db()
    assert parallel.status == AggregationRun.Status.SUCCEEDED
    assert parallel.rows_written > 0
    with connection.cursor() as cursor:
        # This database's locks only: tests running beside this one hold their own.
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        assert cursor.fetchone()[0] == 0


def test_the_two_halves_of_the_rebuild_share_out_every_enterprise_once(db):
    from reports.aggregation import statements

    def members(part):
        condition, params = part.condition("id")
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM enterprises_enterprise WHERE {condition}", params)
            return {row[0] for row in cursor.fetchall()}

    with connection.cursor() as cursor:
        first, second = statements.enterprise_halves(cursor)
    assert first == statements.IdRange() and not members(second)  # no enterprise yet

    ids = {factories.EnterpriseFactory().pk for _ in range(7)}
    with connection.cursor() as cursor:
        first, second = statements.enterprise_halves(cursor)
    assert members(first) | members(second) == ids
    assert not members(first) & members(second)
    assert (len(members(first)), len(members(second))) == (3, 4)
    assert max(members(first)) < min(members(second))

    ids |= {factories.EnterpriseFactory().pk for _ in range(13)}  # 20 enterprises
    with connection.cursor() as cursor:
        first, second = statements.enterprise_halves(cursor, 46)
    assert (len(members(first)), len(members(second))) == (9, 11)  # 46 % of 20, rounded down
    assert members(first) | members(second) == ids


def test_the_parallel_rebuild_reports_each_of_its_five_steps(transactional_db, catalogue, world):
    need_service(
        "PostgreSQL",
        connection.vendor == "postgresql",
        "the rebuild runs on two connections on PostgreSQL only",
    )
    series(world.sgs_enterprise, "defect_rate", "12.5", "6")
    seen = []
    recompute.recompute_all(progress=lambda step, done, total: seen.append((done, total)))
    assert seen[0] == (0, 5) and seen[-1] == (5, 5)
    assert sorted(done for done, _ in seen) == [0, 1, 2, 3, 4, 5]
