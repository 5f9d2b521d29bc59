"""The incremental path: writes mark enterprises stale, tasks recompute them and their groups;
bursts coalesce; a full rebuild afterwards finds nothing to change."""

from datetime import date
from unittest import mock

import pytest
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError

from enterprises.services import enterprise_delete, enterprise_update
from modules.services import attendance_record, enrolment_create, enrolment_withdraw
from partners.models import SupplierLink
from partners.services import supplier_link_grant, supplier_link_revoke
from reports import tasks
from reports.aggregation import recompute
from reports.models import (
    AggregationRun,
    KpiMeasurement,
    PendingEnterpriseRecompute,
    PendingSummaryRecompute,
    Scope,
    ScopeMember,
)
from reports.selectors import aggregation_status
from reports.services import measurement_delete, measurement_record, measurement_update
from tests import factories
from tests.kpi_helpers import figures_snapshot, month, result, summary, table_snapshot


def record(world, enterprise, value, *, offset, baseline=False, code="defect_rate"):
    return measurement_record(
        actor=world.users.sgs_staff if enterprise.partner == world.sgs else world.users.tuv_manager,
        enterprise=enterprise,
        indicator=factories.indicator(code),
        period=month(offset),
        value=value,
        is_baseline=baseline,
    )


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what a service schedules for after commit, as a real commit would."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


@pytest.fixture
def wco_enrolled(world):
    """SGS's enterprise in Workplace Cooperation (so it counts in the WCO group)."""
    return factories.EnrolmentFactory(enterprise=world.sgs_enterprise, status="consulting")


def test_recording_a_kpi_updates_the_result_and_summaries_after_commit(world, committed):
    enterprise = world.sgs_enterprise
    committed(record, world, enterprise, "12.5", offset=6, baseline=True)
    assert result(enterprise, "defect_rate").improvement_pct is None

    committed(record, world, enterprise, "4.5", offset=2)

    assert result(enterprise, "defect_rate").improvement_pct == 64.0
    for scope, key in [
        (Scope.PROGRAMME, ""),
        (Scope.COUNTRY, "CN"),
        (Scope.PARTNER, str(world.sgs.pk)),
        (Scope.BRAND, str(world.inditex.pk)),
        (Scope.SECTOR, "garments"),
    ]:
        assert summary(scope, key, "defect_rate").median_improvement_pct == 64.0, scope
    assert not PendingEnterpriseRecompute.objects.exists()
    assert not PendingSummaryRecompute.objects.exists()


def test_nothing_is_recomputed_before_the_change_commits(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        record(world, world.sgs_enterprise, "10", offset=3, baseline=True)
        record(world, world.sgs_enterprise, "8", offset=2)

    assert result(world.sgs_enterprise, "defect_rate") is None
    assert PendingEnterpriseRecompute.objects.filter(
        enterprise_id=world.sgs_enterprise.pk, kpis=True, reach=False
    ).exists()
    assert len(callbacks) == 1


def test_updating_and_deleting_kpis_follow_through(world, committed):
    enterprise = world.sgs_enterprise
    committed(record, world, enterprise, "10", offset=5, baseline=True)
    later = committed(record, world, enterprise, "8", offset=4)
    latest = committed(record, world, enterprise, "5", offset=3)
    assert result(enterprise, "defect_rate").improvement_pct == pytest.approx(50.0)

    committed(measurement_update, actor=world.users.sgs_staff, measurement=latest, value="9")
    assert result(enterprise, "defect_rate").improvement_pct == pytest.approx(10.0)

    committed(measurement_delete, actor=world.users.sgs_staff, measurement=latest)
    assert result(enterprise, "defect_rate").improvement_pct == pytest.approx(20.0)
    assert summary(Scope.PROGRAMME, "", "defect_rate").median_improvement_pct == 20.0

    committed(measurement_delete, actor=world.users.sgs_staff, measurement=later)
    assert result(enterprise, "defect_rate").improvement_pct is None
    assert summary(Scope.PROGRAMME, "", "defect_rate") is None


def test_moving_an_enterprise_to_another_country_refreshes_both_countries(world, committed):
    enterprise = world.sgs_enterprise
    committed(record, world, enterprise, "10", offset=5, baseline=True)
    committed(record, world, enterprise, "8", offset=4)
    assert summary(Scope.COUNTRY, "CN", "defect_rate") is not None

    committed(enterprise_update, actor=world.users.sgs_manager, enterprise=enterprise, country="IN")

    assert summary(Scope.COUNTRY, "CN", "defect_rate") is None
    assert summary(Scope.COUNTRY, "IN", "defect_rate").enterprises_reporting == 1


def test_deleting_an_enterprise_removes_it_from_every_group(world, committed):
    enterprise = world.sgs_enterprise
    committed(record, world, enterprise, "10", offset=5, baseline=True)
    committed(record, world, enterprise, "8", offset=4)
    enterprise_id = enterprise.pk

    committed(enterprise_delete, actor=world.users.sgs_manager, enterprise=enterprise)

    assert summary(Scope.PROGRAMME, "", "defect_rate") is None
    assert summary(Scope.BRAND, str(world.inditex.pk), "defect_rate") is None
    assert not ScopeMember.objects.filter(enterprise_id=enterprise_id).exists()


def test_revoking_and_granting_a_supplier_link_moves_the_brand_group(world, committed):
    enterprise = world.sgs_enterprise
    committed(record, world, enterprise, "10", offset=5, baseline=True)
    committed(record, world, enterprise, "8", offset=4)
    link = SupplierLink.objects.get(brand=world.inditex, enterprise=enterprise)

    committed(supplier_link_revoke, actor=world.users.sgs_manager, link=link)
    assert summary(Scope.BRAND, str(world.inditex.pk), "defect_rate") is None

    committed(supplier_link_grant, actor=world.users.sgs_manager, link=link)
    assert summary(Scope.BRAND, str(world.inditex.pk), "defect_rate").enterprises_reporting == 1


def test_enrolling_and_withdrawing_moves_the_module_group_and_its_reach(world, committed):
    enterprise = world.sgs_enterprise
    committed(record, world, enterprise, "10", offset=5, baseline=True)
    committed(record, world, enterprise, "8", offset=4)

    enrolment = committed(
        enrolment_create,
        actor=world.users.sgs_staff,
        enterprise=enterprise,
        module=factories.module("WCO"),
        started_on=date(2024, 1, 15),
    )
    assert summary(Scope.MODULE, "WCO", "defect_rate").enterprises_reporting == 1
    assert recompute_reach(Scope.MODULE, "WCO").enterprises_enrolled == 1

    committed(enrolment_withdraw, actor=world.users.sgs_staff, enrolment=enrolment)
    assert summary(Scope.MODULE, "WCO", "defect_rate") is None
    assert recompute_reach(Scope.MODULE, "WCO") is None
    assert recompute_reach(Scope.PROGRAMME, "").enterprises_enrolled == 0


def recompute_reach(scope, key):
    from tests.kpi_helpers import reach_of

    return reach_of(scope, key)


def test_attendance_updates_the_reach_but_not_the_kpi_results(world, committed, wco_enrolled):
    participant = factories.ParticipantFactory(enterprise=world.sgs_enterprise, gender="female")
    session = factories.ClassroomSessionFactory(partner=world.sgs)
    session.trainers.set([world.sgs_trainer])

    with mock.patch.object(
        recompute.statements, "build_results", wraps=recompute.statements.build_results
    ) as build_results:
        committed(
            attendance_record,
            actor=world.users.sgs_staff,
            session=session,
            participant=participant,
            days_attended=2,
        )

    build_results.assert_not_called()
    programme = recompute_reach(Scope.PROGRAMME, "")
    assert (programme.enterprises_trained, programme.participants_female) == (1, 1)
    assert programme.classroom_sessions == 1


def test_incremental_path_ends_where_a_full_rebuild_would(world, committed, wco_enrolled):
    sgs, tuv = world.sgs_enterprise, world.tuv_enterprise
    committed(record, world, sgs, "12.5", offset=8, baseline=True)
    committed(record, world, sgs, "6", offset=6)
    changed = committed(record, world, sgs, "5", offset=4)
    committed(record, world, tuv, "3", offset=8, baseline=True, code="accidents")
    committed(record, world, tuv, "2", offset=3, code="accidents")
    committed(record, world, tuv, "20", offset=8, baseline=True, code="productivity")
    committed(record, world, tuv, "26", offset=2, code="productivity")
    committed(measurement_update, actor=world.users.sgs_staff, measurement=changed, value="4")
    committed(enterprise_update, actor=world.users.tuv_manager, enterprise=tuv, sector="footwear")
    link = SupplierLink.objects.get(brand=world.inditex, enterprise=sgs)
    committed(supplier_link_revoke, actor=world.users.sgs_manager, link=link)
    incremental = figures_snapshot()
    assert incremental["summaries"]

    run = recompute.recompute_all()

    assert run.rows_written == 0
    assert figures_snapshot() == incremental


def test_recomputing_everything_twice_leaves_the_tables_identical(world, wco_enrolled):
    factories.KpiMeasurementFactory(
        enterprise=world.sgs_enterprise, period=month(5), value=10, is_baseline=True
    )
    factories.KpiMeasurementFactory(enterprise=world.sgs_enterprise, period=month(1), value=7)
    first = recompute.recompute_all(history=True)
    before = table_snapshot()

    second = recompute.recompute_all(history=True)

    assert first.rows_written > 0
    assert second.rows_written == 0
    assert table_snapshot() == before


def test_a_thousand_changes_in_one_transaction_enqueue_one_recompute(
    world, committed, django_capture_on_commit_callbacks
):
    measurement = committed(record, world, world.sgs_enterprise, "50", offset=3, baseline=True)
    with (
        mock.patch.object(recompute, "enqueue") as enqueue,
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        for step in range(1000):
            measurement_update(
                actor=world.users.sgs_staff, measurement=measurement, value=str(step % 90)
            )
    calls = [call for call in enqueue.call_args_list if call.args[0] is tasks.recompute_enterprise]
    assert len(calls) == 1
    assert calls[0].kwargs["args"] == [world.sgs_enterprise.pk]


def test_a_burst_of_commits_enqueues_nothing_more_while_a_recompute_waits(world, committed):
    measurement = committed(record, world, world.sgs_enterprise, "50", offset=3, baseline=True)
    with mock.patch.object(recompute, "enqueue") as enqueue:
        for step in range(1000):
            committed(
                measurement_update,
                actor=world.users.sgs_staff,
                measurement=measurement,
                value=str(step % 90),
            )
        assert enqueue.call_count == 1

        tasks.recompute_enterprise.apply(args=[world.sgs_enterprise.pk])
        committed(measurement_update, actor=world.users.sgs_staff, measurement=measurement, value=1)

    enterprise_calls = [
        call for call in enqueue.call_args_list if call.args[0] is tasks.recompute_enterprise
    ]
    assert len(enterprise_calls) == 2


def test_a_burst_in_one_transaction_leads_to_one_run_of_each_stage(
    world, committed, django_capture_on_commit_callbacks
):
    measurement = committed(record, world, world.sgs_enterprise, "50", offset=3, baseline=True)
    runs_before = AggregationRun.objects.count()

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for step in range(1000):
            measurement_update(
                actor=world.users.sgs_staff, measurement=measurement, value=str(step % 90)
            )

    kinds = list(AggregationRun.objects.order_by("pk")[runs_before:].values_list("kind", flat=True))
    assert kinds == [AggregationRun.Kind.ENTERPRISE, AggregationRun.Kind.SUMMARIES]
    assert result(world.sgs_enterprise, "defect_rate").baseline_value == 9


def test_with_the_broker_down_the_write_saves_and_the_request_waits(world, committed):
    unreachable = BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    with mock.patch.object(tasks.recompute_enterprise, "apply_async", side_effect=unreachable):
        committed(record, world, world.sgs_enterprise, "10", offset=4, baseline=True)
        committed(record, world, world.sgs_enterprise, "6", offset=2)

    assert KpiMeasurement.objects.filter(enterprise=world.sgs_enterprise).count() == 2
    assert result(world.sgs_enterprise, "defect_rate") is None
    status = aggregation_status(world.users.ilo_officer)
    assert status.enterprises_waiting == 1
    assert status.oldest_request_at is not None

    with mock.patch.object(recompute, "schedule_summaries"):
        assert recompute.recompute_pending(grace=recompute.timedelta(0)) == 1

    assert result(world.sgs_enterprise, "defect_rate").improvement_pct == pytest.approx(40.0)
    assert summary(Scope.PROGRAMME, "", "defect_rate").median_improvement_pct == 40.0
    assert aggregation_status(world.users.ilo_officer).enterprises_waiting == 0


def test_the_drain_leaves_fresh_requests_to_their_tasks(world, committed):
    with mock.patch.object(recompute, "enqueue"):
        committed(record, world, world.sgs_enterprise, "10", offset=4, baseline=True)

    assert recompute.recompute_pending() == 0
    assert PendingEnterpriseRecompute.objects.count() == 1


def test_recomputing_an_unchanged_enterprise_marks_no_group(world):
    factories.KpiMeasurementFactory(
        enterprise=world.sgs_enterprise, period=month(5), value=10, is_baseline=True
    )
    recompute.recompute_enterprises([world.sgs_enterprise.pk])
    PendingSummaryRecompute.objects.all().delete()

    run = recompute.recompute_enterprises([world.sgs_enterprise.pk])

    assert run.rows_written == 0
    assert not PendingSummaryRecompute.objects.exists()


def test_every_run_is_recorded_with_its_figures(world):
    factories.KpiMeasurementFactory(
        enterprise=world.sgs_enterprise, period=month(5), value=10, is_baseline=True
    )
    factories.KpiMeasurementFactory(enterprise=world.sgs_enterprise, period=month(1), value=7)

    run = recompute.recompute_all()

    run.refresh_from_db()
    assert run.kind == AggregationRun.Kind.FULL
    assert run.status == AggregationRun.Status.SUCCEEDED
    assert run.rows_read >= 2
    assert run.rows_written > 0
    assert run.started_at <= run.finished_at
    assert run.duration_seconds >= 0
    assert run.attempts == 1


def test_a_failed_run_keeps_the_error_and_changes_nothing(world):
    factories.KpiMeasurementFactory(
        enterprise=world.sgs_enterprise, period=month(5), value=10, is_baseline=True
    )
    with (
        mock.patch.object(
            recompute.statements, "build_reach", side_effect=RuntimeError("disk full")
        ),
        pytest.raises(RuntimeError),
    ):
        recompute.recompute_all()

    run = AggregationRun.objects.get()
    assert run.status == AggregationRun.Status.FAILED
    assert "disk full" in run.error
    assert result(world.sgs_enterprise, "defect_rate") is None


def test_a_redelivered_task_continues_its_own_run(world):
    recompute.recompute_all(task_id="task-1")
    recompute.recompute_all(task_id="task-1")

    run = AggregationRun.objects.get()
    assert run.attempts == 2
    assert run.status == AggregationRun.Status.SUCCEEDED


def test_a_kpi_change_recomputes_only_its_indicators_summaries(world, committed):
    enterprise = world.sgs_enterprise
    committed(record, world, enterprise, "10", offset=6, baseline=True)
    latest = committed(record, world, enterprise, "8", offset=5)
    committed(record, world, enterprise, "20", offset=6, baseline=True, code="productivity")
    committed(record, world, enterprise, "25", offset=5, code="productivity")
    untouched = summary(Scope.PROGRAMME, "", "productivity").computed_at

    with mock.patch.object(recompute, "schedule_summaries"):
        committed(measurement_update, actor=world.users.sgs_staff, measurement=latest, value="6")
    pending = set(PendingSummaryRecompute.objects.values_list("indicator_id", "kpis", "reach"))
    assert pending == {(factories.indicator("defect_rate").pk, True, False)}

    recompute.recompute_summaries()

    assert summary(Scope.PROGRAMME, "", "defect_rate").median_improvement_pct == 40.0
    assert summary(Scope.PROGRAMME, "", "productivity").computed_at == untouched
    assert not PendingSummaryRecompute.objects.exists()


def test_a_membership_change_recomputes_every_indicator_and_the_reach(world, committed):
    enterprise = world.sgs_enterprise
    committed(record, world, enterprise, "10", offset=6, baseline=True)
    committed(record, world, enterprise, "8", offset=5)
    link = SupplierLink.objects.get(brand=world.inditex, enterprise=enterprise)

    with mock.patch.object(recompute, "schedule_summaries"):
        committed(supplier_link_revoke, actor=world.users.sgs_manager, link=link)

    every = PendingSummaryRecompute.EVERY_INDICATOR
    assert set(PendingSummaryRecompute.objects.values_list("indicator_id", "kpis", "reach")) == {
        (every, True, True)
    }
