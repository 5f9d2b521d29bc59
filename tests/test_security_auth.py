"""Authentication: django-axes lockout on the login page, the admin login and the token
endpoint (also under a concurrent burst), the security log, and API tokens that users and
ILO administrators revoke."""

import json
import logging
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from datetime import timedelta
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.backends import ModelBackend
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api_support import client_for as api_client_for
from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parent.parent
LOCKED = 429


def _login_page(client, username, password, address="10.0.0.1"):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def _admin_login(client, username, password, address="10.0.0.1"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


def _token(client, username, password, address="10.0.0.1"):
    return client.post(
        "/api/v1/auth/token/",
        json.dumps({"username": username, "password": password}),
        content_type="application/json",
        REMOTE_ADDR=address,
    )


ENDPOINTS = {
    "login page": (_login_page, "sgs.staff", 200, 302),
    "admin login": (_admin_login, "ilo.admin", 200, 302),
    "token endpoint": (_token, "sgs.staff", 400, 200),
}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_five_failures_lock_the_username_from_that_address(world, endpoint, caplog):
    attempt, username, failed_status, ok_status = ENDPOINTS[endpoint]
    client = Client()
    with caplog.at_level(logging.WARNING, logger="score.security"):
        for _ in range(4):
            assert attempt(client, username, "wrong-password").status_code == failed_status
        # The fifth failure locks; from then on even the right password is refused.
        assert attempt(client, username, "wrong-password").status_code == LOCKED
        locked = attempt(client, username, PASSWORD)
    assert locked.status_code == LOCKED
    assert AccessAttempt.objects.get(username=username).failures_since_start >= 5
    failures = [r for r in caplog.records if r.getMessage().startswith("login failed")]
    assert len(failures) >= 5
    assert f"username='{username}'" in failures[0].getMessage()
    assert "address=10.0.0.1" in failures[0].getMessage()
    assert any("locked out" in r.getMessage() for r in caplog.records)

    # The same username from another address, and another username, still log in.
    assert attempt(Client(), username, PASSWORD, address="10.0.0.2").status_code == ok_status
    other = "sgs.manager" if username != "sgs.manager" else "sgs.staff"
    if endpoint == "admin login":
        other = "ilo.officer"
    assert attempt(Client(), other, PASSWORD).status_code == ok_status


def test_lockout_is_shared_between_the_login_page_and_the_token_endpoint(world):
    client = Client()
    for _ in range(3):
        _login_page(client, "sgs.staff", "wrong")
    _token(client, "sgs.staff", "wrong")
    assert _token(client, "sgs.staff", "wrong").status_code == LOCKED
    locked = _token(client, "sgs.staff", PASSWORD)
    assert locked.status_code == LOCKED
    # The API's documented error shape, not an HTML page; the client learns when to retry.
    assert locked["Content-Type"] == "application/json"
    assert "too many login attempts" in locked.json()["detail"]
    assert int(locked["Retry-After"]) == 3600
    assert _login_page(client, "sgs.staff", PASSWORD).status_code == LOCKED


def test_lock_lifts_after_the_cool_off(world, settings):
    settings.AXES_COOLOFF_TIME = 1.0
    client = Client()
    for _ in range(5):
        _token(client, "sgs.staff", "wrong")
    assert _token(client, "sgs.staff", PASSWORD).status_code == LOCKED
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(hours=1, minutes=1))
    assert _token(client, "sgs.staff", PASSWORD).status_code == 200


def test_success_before_the_limit_resets_the_count(world):
    client = Client()
    for _ in range(4):
        _token(client, "sgs.staff", "wrong")
    assert _token(client, "sgs.staff", PASSWORD).status_code == 200
    for _ in range(4):
        _token(client, "sgs.staff", "wrong")
    assert _token(client, "sgs.staff", PASSWORD).status_code == 200


def test_limit_and_cool_off_come_from_the_environment():
    environment = {**os.environ, "AXES_FAILURE_LIMIT": "3", "AXES_COOLOFF_HOURS": "0.25"}
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**environment, "DJANGO_SETTINGS_MODULE": "score_platform.settings"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["3", "0.25"]


# --- a concurrent burst --------------------------------------------------------------------


@pytest.fixture
def counted_password_checks(monkeypatch):
    """How many attempts reached the password check (ModelBackend), whatever the thread."""
    calls = []
    original = ModelBackend.authenticate

    def counting(self, request, username=None, password=None, **kwargs):
        calls.append(username)
        return original(self, request, username=username, password=password, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", counting)
    return calls


def _burst(send, count=20):
    barrier = threading.Barrier(count)
    statuses = []
    lock = threading.Lock()

    def one():
        barrier.wait()
        status = send()
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return statuses


def _http_status(request):
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.django_db(transaction=True)
def test_concurrent_token_burst_gets_no_more_than_five_tries(
    catalogue, world, live_server, counted_password_checks
):
    body = json.dumps({"username": "sgs.staff", "password": "guess"}).encode()

    def send():
        request = urllib.request.Request(
            f"{live_server.url}/api/v1/auth/token/",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        return _http_status(request)

    statuses = _burst(send)
    assert len(statuses) == 20
    assert len(counted_password_checks) <= 5
    assert statuses.count(400) <= 4
    assert statuses.count(LOCKED) >= 16
    assert set(statuses) <= {400, LOCKED}


@pytest.mark.django_db(transaction=True)
def test_concurrent_login_page_burst_gets_no_more_than_five_tries(
    catalogue, world, live_server, counted_password_checks
):
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{live_server.url}/accounts/login/").read()
    csrf = next(cookie.value for cookie in jar if cookie.name == "csrftoken")
    body = f"username=sgs.manager&password=guess&csrfmiddlewaretoken={csrf}".encode()

    def send():
        request = urllib.request.Request(
            f"{live_server.url}/accounts/login/",
            data=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={csrf}",
                "Referer": f"{live_server.url}/accounts/login/",
            },
        )
        return _http_status(request)

    statuses = _burst(send)
    assert len(counted_password_checks) <= 5
    assert statuses.count(LOCKED) >= 16
    assert set(statuses) <= {200, LOCKED}


# --- refused authorizations in the security log ------------------------------------------


def _refusals(caplog):
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("refused")]


def test_a_scoped_object_outside_the_scope_is_logged_page_and_api(world, client, caplog):
    client.force_login(world.users.sgs_staff)
    api = api_client_for(world.users.sgs_staff)
    with caplog.at_level(logging.WARNING, logger="score.security"):
        assert client.get(f"/enterprises/{world.tuv_enterprise.pk}/").status_code == 404
        assert api.get(f"/api/v1/enterprises/{world.tuv_enterprise.pk}/").status_code == 404
    page, api_line = _refusals(caplog)
    for line in (page, api_line):
        assert "status=404" in line and "user='sgs.staff'" in line
        assert f"/enterprises/{world.tuv_enterprise.pk}/" in line
        assert " at=" in line
    assert "view=enterprises:enterprise-detail" in page
    assert "view=api:enterprise-detail" in api_line


def test_a_visible_object_the_role_may_not_change_is_logged_page_and_api(world, client, caplog):
    client.force_login(world.users.sgs_staff)
    api = api_client_for(world.users.sgs_staff)
    with caplog.at_level(logging.WARNING, logger="score.security"):
        assert client.get(f"/enterprises/{world.sgs_enterprise.pk}/edit/").status_code == 403
        response = api.patch(
            f"/api/v1/enterprises/{world.sgs_enterprise.pk}/", {"city": "X"}, format="json"
        )
        assert response.status_code == 403
        assert APIClient().get("/api/v1/enterprises/").status_code in (401, 403)
    lines = _refusals(caplog)
    assert len(lines) == 3
    assert all("status=403" in line or "status=401" in line for line in lines)
    assert "user='sgs.staff'" in lines[0] and "method=GET" in lines[0]
    assert "method=PATCH" in lines[1]
    assert "user=anonymous" in lines[2]


def test_a_path_nothing_answers_is_not_a_refusal(world, client, caplog):
    client.force_login(world.users.sgs_staff)
    with caplog.at_level(logging.WARNING, logger="score.security"):
        client.get("/no-such-page/")
        client.get("/api/v1/no-such-resource/")
    assert _refusals(caplog) == []


# --- API tokens -----------------------------------------------------------------------------


def test_user_lists_and_revokes_their_token_on_the_page(world, client, caplog):
    client.force_login(world.users.sgs_staff)
    page = client.get("/accounts/tokens/")
    assert "You have no API token." in page.content.decode()
    created = client.post("/accounts/tokens/")
    key = Token.objects.get(user=world.users.sgs_staff).key
    assert key in created.content.decode()
    listed = client.get("/accounts/tokens/").content.decode()
    assert key[:8] in listed and key not in listed
    with caplog.at_level(logging.WARNING, logger="score.security"):
        response = client.post(f"/accounts/tokens/{key[:8]}/revoke/")
    assert response.status_code == 302
    assert not Token.objects.filter(key=key).exists()
    assert any("api token revoked" in r.getMessage() for r in caplog.records)
    # The revoked token no longer opens the API.
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/enterprises/").status_code == 401


def test_someone_elses_token_cannot_be_revoked_on_the_page(world, client):
    other = Token.objects.create(user=world.users.tuv_manager)
    client.force_login(world.users.sgs_staff)
    assert client.post(f"/accounts/tokens/{other.key[:8]}/revoke/").status_code == 404
    assert Token.objects.filter(pk=other.pk).exists()


def test_user_lists_and_revokes_their_token_through_the_api(world):
    api = api_client_for(world.users.sgs_staff)
    key = Token.objects.get(user=world.users.sgs_staff).key
    other = Token.objects.create(user=world.users.tuv_manager)
    listed = api.get("/api/v1/auth/tokens/")
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()] == [key[:8]]
    assert api.delete(f"/api/v1/auth/tokens/{other.key[:8]}/").status_code == 404
    assert api.delete(f"/api/v1/auth/tokens/{key[:8]}/").status_code == 204
    assert not Token.objects.filter(key=key).exists()
    assert Token.objects.filter(pk=other.pk).exists()
    assert api.get("/api/v1/auth/tokens/").status_code == 401


def test_ilo_admin_revokes_any_token_in_the_admin(world, client):
    token = Token.objects.create(user=world.users.sgs_staff)
    client.force_login(world.users.ilo_admin)
    changelist = client.get("/admin/authtoken/tokenproxy/")
    assert changelist.status_code == 200
    assert token.key[:8] in changelist.content.decode()
    assert token.key not in changelist.content.decode()
    url = f"/admin/authtoken/tokenproxy/{world.users.sgs_staff.pk}/delete/"
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Token.objects.filter(pk=token.pk).exists()


def test_ilo_officers_do_not_manage_tokens(world, client):
    Token.objects.create(user=world.users.sgs_staff)
    client.force_login(world.users.ilo_officer)
    assert client.get("/admin/authtoken/tokenproxy/").status_code == 403


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_an_over_long_username_is_a_wrong_login_not_a_server_error(world, endpoint):
    attempt, _username, failed_status, _ok = ENDPOINTS[endpoint]
    for name in ("x" * 300, "😀" * 400, "y" * 100_000):
        assert attempt(Client(), name, "wrong").status_code == failed_status
    assert AccessAttempt.objects.filter(username="x" * 255).exists()
