"""A real Celery worker in a subprocess, on the real Redis broker, against the test database."""

import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from celery import Celery
from django.db import connection

from tests.conftest import need_service

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def redis_url() -> str:
    return os.environ.get("REDIS_URL", "")


def redis_available(url: str) -> bool:
    if not url:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def test_database_url() -> str:
    """The URL of the database this test process uses, for the worker to share it."""
    settings = connection.settings_dict
    if settings["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(settings['NAME']).resolve()}"
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    user = settings.get("USER") or "postgres"
    password = settings.get("PASSWORD") or ""
    credentials = f"{user}:{password}" if password else user
    return f"postgres://{credentials}@{host}:{port}/{settings['NAME']}"


class LiveWorker:
    def __init__(
        self,
        broker_url: str,
        queue: str,
        extra_env: dict[str, str] | None = None,
        app: str = "score_platform",
    ):
        self.app = app
        self.broker_url = broker_url
        self.queue = queue
        self.extra_env = extra_env or {}
        self.process: subprocess.Popen | None = None
        self.log_path = (
            PROJECT_ROOT / "tests" / "artifacts" / f"worker-{queue}-{uuid.uuid4().hex[:6]}.log"
        )
        # Not the current app: tasks sent by the code under test must keep using the project's.
        self.client = Celery(
            "score-test-client", broker=broker_url, backend=broker_url, set_as_current=False
        )

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "DATABASE_URL": test_database_url(),
            "CELERY_BROKER_URL": self.broker_url,
            "CELERY_RESULT_BACKEND": self.broker_url,
            # Tasks the worker sends itself (follow-ups) go to its own private queue.
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            **self.extra_env,
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                self.app,
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "-Q",
                self.queue,
                "--hostname",
                f"{self.queue}@%h",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=self.log_path.open("wb"),
            stderr=subprocess.STDOUT,
        )

    def send(self, name: str, args=(), kwargs=None):
        return self.client.send_task(name, args=args, kwargs=kwargs or {}, queue=self.queue)

    def stop(self, timeout: float = 20) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.client.close()

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, nothing acknowledged or restored by the worker."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@contextmanager
def live_worker(
    extra_env: dict[str, str] | None = None,
    *,
    broker_url: str | None = None,
    queue: str | None = None,
    app: str = "score_platform",
):
    url = broker_url or redis_url()
    need_service("Redis", redis_available(url), "set REDIS_URL to a running Redis")
    worker = LiveWorker(
        url, queue=queue or f"test-{uuid.uuid4().hex[:10]}", extra_env=extra_env, app=app
    )
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()


def wait_until(predicate, *, timeout: float = 30, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def reset_connections() -> None:
    """Forget the project app's broker connections and producers: both are cached for the
    broker they were made for, and control commands (the health check's ping) reuse them."""
    from score_platform.celery import app

    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@contextmanager
def sending_to(broker_url: str, queue: str, settings):
    """This process sends its tasks and control commands to ``broker_url`` / ``queue``
    instead of running tasks in-process; everything is put back afterwards."""
    from score_platform.celery import app

    saved = {
        key: app.conf[key] for key in ("task_always_eager", "broker_url", "task_default_queue")
    }
    reset_connections()
    app.conf.task_always_eager = False
    app.conf.broker_url = broker_url
    app.conf.task_default_queue = queue
    settings.CELERY_BROKER_URL = broker_url
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    try:
        yield
    finally:
        app.conf.update(saved)
        reset_connections()
