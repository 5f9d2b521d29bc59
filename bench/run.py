"""The whole benchmark suite (``make bench``), printing one table.

    python bench/run.py [--only STEP[,STEP]] [--seconds 60] [--users 20] [--skip-aggregation]

Steps, in order: ``profiles`` (builds S and L in PostgreSQL with ``seed_demo``, or reuses
them when their enterprise counts are there), ``aggregation`` (bench/aggregation/run.py
at L: floor, full recompute, freshness), ``queries`` (per entry at S and L),
``serialization`` (API list vs values() + JSON, at L), ``load`` (gunicorn + locust at S
then L, with the workers' RSS), ``import`` (100,000 KPI rows from CSV and XLSX at L).

Every step runs in its own process with the production settings (bench/common.py). The
results, with the machine, PostgreSQL version and load averages, are written to
``bench/results/suite-<date>.json``; the table is printed as Markdown for
docs/benchmarks.md. Targets are performance.md's.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    PROFILE_ENTERPRISES,
    PROFILES,
    PYTHON,
    RESULTS,
    ROOT,
    bench_env,
    database_url,
    describe,
    load_average,
    machine,
    psql,
    run_json,
)

STEPS = ["profiles", "aggregation", "queries", "serialization", "load", "import"]


def say(message: str) -> None:
    print(f"[{datetime.now(tz=UTC):%H:%M:%S} load {load_average()}] {message}", flush=True)


# --- profiles ---------------------------------------------------------------------------


def enterprise_count(url: str) -> int | None:
    name = url.rsplit("/", 1)[-1]
    exists = psql(url, f"SELECT 1 FROM pg_database WHERE datname = '{name}'", database="postgres")
    if exists != "1":
        return None
    try:
        return int(psql(url, "SELECT count(*) FROM enterprises_enterprise"))
    except subprocess.CalledProcessError:
        return None


def ensure_profile(profile: str) -> dict:
    url = database_url(profile)
    name = url.rsplit("/", 1)[-1]
    env = bench_env(profile)
    manage = [PYTHON, str(ROOT / "manage.py")]
    count = enterprise_count(url)
    built = None
    if count != PROFILE_ENTERPRISES[profile]:
        say(f"building profile {profile} in {name} (found {count} enterprises)")
        started = time.perf_counter()
        psql(url, f'DROP DATABASE IF EXISTS "{name}"', database="postgres")
        psql(url, f'CREATE DATABASE "{name}"', database="postgres")
        subprocess.run([*manage, "migrate", "--verbosity", "0"], check=True, env=env, cwd=ROOT)
        subprocess.run([*manage, "seed_demo", *PROFILES[profile][2]], check=True, env=env, cwd=ROOT)
        built = time.perf_counter() - started
    else:
        say(f"profile {profile}: reusing {name} ({count} enterprises)")
        subprocess.run([*manage, "migrate", "--verbosity", "0"], check=True, env=env, cwd=ROOT)
    computed = int(psql(url, "SELECT count(*) FROM reports_enterprisekpiresult"))
    if not computed:
        say(f"profile {profile}: computing the KPI tables (recompute_kpis --full)")
        subprocess.run(
            [*manage, "recompute_kpis", "--full"],
            check=True,
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
    counts = {}
    for label, table in [
        ("enterprises", "enterprises_enterprise"),
        ("participants", "enterprises_participant"),
        ("measurements", "reports_kpimeasurement"),
        ("results", "reports_enterprisekpiresult"),
    ]:
        counts[label] = int(psql(url, f"SELECT count(*) FROM {table}"))
    return {"database": name, "built_seconds": built, "counts": counts}


def collect_static() -> None:
    """The production static files (hashed names) that pages link to with DEBUG off."""
    vendor = ROOT / "static" / "vendor"
    if not (vendor / ".built").exists():
        subprocess.run(["make", "static"], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    # The vendored bundles name their source maps; the manifest storage wants them present.
    for source in [
        "node_modules/chart.js/dist/chart.umd.min.js.map",
        "node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map",
        "node_modules/bootstrap/dist/css/bootstrap.min.css.map",
    ]:
        path = ROOT / source
        if path.exists() and not (vendor / path.name).exists():
            (vendor / path.name).write_bytes(path.read_bytes())
    subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), "collectstatic", "--noinput", "--verbosity", "0"],
        check=True,
        env=bench_env("S"),
        cwd=ROOT,
    )


# --- steps ------------------------------------------------------------------------------


def step_aggregation(arguments) -> dict:
    env = {
        **bench_env("L", DEBUG="1"),
        "BENCH_DATABASE_URL": database_url("L"),
    }
    before = load_average()
    completed = subprocess.run(
        [
            PYTHON, str(ROOT / "bench" / "aggregation" / "run.py"), "--keep",
            "--repeat", str(arguments.repeat), "--changes", str(arguments.changes),
        ],
        env=env, cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    sys.stdout.write(completed.stdout)
    latest = sorted(RESULTS.glob("aggregation-*.json"))[-1]
    report = json.loads(latest.read_text())
    report["load_before"], report["load_after"] = before, load_average()
    return report


def plans(directory: Path) -> dict[str, Path]:
    paths = {}
    for profile in ("S", "L"):
        path = directory / f"plan-{profile}.json"
        run_json([PYTHON, "bench/inprocess.py", "plan", str(path)], bench_env(profile))
        paths[profile] = path
    return paths


def analyzed() -> None:
    """Fresh planner statistics on both profiles, as autovacuum keeps them in a deployment.

    The machine's PostgreSQL may run without autovacuum, and earlier steps write a lot (the
    import takes out and puts back 100,000 measurements and leaves their audit history):
    without statistics a 400,000-row history table still looked empty to the planner, and
    the enterprise page read it whole (65 ms) instead of by index."""
    for profile in ("S", "L"):
        psql(database_url(profile), "VACUUM ANALYZE")


def step_queries(plan_paths) -> dict:
    return {
        profile: {
            "load": load_average(),
            "entries": run_json(
                [PYTHON, "bench/inprocess.py", "queries", str(path)], bench_env(profile)
            ),
        }
        for profile, path in plan_paths.items()
    }


def step_serialization() -> dict:
    results = {}
    for profile in ("S", "L"):
        load = load_average()
        results[profile] = {
            "load": load,
            "cases": run_json([PYTHON, "bench/inprocess.py", "serialization"], bench_env(profile)),
        }
    return results


def step_load(plan_paths, arguments) -> dict:
    results = {}
    for profile in ("S", "L"):
        say(f"load run at {profile}: {arguments.users} clients, {arguments.seconds} s")
        results[profile] = run_json(
            [
                PYTHON, "bench/load.py", profile, str(plan_paths[profile]),
                "--seconds", str(arguments.seconds), "--users", str(arguments.users),
                "--max-requests", str(arguments.max_requests),
            ],
            bench_env(profile),
            timeout=arguments.seconds + 600,
        )  # fmt: skip
    return results


def step_import(directory: Path) -> dict:
    env = bench_env("L")
    files = directory / "import"
    prepared = run_json([PYTHON, "bench/imports.py", "prepare", str(files)], env)
    runs = {}
    for name in ("kpis.csv", "kpis.xlsx"):
        load = load_average()
        runs[name] = {
            "load": load,
            **run_json([PYTHON, "bench/imports.py", "run", str(files / name)], env, timeout=3600),
        }
        say(f"import {name}: {runs[name]['rows_per_second']} rows/s")
    return {"prepared": prepared, "runs": runs}


# --- the table --------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def table(results: dict) -> str:
    lines = ["| measure | S | L | target | |", "|---|---|---|---|---|"]

    def row(label, small, large, target="", ok=None):
        lines.append(
            f"| {label} | {small} | {large} | {target} | {'' if ok is None else verdict(ok)} |"
        )

    aggregation = results.get("aggregation")
    if aggregation:
        floor = sorted(aggregation["floor_seconds"])[len(aggregation["floor_seconds"]) // 2]
        colds = sorted(aggregation["recompute_from_empty_seconds"])
        warms = sorted(aggregation["recompute_on_full_tables_seconds"])
        cold, warm = colds[len(colds) // 2], warms[len(warms) // 2]
        load = f"load {aggregation['load_before']} → {aggregation['load_after']}"
        row("aggregation floor (s)", "", f"{floor:.2f}", load)
        row(
            "full recompute from empty (s, × floor)",
            "",
            f"{cold:.2f} ({cold / floor:.2f}×)",
            "≤ 1.5× floor, < 60 s",
            cold <= 1.5 * floor and cold < 60,
        )
        row(
            "full recompute on full tables (s, × floor)",
            "",
            f"{warm:.2f} ({warm / floor:.2f}×)",
            "≤ 1.5× floor, < 60 s",
            warm <= 1.5 * floor and warm < 60,
        )
        freshness = aggregation.get("freshness_seconds") or []
        if freshness:
            from bench.common import percentile

            p95 = percentile(freshness, 0.95)
            row(
                f"KPI change → fresh (s, {len(freshness)} changes)",
                "",
                f"p50 {percentile(freshness, 0.5):.2f}, p95 {p95:.2f}",
                "p95 ≤ 2 s",
                p95 <= 2,
            )

    load_runs = results.get("load", {})
    queries = results.get("queries", {})
    names = []
    for source in (queries.get("L", {}).get("entries", {}), load_runs.get("L", {}).get("entries")):
        for name in source or {}:
            if name not in names:
                names.append(name)
    for name in names:
        s_q = queries.get("S", {}).get("entries", {}).get(name, {}).get("queries")
        l_q = queries.get("L", {}).get("entries", {}).get(name, {}).get("queries")
        if s_q is not None or l_q is not None:
            row(f"{name}: queries", s_q, l_q, "equal", s_q == l_q)
        s_stats = load_runs.get("S", {}).get("entries", {}).get(name)
        l_stats = load_runs.get("L", {}).get("entries", {}).get(name)
        if l_stats:
            target = 150 if name.startswith("page") else 100

            def shown(stats):
                if not stats:
                    return ""
                return (
                    f"p50 {stats['p50_ms']:.0f} / p95 {stats['p95_ms']:.0f} ms, "
                    f"{stats['rps']:.1f} rps, {stats['errors']} err / {stats['requests']}"
                )

            row(
                f"{name}: load",
                shown(s_stats),
                shown(l_stats),
                f"p95 < {target} ms, 0 errors",
                l_stats["p95_ms"] < target and l_stats["errors"] == 0,
            )
    for profile in ("S", "L"):
        run = load_runs.get(profile)
        if run:
            lines.append(
                f"| load run {profile} | {run['users']} clients, think time {run['wait']} s, "
                f"{run['seconds']} s, {run['workers']} gunicorn workers | load "
                f"{run['load_before']} → {run['load_after']} | | |"
            )
    if load_runs.get("L"):
        rss = max(worker["rss_mb"] for worker in load_runs["L"]["memory"])
        rss_s = max(worker["rss_mb"] for worker in load_runs.get("S", {}).get("memory", [])) or 0
        row(
            "gunicorn worker RSS after the run (MB, max)",
            f"{rss_s:.0f}",
            f"{rss:.0f}",
            "< 200",
            rss < 200,
        )

    serialization = results.get("serialization", {})
    for name in serialization.get("L", {}).get("cases", {}):
        cells = []
        for profile in ("S", "L"):
            case = serialization.get(profile, {}).get("cases", {}).get(name)
            cells.append(
                ""
                if not case
                else f"API {case['api_ms']:.1f} ms, serializer {case['serializer_ms']:.1f} ms, "
                f"values()+JSON {case['baseline_ms']:.1f} ms → {case['api_ratio']:.2f}× "
                f"({case['serializer_ratio']:.2f}× serializer only; the same request "
                f"matching nothing {case.get('api_empty_ms', 0):.1f} ms, the rows' own "
                f"cost {case.get('api_rows_ratio', 0):.2f}×)"
            )
        case = serialization["L"]["cases"][name]
        row(
            f"API {name} page of 50 vs values()+JSON",
            cells[0],
            cells[1],
            "≤ 2×",
            case["api_ratio"] <= 2,
        )

    imports = results.get("import", {}).get("runs", {})
    for name, run in imports.items():
        row(
            f"import 100,000 KPI rows, {name.split('.')[-1].upper()}",
            "",
            f"{run['rows_per_second']} rows/s, {run['total_seconds']:.0f} s "
            f"(check {run['check_seconds']:.0f} + commit {run['commit_seconds']:.0f}), "
            f"peak RSS {run['peak_rss_mb']} MB (load {run['load']})",
            "≥ 2,000 rows/s, < 60 s, < 500 MB",
            run["rows_per_second"] >= 2000
            and run["total_seconds"] < 60
            and run["peak_rss_mb"] < 500,
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(STEPS), help="Comma-separated steps.")
    parser.add_argument("--seconds", type=int, default=60, help="Length of each load run.")
    parser.add_argument("--users", type=int, default=20, help="Concurrent load clients.")
    parser.add_argument("--max-requests", type=int, default=4000, help="Cap per load run.")
    parser.add_argument("--repeat", type=int, default=2, help="Aggregation rounds.")
    parser.add_argument("--changes", type=int, default=20, help="Freshness KPI changes.")
    arguments = parser.parse_args()
    steps = [step for step in arguments.only.split(",") if step]
    RESULTS.mkdir(parents=True, exist_ok=True)

    results: dict = {"machine": machine(), "load_start": load_average()}
    results["postgresql"] = psql(database_url("S"), "SHOW server_version", database="postgres")
    results["profiles"] = {profile: ensure_profile(profile) for profile in ("S", "L")}
    collect_static()
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        if "aggregation" in steps:
            say("VACUUM ANALYZE of both profiles, then aggregation at L")
            analyzed()
            results["aggregation"] = step_aggregation(arguments)
        if {"queries", "serialization", "load"} & set(steps):
            say("VACUUM ANALYZE of both profiles")
            analyzed()
        plan_paths = plans(directory) if {"queries", "load"} & set(steps) else {}
        if "queries" in steps:
            say("query counts at S and L")
            results["queries"] = step_queries(plan_paths)
        if "serialization" in steps:
            say("serialization at S and L")
            results["serialization"] = step_serialization()
        if "load" in steps:
            results["load"] = step_load(plan_paths, arguments)
        if "import" in steps:
            say("import of 100,000 KPI rows at L")
            results["import"] = step_import(directory)
    results["load_end"] = load_average()
    stamp = datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%S")
    (RESULTS / f"suite-{stamp}.json").write_text(json.dumps(results, indent=1))
    info = results["machine"]
    print()
    print(
        f"{info['date']} — {describe(info)}, PostgreSQL {results['postgresql']}, load average "
        f"{results['load_start']} → {results['load_end']}"
    )
    print()
    print(table(results))
    print(f"\nsaved bench/results/suite-{stamp}.json")


if __name__ == "__main__":
    main()
