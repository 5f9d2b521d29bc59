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
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")
        assert cursor.fetchone()[0] == 0
