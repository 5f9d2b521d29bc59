"""Production settings: the process refuses to start without its secrets, `check --deploy` has
nothing to say, and every response carries the security headers and generic error pages."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import include, path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "production-like-" + "k3y" * 20,
    "ALLOWED_HOSTS": "score.example.org",
    "DATABASE_URL": "postgres://score@db.example.org:5432/score",
}


def _run(args, **overrides):
    # Test-runner variables (DJANGO_ALLOW_ASYNC_UNSAFE, pytest-env's DEBUG) are not production.
    ignored = {*PRODUCTION, "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {k: v for k, v in os.environ.items() if k not in ignored}
    environment.update(PRODUCTION)
    for name, value in overrides.items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=environment, capture_output=True, text=True
    )


def test_check_deploy_has_zero_findings_with_production_values():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("name", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
@pytest.mark.parametrize("value", [None, ""])
def test_production_refuses_to_start_without_a_required_value(name, value):
    result = _run(["manage.py", "check"], **{name: value})
    assert result.returncode != 0
    assert f"{name} must be set in the environment when DEBUG is off" in result.stderr
    # Said plainly by manage.py, not as Django's later "Models aren't loaded yet".
    assert "SCORE Platform is not configured" in result.stderr
    assert "AppRegistryNotReady" not in result.stderr


def test_a_bare_checkout_runs_manage_py_with_the_development_defaults():
    bare = {name: None for name in PRODUCTION}
    result = _run(["manage.py", "makemigrations", "--check", "--dry-run"], **bare)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout


def test_only_a_checkout_with_nothing_configured_gets_the_development_defaults(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("manage", ROOT / "manage.py")
    manage = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(manage)

    assert manage.is_bare_checkout({"PATH": "/usr/bin"}, tmp_path)
    assert not manage.is_bare_checkout({"DATABASE_URL": "postgres://db/score"}, tmp_path)
    assert not manage.is_bare_checkout({"DEBUG": "0"}, tmp_path)
    (tmp_path / ".env").write_text("DEBUG=0\n")
    assert not manage.is_bare_checkout({}, tmp_path)


def test_allowed_hosts_of_only_separators_is_refused():
    result = _run(["manage.py", "check"], ALLOWED_HOSTS=" , ")
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must name at least one host" in result.stderr


PRINT_SETTINGS = """
import json, django
django.setup()
from django.conf import settings
from rest_framework.settings import api_settings
print(json.dumps({
    "debug": settings.DEBUG,
    "renderers": [r.__name__ for r in api_settings.DEFAULT_RENDERER_CLASSES],
    "session_secure": settings.SESSION_COOKIE_SECURE,
    "session_httponly": settings.SESSION_COOKIE_HTTPONLY,
    "csrf_secure": settings.CSRF_COOKIE_SECURE,
    "csrf_httponly": settings.CSRF_COOKIE_HTTPONLY,
    "hsts": settings.SECURE_HSTS_SECONDS,
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "frame": settings.X_FRAME_OPTIONS,
    "referrer": settings.SECURE_REFERRER_POLICY,
    "static": settings.STORAGES["staticfiles"]["BACKEND"],
}))
"""


def test_production_values_of_the_security_settings():
    result = _run(["-c", PRINT_SETTINGS], DJANGO_SETTINGS_MODULE="score_platform.settings")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "debug": False,
        # The browsable API is a development aid only.
        "renderers": ["JSONRenderer"],
        "session_secure": True,
        "session_httponly": True,
        "csrf_secure": True,
        "csrf_httponly": True,
        "hsts": 31536000,
        "ssl_redirect": True,
        "frame": "DENY",
        "referrer": "same-origin",
        "static": "whitenoise.storage.CompressedManifestStaticFilesStorage",
    }


# --- headers and error pages (in process) ----------------------------------------------


def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get("/accounts/login/")
    policy = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_session_and_csrf_cookies_are_http_only(client, world):
    from tests.factories import PASSWORD

    page = client.get("/accounts/login/")
    assert page.cookies["csrftoken"]["httponly"]
    client.post("/accounts/login/", {"username": "sgs.staff", "password": PASSWORD})
    assert client.cookies["sessionid"]["httponly"]


def _boom(request):
    raise RuntimeError("secret internals: /srv/score/settings.py line 42")


def _bad_request(request):
    from django.core.exceptions import SuspiciousOperation

    raise SuspiciousOperation("tampered with")


urlpatterns = [
    path("boom/", _boom),
    path("bad/", _bad_request),
    path("", include("score_platform.urls")),
]


@pytest.fixture
def failing_urls(settings):
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False


def test_server_error_page_is_generic(failing_urls, db):
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body
    assert "secret internals" not in body and "Traceback" not in body and "RuntimeError" not in body


def test_bad_request_page_is_generic(failing_urls, db):
    response = Client().get("/bad/")
    assert response.status_code == 400
    body = response.content.decode()
    assert "could not be understood" in body and "tampered" not in body


def test_not_found_page_is_generic(failing_urls, client, world):
    client.force_login(world.users.sgs_staff)
    response = client.get(f"/enterprises/{world.tuv_enterprise.pk}/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page not found" in body
    assert "Shenzhen" not in body and "Traceback" not in body and "urlpatterns" not in body


def test_forbidden_page_is_generic(failing_urls, client, world):
    client.force_login(world.users.sgs_staff)
    # Partner staff may see their enterprise but not edit its profile (access.md).
    response = client.get(f"/enterprises/{world.sgs_enterprise.pk}/edit/")
    assert response.status_code == 403
    assert "Not allowed" in response.content.decode()


def test_csrf_failure_page_is_generic(failing_urls, db):
    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "x"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "Form expired" in body and "CSRF_COOKIE" not in body


def test_api_docs_have_no_inline_script_or_style(client):
    page = client.get("/api/docs/").content.decode()
    assert "<script>" not in page and "<style>" not in page
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script.headers["Content-Type"].startswith("application/javascript")


def test_collectstatic_builds_the_production_manifest(tmp_path, settings):
    """The manifest storage of production (whitenoise's, without its compression here)
    finds every file the static files refer to, source maps included."""
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", verbosity=0)
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
    assert "portal/portal.js" in manifest["paths"]
    assert "vendor/chart.umd.min.js" in manifest["paths"]


def test_gunicorn_reads_the_projects_hooks():
    printed = subprocess.run(
        [str(Path(sys.executable).parent / "gunicorn"), "--print-config", "score_platform.wsgi"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "gunicorn.conf.py" in printed
    assert "<post_worker_init()>" in printed and "<post_request()>" in printed


def test_gunicorn_workers_freeze_what_they_loaded_and_what_their_first_requests_kept():
    import gc
    import runpy
    from types import SimpleNamespace

    hooks = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    worker = SimpleNamespace(nr=0)
    gc.unfreeze()
    try:
        hooks["post_worker_init"](worker)
        loaded = gc.get_freeze_count()
        assert loaded > 1000
        kept = [[] for _ in range(5000)]  # what early requests build and keep
        worker.nr = hooks["WARM_AFTER_REQUESTS"] - 1
        hooks["post_request"](worker, None, {}, None)
        assert gc.get_freeze_count() == loaded
        worker.nr = hooks["WARM_AFTER_REQUESTS"]
        hooks["post_request"](worker, None, {}, None)
        assert gc.get_freeze_count() >= loaded + len(kept)
    finally:
        gc.unfreeze()
