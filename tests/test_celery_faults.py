"""Celery under faults, with real workers (tests/live_worker.py) on a real Redis:

* a worker SIGKILLed in the middle of a full rebuild: the run is redelivered to the next
  worker and the computed tables end identical to an uninterrupted run;
* Redis stopped (a throwaway Redis of this test, on its own port): pages serve, writes
  save, the recompute requests wait in the outbox with their status visible, and run
  when Redis returns;
* the database connections of a running rebuild killed: the task retries with backoff
  and finishes.
"""

import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from reports.models import (
    AggregationRun,
    EnterpriseKpiResult,
    KpiMeasurement,
    KpiSummary,
    PendingEnterpriseRecompute,
    PendingSummaryRecompute,
    ReachSummary,
    ScopeGroup,
    ScopeMember,
)
from reports.selectors import aggregation_status
from reports.services import recompute_request
from tests import factories
from tests.api_support import client_for
from tests.conftest import need_service
from tests.factories import PASSWORD
from tests.kpi_helpers import figures_snapshot, month, series
from tests.live_worker import live_worker, redis_available, sending_to, wait_until

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
FAULT_APP = "tests.fault_worker_app"


def seed_programme(world, enterprises: int = 12):
    """Enterprises of both partners with enrolments and a year of KPIs each."""
    for number in range(enterprises):
        partner = world.sgs if number % 2 else world.tuv
        enterprise = factories.EnterpriseFactory(
            name=f"Fault test {number:02d}", partner=partner, employees_total=200 + number
        )
        factories.EnrolmentFactory(enterprise=enterprise, status="consulting")
        series(enterprise, "defect_rate", 12 + number, 11, 10, 9 - number % 3)
        series(enterprise, "absenteeism", 6, 5.5, 5 + number % 2)
        if number % 3 == 0:
            factories.SupplierLinkFactory(
                brand=world.inditex, enterprise=enterprise, status="granted"
            )


def wipe_computed_tables() -> None:
    for model in (EnterpriseKpiResult, KpiSummary, ReachSummary, ScopeMember, ScopeGroup):
        model.objects.all().delete()
    PendingEnterpriseRecompute.objects.all().delete()
    PendingSummaryRecompute.objects.all().delete()


def computed_tables() -> dict:
    figures = figures_snapshot()
    figures["groups"] = set(ScopeGroup.objects.values_list("scope", "scope_key"))
    figures["members"] = sorted(
        ScopeMember.objects.values_list("group__scope", "group__scope_key", "enterprise_id")
    )
    return figures


def queued_full_run() -> AggregationRun:
    return AggregationRun.objects.create(
        kind=AggregationRun.Kind.FULL, scope="fault test", status=AggregationRun.Status.QUEUED
    )


def show_logs(*workers) -> None:
    for worker in workers:
        print(f"--- {worker.log_path.name}\n{worker.log()[-4000:]}")


# --- SIGKILL in the middle of a full rebuild -------------------------------------------------


def test_a_worker_killed_mid_rebuild_is_redelivered_and_the_tables_match(catalogue, world):
    from reports.aggregation.recompute import recompute_all

    seed_programme(world)
    recompute_all()
    reference = computed_tables()
    assert reference["results"] and reference["summaries"] and reference["reach"]
    wipe_computed_tables()

    marker = ARTIFACTS / f"fault-{uuid.uuid4().hex[:8]}.paused"
    queue = f"test-kill-{uuid.uuid4().hex[:8]}"
    # Redelivery waits for the visibility timeout: short here, one hour in production.
    fast_redelivery = {"CELERY_VISIBILITY_TIMEOUT": "3"}
    run = queued_full_run()
    first = second = None
    try:
        with live_worker(
            {**fast_redelivery, "SCORE_FAULT_MARKER": str(marker)}, queue=queue, app=FAULT_APP
        ) as first:
            first.send("reports.recompute_all", kwargs={"run_id": run.pk})
            assert wait_until(marker.exists, timeout=90), "the rebuild never reached its pause"
            run.refresh_from_db()
            assert run.status == AggregationRun.Status.RUNNING
            first.kill()
        # Killed inside its transaction: nothing of the summaries it had written is kept.
        assert not KpiSummary.objects.exists()

        with live_worker(fast_redelivery, queue=queue) as second:

            def finished():
                run.refresh_from_db()
                return run.status == AggregationRun.Status.SUCCEEDED

            assert wait_until(finished, timeout=120), "the killed run was never redelivered"
    except AssertionError:
        show_logs(*[worker for worker in (first, second) if worker])
        raise
    finally:
        marker.unlink(missing_ok=True)

    run.refresh_from_db()
    assert run.attempts == 2  # the killed attempt and the redelivered one
    assert computed_tables() == reference  # identical, nothing counted twice


# --- Redis stopped --------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ThrowawayRedis:
    """A Redis of this test only, on its own port: stopped and started at will."""

    def __init__(self):
        need_service("redis-server", bool(shutil.which("redis-server")), "install redis-server")
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        subprocess.run(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "yes",
            ],
            check=True,
            capture_output=True,
        )
        assert wait_until(lambda: redis_available(self.url), timeout=10)

    def stop(self) -> None:
        subprocess.run(
            ["redis-cli", "-p", str(self.port), "shutdown", "nosave"], capture_output=True
        )
        assert wait_until(lambda: not redis_available(self.url), timeout=10)


@pytest.fixture
def throwaway_redis():
    redis = ThrowawayRedis()
    redis.start()
    try:
        yield redis
    finally:
        redis.stop() if redis_available(redis.url) else None


def test_with_redis_stopped_pages_serve_writes_save_and_requests_wait_in_the_outbox(
    catalogue, world, settings, throwaway_redis, monkeypatch, tmp_path
):
    # Celery reads CELERY_BROKER_URL from the environment before any configured value.
    monkeypatch.setenv("CELERY_BROKER_URL", throwaway_redis.url)
    enterprise = world.sgs_enterprise
    series(enterprise, "defect_rate", 12, 11)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": throwaway_redis.url,
        }
    }
    queue = f"test-outage-{uuid.uuid4().hex[:8]}"
    worker_env = {"KPI_PENDING_GRACE_SECONDS": "0", "REDIS_URL": throwaway_redis.url}
    with (
        live_worker(worker_env, broker_url=throwaway_redis.url, queue=queue) as worker,
        sending_to(throwaway_redis.url, queue, settings),
    ):
        try:
            assert worker.send("score_platform.ping").get(timeout=60) == "pong"
            throwaway_redis.stop()

            # Pages serve, logins work (the login lock falls back to a local lock).
            browser = Client()
            response = browser.post(
                "/accounts/login/", {"username": "sgs.staff", "password": PASSWORD}
            )
            assert response.status_code == 302
            for path in ("/", "/enterprises/", f"/enterprises/{enterprise.pk}/", "/imports/"):
                assert browser.get(path).status_code == 200, path
            # A spreadsheet import is checked (its progress bar waits for the cache).
            from portal.models import ImportJob
            from tests.portal.conftest import csv_bytes, upload_file

            settings.MEDIA_ROOT = tmp_path / "media"
            rows = [
                ["enterprise_id", "indicator", "period", "value"],
                [enterprise.pk, "absenteeism", month(2).strftime("%Y-%m"), "4"],
            ]
            upload = browser.post(
                "/imports/new/",
                {"kind": "kpi_measurements", "file": upload_file("k.csv", csv_bytes(rows))},
            )
            assert upload.status_code == 302
            job = ImportJob.objects.latest("pk")
            assert job.status == "ready", job.preview
            assert browser.get(f"/imports/{job.pk}/progress/").status_code == 200

            # Writes save; their recompute request waits in the outbox.
            started = time.monotonic()
            created = client_for(world.users.sgs_staff).post(
                "/api/v1/kpi-measurements/",
                {
                    "enterprise": enterprise.pk,
                    "indicator": "defect_rate",
                    "period": month(1).strftime("%Y-%m"),
                    "value": "6",
                },
                format="json",
            )
            assert created.status_code == 201, created.content
            assert time.monotonic() - started < 10  # no long wait on the dead broker
            assert KpiMeasurement.objects.filter(pk=created.json()["id"]).exists()
            assert PendingEnterpriseRecompute.objects.filter(enterprise_id=enterprise.pk).exists()

            # A full rebuild asked for now stays queued, and says why.
            ilo = Client()
            ilo.force_login(world.users.ilo_admin)
            from django.db import transaction

            with transaction.atomic():
                run = recompute_request(actor=world.users.ilo_admin)
            run.refresh_from_db()
            assert run.status == AggregationRun.Status.QUEUED
            assert "unreachable" in run.error
            status = aggregation_status(world.users.ilo_admin)
            assert status.enterprises_waiting >= 1
            assert status.last_run == run
            home = ilo.get("/").content.decode()
            assert "unreachable" in home  # the ILO home page shows the aggregation status

            # Redis returns: the safety net (beat, every 5 minutes) runs what waited.
            throwaway_redis.start()

            def answers() -> bool:
                try:
                    return worker.send("score_platform.ping").get(timeout=3) == "pong"
                except Exception:  # still reconnecting
                    return False

            assert wait_until(answers, timeout=120, interval=1), "the worker never reconnected"
            worker.send("reports.recompute_pending")

            def drained():
                run.refresh_from_db()
                return (
                    run.status == AggregationRun.Status.SUCCEEDED
                    and not PendingEnterpriseRecompute.objects.exists()
                )

            assert wait_until(drained, timeout=120), "the outbox was never drained"
        except Exception:
            show_logs(worker)
            raise
    latest = EnterpriseKpiResult.objects.get(enterprise=enterprise, indicator__code="defect_rate")
    assert latest.latest_value == 6
    assert aggregation_status(world.users.ilo_admin).enterprises_waiting == 0


# --- the database connection killed during a run ------------------------------------------


def _terminate_other_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_a_rebuild_whose_database_connection_dies_retries_with_backoff_and_finishes(
    catalogue, world
):
    need_service(
        "PostgreSQL",
        connection.vendor == "postgresql",
        "set DATABASE_URL to a PostgreSQL database (connections are killed server-side)",
    )
    from reports.aggregation.recompute import recompute_all

    seed_programme(world, enterprises=8)
    recompute_all()
    reference = computed_tables()
    wipe_computed_tables()

    marker = ARTIFACTS / f"fault-{uuid.uuid4().hex[:8]}.paused"
    run = queued_full_run()
    worker_env = {"SCORE_FAULT_MARKER": str(marker), "SCORE_FAULT_PAUSE_SECONDS": "3"}
    with live_worker(worker_env, app=FAULT_APP) as worker:
        try:
            worker.send("reports.recompute_all", kwargs={"run_id": run.pk})
            assert wait_until(marker.exists, timeout=90), "the rebuild never reached its pause"
            assert _terminate_other_connections() >= 1

            def finished():
                run.refresh_from_db()
                return run.status == AggregationRun.Status.SUCCEEDED

            assert wait_until(finished, timeout=120), "the task never finished after the kill"
            log = worker.log()
            assert "Retry in" in log, "the task did not retry"
        except AssertionError:
            show_logs(worker)
            raise
        finally:
            marker.unlink(missing_ok=True)
    assert run.attempts >= 2
    assert computed_tables() == reference
