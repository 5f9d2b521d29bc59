"""Security events and login serialisation.

* Every failed login, every lockout and every refused authorization (401/403, and 404 of
  a routed page or API object: outside the caller's scope) goes to the ``score.security``
  logger with who (user or submitted username), from where (address), what (method,
  path, view, status) and when (the log record's time, plus an ISO timestamp).
* Login attempts for one username from one address run one at a time
  (``serialized_login``), so django-axes counts each failure before the next attempt is
  checked: a burst of parallel guesses gets no more than ``AXES_FAILURE_LIMIT`` tries.
"""

import contextlib
import hashlib
import logging
import threading
import time
import uuid

from axes.helpers import get_client_ip_address, get_cool_off, get_lockout_message
from axes.signals import user_locked_out
from django.contrib.auth import views as auth_views
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.dispatch import receiver
from django.http import HttpResponse, JsonResponse
from django.utils import timezone

security_log = logging.getLogger("score.security")

#: Longest one login attempt may hold its lock (password hashing plus a slow database).
LOGIN_LOCK_SECONDS = 30
#: How long a waiting attempt waits for the one ahead of it.
LOGIN_WAIT_SECONDS = 20

_local_locks: dict[str, threading.Lock] = {}
_local_locks_guard = threading.Lock()


def client_address(request) -> str:
    if request is None:
        return "-"
    request = getattr(request, "_request", request)
    return get_client_ip_address(request) or "-"


def _who(request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user={user.get_username()!r} user_id={user.pk}"
    return "user=anonymous"


#: What of a submitted username is recorded: axes' column holds 255 characters, the user
#: model's names 150; anything longer cannot be a real username.
USERNAME_RECORDED = 255


def axes_username(request, credentials) -> str:
    """AXES_USERNAME_CALLABLE: the submitted username, cut to what axes can store (an
    over-long username must fail as a wrong login, not as a database error)."""
    from django.conf import settings

    field = settings.AXES_USERNAME_FORM_FIELD
    source = credentials or getattr(request, "POST", {})
    username = source.get(field)
    return str(username)[:USERNAME_RECORDED] if username is not None else ""


def _now() -> str:
    return timezone.now().isoformat(timespec="seconds")


@receiver(user_login_failed, dispatch_uid="score_security_login_failed")
def log_failed_login(sender, credentials=None, request=None, **kwargs):
    username = str((credentials or {}).get("username", ""))[:USERNAME_RECORDED]
    security_log.warning(
        "login failed: username=%r address=%s path=%s at=%s",
        username,
        client_address(request),
        getattr(request, "path", "-"),
        _now(),
    )


@receiver(user_locked_out, dispatch_uid="score_security_locked_out")
def log_lockout(sender, request=None, username=None, ip_address=None, **kwargs):
    security_log.warning(
        "login locked out: username=%r address=%s path=%s at=%s",
        username or "",
        ip_address or client_address(request),
        getattr(request, "path", "-"),
        _now(),
    )


@receiver(user_logged_in, dispatch_uid="score_security_logged_in")
def log_login(sender, request=None, user=None, **kwargs):
    security_log.info(
        "login: user=%r user_id=%s address=%s at=%s",
        user.get_username() if user else "",
        getattr(user, "pk", "-"),
        client_address(request),
        _now(),
    )


def log_event(event: str, request=None, **details) -> None:
    """One security event of the application itself (a token revoked, say)."""
    extra = " ".join(f"{key}={value!r}" for key, value in details.items())
    security_log.warning(
        "%s: %s address=%s %s at=%s",
        event,
        _who(request) if request is not None else "user=-",
        client_address(request),
        extra,
        _now(),
    )


class SecurityLogMiddleware:
    """Log refused authorizations: 401 and 403 anywhere, 404 of a routed view (an object
    outside the caller's scope answers 404 so that its existence does not leak)."""

    REFUSED = {401, 403, 404}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code in self.REFUSED:
            match = getattr(request, "resolver_match", None)
            view = match.view_name if match else ""
            # A path no view answers is a typo or a scanner, not a refused authorization.
            if response.status_code != 404 or (match and not view.endswith("not-found")):
                security_log.warning(
                    "refused: status=%s %s address=%s method=%s path=%s view=%s at=%s",
                    response.status_code,
                    _who(request),
                    client_address(request),
                    request.method,
                    request.path,
                    view or "-",
                    _now(),
                )
        return response


def _lock_key(username: str, address: str) -> str:
    digest = hashlib.sha256(f"{username.strip().lower()}\0{address}".encode()).hexdigest()
    return f"login-attempt:{digest}"


@contextlib.contextmanager
def serialized_login(username: str, address: str):
    """Hold the (username, address) login lock while one attempt runs.

    The lock lives in the cache (Redis in production, so it holds across web processes);
    when the cache is unreachable, a process-local lock still orders this process's
    attempts and logging in keeps working.
    """
    key = _lock_key(username or "", address or "")
    token = uuid.uuid4().hex
    try:
        acquired = _acquire_cache_lock(key, token)
    except Exception:  # the cache is down: order this process's attempts only
        acquired = None
    if acquired is None:
        with _local_lock(key):
            yield
        return
    try:
        yield
    finally:
        if acquired:
            with contextlib.suppress(Exception):
                if cache.get(key) == token:
                    cache.delete(key)


def _acquire_cache_lock(key: str, token: str) -> bool:
    deadline = time.monotonic() + LOGIN_WAIT_SECONDS
    while not cache.add(key, token, timeout=LOGIN_LOCK_SECONDS):
        if time.monotonic() > deadline:
            # A holder that died keeps the key only LOGIN_LOCK_SECONDS; go ahead rather
            # than refuse the login outright.
            return False
        time.sleep(0.01)
    return True


@contextlib.contextmanager
def _local_lock(key: str):
    with _local_locks_guard:
        lock = _local_locks.setdefault(key, threading.Lock())
    with lock:
        yield


def username_of(request, field: str = "username") -> str:
    """The username a login request submits (form field or JSON body)."""
    value = request.POST.get(field) if hasattr(request, "POST") else None
    if value is None:
        data = getattr(request, "data", None)
        if isinstance(data, dict):
            value = data.get(field)
    return value if isinstance(value, str) else ""


class LoginView(auth_views.LoginView):
    """Django's login page, with one attempt at a time per username and address."""

    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        with serialized_login(username_of(request), client_address(request)):
            return super().post(request, *args, **kwargs)


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer to a locked-out attempt (``AXES_LOCKOUT_CALLABLE``).

    The API answers in its own documented shape, ``{"detail": "..."}`` as JSON with a
    ``Retry-After``; the login pages keep django-axes' plain message.
    """
    message = get_lockout_message()
    cool_off = get_cool_off(request)
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": str(message)}, status=429)
    else:
        response = HttpResponse(message, status=429)
    if cool_off:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
