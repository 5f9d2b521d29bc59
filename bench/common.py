"""Shared pieces of the benchmark harness: profiles, the production-like environment, the
machine description and small statistics helpers.

Every step runs the project with the settings a deployment uses (``DEBUG=0``, a secret key,
allowed hosts, Redis cache); only the HTTPS redirect and the API throttle are relaxed, so
plain HTTP on loopback and a load run at full speed are possible.
"""

import contextlib
import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable

PROFILES = {
    # name: (database URL env var, default URL, seed_demo arguments)
    "S": (
        "BENCH_S_DATABASE_URL",
        "postgres://postgres@127.0.0.1:5432/score_bench_s",
        [],
    ),
    "L": (
        "BENCH_L_DATABASE_URL",
        "postgres://postgres@127.0.0.1:5432/score_bench_l",
        ["--enterprises", "100000", "--months", "12"],
    ),
}
# The enterprise count that tells a built profile from a missing or partial one.
PROFILE_ENTERPRISES = {"S": 1_400, "L": 100_000}


def database_url(profile: str) -> str:
    variable, default, _arguments = PROFILES[profile]
    return os.environ.get(variable, default)


def bench_env(profile: str, **extra: str) -> dict[str, str]:
    """The environment of a production deployment, pointed at the profile's database."""
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY", "bench-" + "x" * 50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DATABASE_URL": database_url(profile),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6"),
        # Plain HTTP on loopback; everything else as deployed.
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        # One client hammering the API is the point of a load run.
        "THROTTLE_USER": "1000000/minute",
        "THROTTLE_ANON": "1000000/minute",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "score_platform.settings",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("CELERY_BROKER_URL", None)  # imports and recomputes run in-process
    env.update(extra)
    return env


def psql(url: str, sql: str, *, database: str | None = None) -> str:
    parts = urlparse(url)
    command = [
        "psql", "-X", "-q", "-tA",
        "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432),
        "-U", parts.username or "postgres",
        "-d", database or parts.path.lstrip("/"),
        "-c", sql,
    ]  # fmt: skip
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = 0
    with contextlib.suppress(OSError, ValueError, IndexError):
        memory = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    return {
        "date": datetime.now(tz=UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(memory),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }


def describe(info: dict) -> str:
    """The machine of :func:`machine` in one line."""
    return f"{info['cores']} cores ({info['cpu']}), {info['memory_gib']} GiB RAM, {info['system']}"


def percentile(values: list[float], fraction: float) -> float:
    """Linear interpolation between closest ranks (as PostgreSQL's percentile_cont)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def run_json(command: list[str], env: dict[str, str], *, timeout: float = 1800) -> dict:
    """Run a harness step in its own process (its own database settings); its last stdout
    line is a JSON document."""
    completed = subprocess.run(
        command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout[-4000:] + completed.stderr[-4000:])
        raise RuntimeError(f"{' '.join(command)} failed ({completed.returncode})")
    return json.loads(completed.stdout.strip().splitlines()[-1])
