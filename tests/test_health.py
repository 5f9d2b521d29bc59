"""/health/: database, cache, and with a broker the broker and a live worker."""

import json
import time
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

import pytest
from health_check.exceptions import ServiceUnavailable

from tests.live_worker import live_worker, sending_to


@pytest.fixture
def eager(settings):
    """No broker: tasks run in-process (the development and test default)."""
    settings.CELERY_BROKER_URL = ""


def _health(client):
    # In a thread of its own, as under gunicorn: the checks run through async_to_sync, which
    # refuses a thread where an event loop is running (the browser tests' Playwright loop
    # stays open in the test process for the whole session).
    with ThreadPoolExecutor(max_workers=1) as pool:
        response = pool.submit(client.get, "/health/?format=json").result()
    return response.status_code, json.loads(response.content)


def test_without_a_broker_database_and_cache_are_checked(client, db, eager):
    status, body = _health(client)
    assert status == 200
    assert set(body.values()) == {"OK"}
    assert any("Database" in name for name in body)
    assert any("Cache" in name for name in body)
    assert not any(name in ("Broker", "Worker") for name in body)


def test_the_status_page_is_html_under_the_content_security_policy(client, db, eager):
    response = client.get("/health/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert "System status" in response.content.decode()
    assert "<style>" not in response.content.decode()
    assert "Content-Security-Policy" in response.headers
    assert "no-cache" in response.headers["Cache-Control"]


def test_a_failing_database_answers_500(client, db, eager):
    with mock.patch(
        "health_check.checks.Database.run", side_effect=ServiceUnavailable("database down")
    ):
        status, body = _health(client)
    assert status == 500
    assert "Unavailable: database down" in body.values()


def test_health_needs_no_login_and_leaks_no_configuration(client, db, eager):
    body = client.get("/health/?format=json").content.decode()
    assert "password" not in body.lower() and "secret" not in body.lower()


@pytest.mark.services
def test_with_a_live_worker_broker_and_worker_are_ok(transactional_db, client, settings):
    with live_worker() as worker, sending_to(worker.broker_url, worker.queue, settings):
        assert worker.send("score_platform.ping").get(timeout=60) == "pong"
        status, body = _health(client)
        assert status == 200, (body, worker.log()[-2000:])
        assert body["Broker"] == "OK" and body["Worker"] == "OK"


@pytest.mark.services
def test_no_worker_on_the_queue_or_no_broker_answers_500(
    transactional_db, client, settings, monkeypatch
):
    from tests.test_celery_faults import ThrowawayRedis

    redis = ThrowawayRedis()
    redis.start()
    monkeypatch.setenv("CELERY_BROKER_URL", redis.url)
    try:
        with sending_to(redis.url, "nobody-listens-here", settings):
            status, body = _health(client)
            assert status == 500
            assert body["Broker"] == "OK"
            assert body["Worker"] != "OK"
            redis.stop()
            started = time.monotonic()
            status, body = _health(client)
            assert status == 500
            assert body["Broker"] == "Unavailable: The task broker is unreachable."
            assert time.monotonic() - started < 15
    finally:
        from tests.live_worker import redis_available

        if redis_available(redis.url):
            redis.stop()
