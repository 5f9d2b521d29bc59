"""Figures counted from the live tables, kept in the cache between views.

The home page's to-do lists and the dashboards' live panels (reporting compliance, overdue
work, data quality, cost, pipeline, trainers, the breakdowns of a filtered portfolio) count
over every enterprise in a scope: tens of thousands of rows for a large partner. They are
kept under a key that carries

- the id of the latest finished AggregationRun: every recorded change to an enterprise's
  KPIs, enrolments, attendance, visits or supplier links ends in a run within seconds
  (reports.services.results_stale), so a change is seen on the next view after its run;
- the day, since the reporting month and the overdue dates move with it, and the language
  the labels are in;
- the owner (a dashboard, or the scope of a to-do list) and the filters.

Entries also expire after DASHBOARD_CACHE_SECONDS, which bounds how long a change that no
run follows (an improvement project's status, say) takes to show; with 0 nothing is kept
(the tests, so query counts show the real work). When the cache cannot be reached the
figures are counted on the spot: a cache outage slows pages, it never breaks them.
"""

import hashlib
import logging
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import get_language

from reports.models import AggregationRun

logger = logging.getLogger(__name__)

T = TypeVar("T")


def figures_version() -> int:
    """The id of the latest finished aggregation run (0 before the first): one index read."""
    return (
        AggregationRun.objects.filter(finished_at__isnull=False)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
        or 0
    )


def _stamp() -> str:
    """What every kept entry's key carries: the day, the language, the data version."""
    return f"{timezone.localdate():%Y%m%d}:{get_language()}:{figures_version()}"


def _kept(key: str, compute: Callable[[], T], what: str) -> T:
    try:
        kept = cache.get(key)
    except Exception:  # noqa: BLE001 - any cache failure: count on the spot
        logger.warning("Cache unreachable: %s counted without it.", what, exc_info=True)
        return compute()
    if kept is not None:
        return kept
    value = compute()
    try:
        cache.set(key, value, settings.DASHBOARD_CACHE_SECONDS)
    except Exception:  # noqa: BLE001
        logger.warning("Cache unreachable: %s not kept.", what, exc_info=True)
    return value


def _digest(value) -> str:
    return hashlib.sha1(repr(value).encode(), usedforsecurity=False).hexdigest()[:16]


def remembered(name: str, owner: str, compute: Callable[[], T], *, filters=None) -> T:
    """``compute()``, or what it gave for the same owner, filters, day and data version."""
    if settings.DASHBOARD_CACHE_SECONDS <= 0:
        return compute()
    return _kept(f"figures:{owner}:{name}:{_stamp()}:{_digest(filters)}", compute, name)


def fragments_key(owner: str, request) -> str:
    """The key under which a dashboard's rendered sections are kept for this request: the
    owner (a dashboard, per kind of reader where they see different figures), the page's
    path and query (its filters; not the page number of a table left out of the kept
    sections), the day, the language and the data version. Empty when nothing is kept."""
    if settings.DASHBOARD_CACHE_SECONDS <= 0:
        return ""
    query = sorted((name, value) for name, value in request.GET.lists() if name != "page")
    return f"fragments:{owner}:{_digest((request.path, query))}:{_stamp()}"


def kept_fragment(key: str, name: str, render: Callable[[], str]) -> str:
    """A rendered section of a page under ``key`` (fragments_key), or ``render()``."""
    if not key:
        return render()
    return _kept(f"{key}:{name}", render, f"the {name} section")


def once(compute: Callable[[], T]) -> Callable[[], T]:
    """``compute`` run at most once, when first called: a page's figures handed to its
    template, which calls them only for the sections it does not find kept."""
    result = []

    def value() -> T:
        if not result:
            result.append(compute())
        return result[0]

    return value
