"""Pages and API under load on one profile: gunicorn with the production settings on
127.0.0.1, locust headless with 20 clients, bounded in time and in requests; then the RSS
of each gunicorn worker.

    python bench/load.py PROFILE PLAN.json [--seconds 60] [--users 20] [--max-requests 4000]

Prints one JSON line last: per entry p50, p95, requests/s, requests and errors; the
workers' RSS.
"""

import argparse
import contextlib
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import PYTHON, ROOT, bench_env, load_average  # noqa: E402

BIN = Path(PYTHON).parent


def wait_until_up(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return  # answering
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer on {url}")


def warm_up(base: str, plan: dict, rounds: int, workers: int) -> None:
    """Every URL a few times from as many clients at once as there are workers, so that
    each worker (not only the one that happens to accept a lone client's connections)
    has served each endpoint once: its first request to one costs 100–200 ms."""

    def sweep(_round: int) -> None:
        for entry in plan["entries"]:
            credentials = plan["credentials"][entry["persona"]]
            headers = (
                {"Authorization": f"Token {credentials['token']}"}
                if entry["kind"] == "api"
                else {"Cookie": f"sessionid={credentials['session']}"}
            )
            for url in entry["urls"]:
                request = urllib.request.Request(base + url, headers=headers)
                with contextlib.suppress(urllib.error.HTTPError):
                    urllib.request.urlopen(request, timeout=60).read()

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(sweep, range(rounds * workers)))


def worker_memory(master_pid: int) -> list[dict]:
    children = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(master_pid)], capture_output=True, text=True
    ).stdout.split()
    memory = []
    for pid in children:
        fields = {}
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0]) / 1024
        memory.append({"pid": int(pid), "rss_mb": fields["VmRSS"], "hwm_mb": fields["VmHWM"]})
    return memory


def read_stats(prefix: str) -> dict:
    stats = {}
    with open(f"{prefix}_stats.csv") as handle:
        for row in csv.DictReader(handle):
            if row["Name"] == "Aggregated":
                continue
            stats[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "errors": int(row["Failure Count"]),
                "p50_ms": float(row["50%"]),
                "p95_ms": float(row["95%"]),
                "rps": float(row["Requests/s"]),
                "mean_ms": float(row["Average Response Time"]),
            }
    return stats


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("profile")
    parser.add_argument("plan")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--max-requests", type=int, default=4000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "8766")))
    parser.add_argument("--wait", default=os.environ.get("BENCH_WAIT", "0.5,1.5"))
    arguments = parser.parse_args()

    env = bench_env(arguments.profile)
    base = f"http://127.0.0.1:{arguments.port}"
    plan = json.loads(Path(arguments.plan).read_text())
    log = (ROOT / "bench" / "results" / f"gunicorn-{arguments.profile}.log").open("wb")  # noqa: SIM115
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"), "score_platform.wsgi:application",
            "--bind", f"127.0.0.1:{arguments.port}",
            "--workers", str(arguments.workers),
            "--worker-class", "sync",
            "--timeout", "120",
            "--access-logfile", "-",
        ],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_until_up(base + "/accounts/login/")
        warm_up(base, plan, rounds=2, workers=arguments.workers)
        load_before = load_average()
        with tempfile.TemporaryDirectory() as directory:
            prefix = os.path.join(directory, "run")
            started = time.monotonic()
            subprocess.run(
                [
                    str(BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"),
                    "--headless", "--users", str(arguments.users),
                    "--spawn-rate", str(arguments.users), "--run-time", f"{arguments.seconds}s",
                    "--host", base, "--csv", prefix, "--only-summary", "--loglevel", "WARNING",
                    "--stop-timeout", "10",
                ],
                cwd=ROOT, check=False, capture_output=True, timeout=arguments.seconds + 120,
                env={
                    **os.environ,
                    "BENCH_PLAN": str(Path(arguments.plan).resolve()),
                    "BENCH_MAX_REQUESTS": str(arguments.max_requests),
                    "BENCH_WAIT": arguments.wait,
                },
            )  # fmt: skip
            elapsed = time.monotonic() - started
            stats = read_stats(prefix)
        load_after = load_average()
        memory = worker_memory(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    print(
        json.dumps(
            {
                "profile": arguments.profile,
                "users": arguments.users,
                "seconds": round(elapsed, 1),
                "wait": arguments.wait,
                "workers": arguments.workers,
                "load_before": load_before,
                "load_after": load_after,
                "entries": stats,
                "memory": memory,
            }
        )
    )


if __name__ == "__main__":
    main()
