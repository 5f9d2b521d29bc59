"""Aggregation benchmark at profile L (performance.md), run by ``make bench``.

In one run, on one PostgreSQL database:

* the floor: one raw statement computing programme-wide per-indicator medians from the
  measurements (one scan and one sort of ~10 M rows);
* the full recompute (``recompute_all``) from empty computed tables and again on full
  ones (the nightly case, where most rows are unchanged), alternating with the floor so
  both see the same machine;
* freshness: with a live Celery worker on Redis, the time from one committed KPI change
  to its fresh result and fresh summaries, over many changes (p50, p95).

Usage::

    python bench/aggregation/run.py [--rebuild] [--keep] [--repeat 3] [--changes 20]

The database is ``BENCH_DATABASE_URL`` (default ``score_aggregation_l`` on the local
PostgreSQL); profile L is built when the database is missing or with ``--rebuild``, by
``seed_demo --enterprises 100000 --months 12`` when that command exists, otherwise by
``profile_l.sql``. The database is dropped at the end unless ``--keep``. Results are
printed as a Markdown table and saved under ``bench/results/``.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.common import describe, machine, percentile  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/score_aggregation_l"
FLOOR_SQL = (
    "SELECT indicator_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY value) "
    "FROM reports_kpimeasurement GROUP BY indicator_id"
)
ENTERPRISES = 100_000
MONTHS = 12


def psql(url: str, *args: str, database: str | None = None) -> str:
    parts = urlparse(url)
    command = [
        "psql",
        "-X",
        "-q",
        "-h",
        parts.hostname or "127.0.0.1",
        "-p",
        str(parts.port or 5432),
        "-U",
        parts.username or "postgres",
        "-d",
        database or parts.path.lstrip("/"),
        *args,
    ]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def database_exists(url: str) -> bool:
    name = urlparse(url).path.lstrip("/")
    found = psql(
        url, "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'", database="postgres"
    )
    return found.strip() == "1"


def build_profile(url: str) -> float:
    name = urlparse(url).path.lstrip("/")
    started = time.perf_counter()
    psql(url, "-c", f'DROP DATABASE IF EXISTS "{name}"', database="postgres")
    psql(url, "-c", f'CREATE DATABASE "{name}"', database="postgres")
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--verbosity", "0"], check=True, env=os.environ)
    from django.core.management import get_commands

    if "seed_demo" in get_commands():
        subprocess.run(
            [*manage, "seed_demo", "--enterprises", str(ENTERPRISES), "--months", str(MONTHS)],
            check=True,
            env=os.environ,
        )
    else:
        psql(
            url,
            "-v",
            f"enterprises={ENTERPRISES}",
            "-v",
            f"months={MONTHS}",
            "-f",
            str(ROOT / "bench" / "aggregation" / "profile_l.sql"),
        )
    return time.perf_counter() - started


def profile_counts() -> dict[str, int]:
    from django.db import connection

    counts = {}
    with connection.cursor() as cursor:
        for label, table in [
            ("enterprises", "enterprises_enterprise"),
            ("measurements", "reports_kpimeasurement"),
            ("participants", "enterprises_participant"),
            ("enrolments", "modules_enrolment"),
            ("attendance", "modules_attendance"),
            ("supplier links", "partners_supplierlink"),
        ]:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            counts[label] = cursor.fetchone()[0]
    return counts


def time_floor() -> float:
    """The floor under the same session settings as the recompute's transaction."""
    from django.db import connection, transaction

    from reports.aggregation.recompute import _tune

    with transaction.atomic(), connection.cursor() as cursor:
        _tune(cursor)
        started = time.perf_counter()
        cursor.execute(FLOOR_SQL)
        cursor.fetchall()
        return time.perf_counter() - started


def empty_computed_tables() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE reports_enterprisekpiresult, reports_kpisummary, reports_reachsummary, "
            "reports_scopemember, reports_scopegroup CASCADE"
        )
        cursor.execute("VACUUM ANALYZE reports_enterprisekpiresult")


def time_full() -> tuple[float, int]:
    from reports.aggregation.recompute import recompute_all

    started = time.perf_counter()
    run = recompute_all()
    return time.perf_counter() - started, run.rows_written


def measure_freshness(changes: int) -> list[float]:
    """Seconds from a committed KPI change to the end of the summaries run covering it."""
    import random

    from django.contrib.auth import get_user_model

    from reports.models import AggregationRun, KpiMeasurement
    from reports.services import measurement_update
    from score_platform.celery import app

    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/4")
    queue = f"bench-{os.getpid()}"
    env = {
        **os.environ,
        "CELERY_BROKER_URL": redis_url,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "DEBUG": "1",
    }
    log = (ROOT / "bench" / "results" / "worker.log").open("wb")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "score_platform", "worker", "--pool=solo",
         "-Q", queue, "--without-gossip", "--without-mingle", "--loglevel=INFO"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    app.conf.task_always_eager = False
    app.conf.broker_url = redis_url
    from django.conf import settings

    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    actor, _ = get_user_model().objects.get_or_create(
        username="bench.admin", defaults={"is_superuser": True, "is_staff": True}
    )
    rng = random.Random(7)
    ids = list(
        KpiMeasurement.objects.filter(is_baseline=False)
        .order_by("-period", "pk")
        .values_list("pk", flat=True)[:5000]
    )
    durations = []
    try:
        time.sleep(5)  # let the worker connect before the first change
        for _ in range(changes + 1):
            measurement = KpiMeasurement.objects.select_related("indicator", "enterprise").get(
                pk=rng.choice(ids)
            )
            changed_at = datetime.now(tz=UTC)
            clock = time.perf_counter()
            measurement_update(
                actor=actor,
                measurement=measurement,
                value=str(round(float(measurement.value) * rng.uniform(0.5, 0.99), 4)),
            )
            while time.perf_counter() - clock < 60:
                enterprise_run = (
                    AggregationRun.objects.filter(
                        kind=AggregationRun.Kind.ENTERPRISE, started_at__gte=changed_at,
                        status=AggregationRun.Status.SUCCEEDED,
                    ).order_by("finished_at").first()
                )  # fmt: skip
                if enterprise_run is not None:
                    summaries_run = (
                        AggregationRun.objects.filter(
                            kind=AggregationRun.Kind.SUMMARIES,
                            started_at__gte=enterprise_run.finished_at,
                            status=AggregationRun.Status.SUCCEEDED,
                        ).order_by("finished_at").first()
                    )  # fmt: skip
                    if summaries_run is not None:
                        durations.append((summaries_run.finished_at - changed_at).total_seconds())
                        break
                time.sleep(0.05)
            else:
                raise RuntimeError("a change did not reach the summaries within 60 s")
            time.sleep(0.5)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        log.close()
    return durations[1:]  # the first change warms the worker's connection and caches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="Build profile L again.")
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    parser.add_argument("--repeat", type=int, default=3, help="Rounds of floor and recompute.")
    parser.add_argument("--changes", type=int, default=20, help="KPI changes for freshness.")
    arguments = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "score_platform.settings")
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    import django

    django.setup()

    built = None
    if arguments.rebuild or not database_exists(url):
        print("building profile L ...", flush=True)
        built = build_profile(url)
        print(f"built in {built:.0f} s", flush=True)
    try:
        counts = profile_counts()
        print(json.dumps(counts), flush=True)
        floors, colds, warms = [], [], []
        for round_number in range(arguments.repeat):
            empty_computed_tables()
            floors.append(time_floor())
            cold, _ = time_full()
            colds.append(cold)
            floors.append(time_floor())
            warm, written = time_full()
            warms.append(warm)
            print(
                f"round {round_number + 1}: floor {floors[-2]:.2f}/{floors[-1]:.2f} s, "
                f"recompute from empty {cold:.2f} s, on full tables {warm:.2f} s "
                f"({written} rows written)",
                flush=True,
            )
        freshness = measure_freshness(arguments.changes) if arguments.changes else []
        floor = statistics.median(floors)
        cold = statistics.median(colds)
        warm = statistics.median(warms)
        report = {
            "date": datetime.now(tz=UTC).isoformat(timespec="seconds"),
            "machine": describe(machine()),
            "postgresql": psql(url, "-tAc", "SHOW server_version").strip(),
            "profile": counts,
            "profile_build_seconds": built,
            "floor_seconds": floors,
            "recompute_from_empty_seconds": colds,
            "recompute_on_full_tables_seconds": warms,
            "freshness_seconds": freshness,
        }
        rows = [
            ("floor (one statement: programme medians from the measurements)", floor, ""),
            ("full recompute from empty tables", cold, f"{cold / floor:.2f} × floor"),
            ("full recompute on full tables (nightly)", warm, f"{warm / floor:.2f} × floor"),
        ]
        print("\n| what | seconds (median) | ratio |\n|---|---|---|")
        for label, seconds, ratio in rows:
            print(f"| {label} | {seconds:.2f} | {ratio} |")
        if freshness:
            print(
                f"| KPI change → fresh result and summaries ({len(freshness)} changes) | "
                f"p50 {percentile(freshness, 0.5):.2f}, p95 {percentile(freshness, 0.95):.2f} |  |"
            )
        print(f"\n{report['date']} — {report['machine']} — PostgreSQL {report['postgresql']}")
        stamp = datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%S")
        (ROOT / "bench" / "results" / f"aggregation-{stamp}.json").write_text(
            json.dumps(report, indent=2)
        )
    finally:
        if not arguments.keep:
            from django.db import connections

            connections.close_all()
            name = urlparse(url).path.lstrip("/")
            psql(url, "-c", f'DROP DATABASE IF EXISTS "{name}"', database="postgres")
            print(f"dropped {name}")


if __name__ == "__main__":
    main()
