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


def remembered(name: str, owner: str, compute: Callable[[], T], *, filters=None) -> T:
    """``compute()``, or what it gave for the same owner, filters, day and data version."""
    seconds = settings.DASHBOARD_CACHE_SECONDS
    if seconds <= 0:
        return compute()
    digest = hashlib.sha1(repr(filters).encode(), usedforsecurity=False).hexdigest()[:16]
    key = (
        f"figures:{owner}:{name}:{timezone.localdate():%Y%m%d}:{get_language()}:"
        f"{figures_version()}:{digest}"
    )
    try:
        kept = cache.get(key)
    except Exception:  # noqa: BLE001 - any cache failure: count on the spot
        logger.warning("Cache unreachable: %s counted without it.", name, exc_info=True)
        return compute()
    if kept is not None:
        return kept
    value = compute()
    try:
        cache.set(key, value, seconds)
    except Exception:  # noqa: BLE001
        logger.warning("Cache unreachable: %s not kept.", name, exc_info=True)
    return value
