"""The whole incremental path with a real worker on Redis: a KPI change committed by the web
process reaches the enterprise's result and its groups' summaries."""

import time

import pytest

from reports.models import AggregationRun, Scope
from reports.services import measurement_record, measurement_update
from tests import factories
from tests.kpi_helpers import month, result, summary
from tests.live_worker import live_worker, sending_to, wait_until

pytestmark = pytest.mark.services


def test_a_kpi_change_reaches_result_and_summaries_through_a_live_worker(
    transactional_db, catalogue, world, settings
):
    staff = world.users.sgs_staff
    enterprise = world.sgs_enterprise
    defects = factories.indicator("defect_rate")
    # Set up eagerly (no broker yet): a baseline and a first later value.
    measurement_record(
        actor=staff,
        enterprise=enterprise,
        indicator=defects,
        period=month(6),
        value="12.5",
        is_baseline=True,
    )
    later = measurement_record(
        actor=staff, enterprise=enterprise, indicator=defects, period=month(2), value="10"
    )
    assert result(enterprise, "defect_rate").improvement_pct == pytest.approx(20.0)
    runs_before = AggregationRun.objects.count()

    with live_worker() as worker, sending_to(worker.broker_url, worker.queue, settings):
        changed_at = time.monotonic()
        measurement_update(actor=staff, measurement=later, value="4.5")

        def fresh():
            computed = result(enterprise, "defect_rate")
            programme = summary(Scope.PROGRAMME, "", "defect_rate")
            brand = summary(Scope.BRAND, str(world.inditex.pk), "defect_rate")
            return (
                computed is not None
                and computed.improvement_pct == 64.0
                and programme is not None
                and programme.median_improvement_pct == 64.0
                and brand is not None
                and brand.median_improvement_pct == 64.0
            )

        try:
            assert wait_until(fresh, timeout=60), "the change never reached the summaries"
        except AssertionError:
            print(worker.log())
            raise
        elapsed = time.monotonic() - changed_at

    print(f"KPI change to fresh result and summaries: {elapsed:.2f} s")
    assert elapsed < 30
    runs = AggregationRun.objects.order_by("pk")[runs_before:]
    assert {run.kind for run in runs} >= {
        AggregationRun.Kind.ENTERPRISE,
        AggregationRun.Kind.SUMMARIES,
    }
    assert all(run.status == AggregationRun.Status.SUCCEEDED for run in runs)
    assert all(run.task_id for run in runs)
