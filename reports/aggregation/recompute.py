"""Recomputing the reports tables: the services behind the Celery tasks, the management
command and the recompute button. Every run leaves an AggregationRun.

The incremental path has two stages, both fed by outbox rows written in the transaction of
the change (``reports.services.results_stale``):

1. :func:`recompute_enterprises` recomputes the enterprises' results and group memberships,
   and marks the groups whose figures may have moved (before and after the change);
2. :func:`recompute_summaries` recomputes those groups' KPI summaries, then their reach.

:func:`recompute_all` rebuilds everything; :func:`recompute_pending` runs what a lost
broker message left behind. Runs of stage 2 and full rebuilds exclude each other (and stage
1) with a PostgreSQL advisory lock, so two never interleave their writes.
"""

import logging
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from reports.aggregation import statements
from reports.models import (
    HISTORY_MONTHS,
    HISTORY_SCOPES,
    AggregationRun,
    PendingEnterpriseRecompute,
    PendingSummaryRecompute,
)

logger = logging.getLogger(__name__)

# pg_advisory_xact_lock key shared by every aggregation writer ("SCORE" in ASCII).
LOCK_KEY = 0x53434F5245
FRESH_RESULTS = "fresh_kpi_result"
FRESH_MEMBERS = "fresh_scope_member"
FRESH_SUMMARIES = "fresh_kpi_summary"
FRESH_REACH = "fresh_reach_summary"
HISTORY_RESULTS = "history_kpi_result"
HISTORY_SUMMARIES = "history_kpi_summary"
# Enterprises per stage-1 run when the safety net drains the outbox.
DRAIN_BATCH = 500

Progress = Callable[[str, int, int], None]


def _no_progress(step: str, done: int, total: int) -> None:
    return None


def current_month() -> date:
    return timezone.localdate().replace(day=1)


def months_before(month: date, count: int) -> list[date]:
    """The ``count`` months before ``month``, oldest first."""
    months = []
    year, number = month.year, month.month
    for _ in range(count):
        year, number = (year - 1, 12) if number == 1 else (year, number - 1)
        months.append(date(year, number, 1))
    return months[::-1]


def oldest_history_month(month: date) -> date:
    return months_before(month, HISTORY_MONTHS - 1)[0]


@dataclass
class Tally:
    """Rows read and written by the steps of a run (an AggregationRun has the same two)."""

    rows_read: int = 0
    rows_written: int = 0


@contextmanager
def _recorded(
    kind: str,
    *,
    scope: str = "",
    with_history: bool = False,
    run_id: int | None = None,
    task_id: str = "",
):
    """Record a run as it starts (visible at once), then its outcome, figures and error.

    Yields the run; the steps add to its ``rows_read`` and ``rows_written``. A redelivered
    or retried task finds its run by task id and counts another attempt.
    """
    run = None
    if run_id is not None:
        run = AggregationRun.objects.filter(pk=run_id).first()
    elif task_id:
        run = AggregationRun.objects.filter(task_id=task_id).first()
    if run is None:
        run = AggregationRun(kind=kind, scope=scope, with_history=with_history)
    run.status = AggregationRun.Status.RUNNING
    run.task_id = task_id or run.task_id
    run.started_at = timezone.now()
    run.finished_at = None
    run.attempts += 1
    run.rows_read = run.rows_written = 0
    run.error = ""
    run.save()
    clock = time.perf_counter()
    try:
        yield run
    except BaseException as error:
        run.status = AggregationRun.Status.FAILED
        run.error = "".join(traceback.format_exception_only(type(error), error)).strip()
        raise
    else:
        run.status = AggregationRun.Status.SUCCEEDED
    finally:
        run.finished_at = timezone.now()
        run.duration_seconds = time.perf_counter() - clock
        run.save()


def _lock(cursor, *, exclusive: bool) -> None:
    """Serialise the aggregation writers (SQLite serialises every writer already)."""
    if connection.vendor != "postgresql":
        return
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    cursor.execute(f"SELECT {function}(%s)", [LOCK_KEY])


def _tune(cursor) -> None:
    """Settings of this transaction only: room in memory for the big sorts and hashes; no
    parallel workers and no JIT. The rebuild already keeps both cores busy with its own two
    connections, and at profile L a parallel plan of the results statement took 7.4 s where
    one process took 3.2 s: three processes shared two cores, then merged 800,000 groups
    again, and JIT compilation added its own time."""
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT set_config('work_mem', %s, true), "
            "set_config('max_parallel_workers_per_gather', '0', true), "
            "set_config('jit', 'off', true)",
            [settings.KPI_AGGREGATION_WORK_MEM],
        )


# --- stage 1: enterprises -------------------------------------------------------------


def recompute_enterprises(enterprise_ids: Iterable[int], *, task_id: str = "") -> AggregationRun:
    """Recompute the results and memberships of these enterprises, and mark their groups.

    Claims the enterprises' outbox rows. Without one (a manual or repeated call) it
    recomputes their results and memberships, which changes nothing when nothing changed;
    reach is then refreshed only where a membership moved.
    """
    ids = sorted({int(enterprise_id) for enterprise_id in enterprise_ids})
    scope = f"enterprise {ids[0]}" if len(ids) == 1 else f"{len(ids)} enterprises"
    with _recorded(AggregationRun.Kind.ENTERPRISE, scope=scope, task_id=task_id) as run:
        _recompute_enterprises(ids, run)
    return run


def _recompute_enterprises(ids: Sequence[int], run: AggregationRun) -> None:
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        _lock(cursor, exclusive=False)
        claimed = {
            row["enterprise_id"]: row
            for row in PendingEnterpriseRecompute.objects.select_for_update()
            .filter(enterprise_id__in=ids)
            .values("enterprise_id", "kpis", "reach")
        }
        PendingEnterpriseRecompute.objects.filter(enterprise_id__in=list(claimed)).delete()
        kpi_ids = [i for i in ids if i not in claimed or claimed[i]["kpis"]]
        reach_requested = any(row["reach"] for row in claimed.values())

        before = statements.groups_of(cursor, ids)
        changed_indicators: set[int] = set()
        if kpi_ids:
            run.rows_read += statements.build_results(
                cursor, as_of=current_month(), enterprises=kpi_ids, into=FRESH_RESULTS
            )
            run.rows_written += statements.merge_results(
                cursor,
                fresh=FRESH_RESULTS,
                enterprises=kpi_ids,
                now=now,
                changed_indicators=changed_indicators,
            )
        run.rows_read += statements.build_members(cursor, enterprise_ids=ids, into=FRESH_MEMBERS)
        members_written = statements.merge_members(cursor, fresh=FRESH_MEMBERS, enterprise_ids=ids)
        statements.drop(cursor, FRESH_RESULTS, FRESH_MEMBERS)
        run.rows_written += members_written

        groups = sorted(before | statements.groups_of(cursor, ids))
        if not groups:
            return
        if members_written:
            # Someone joined or left a group: all its figures may move.
            mark_groups_stale(groups, indicators=None, reach=True)
        elif changed_indicators or reach_requested:
            mark_groups_stale(groups, indicators=changed_indicators, reach=reach_requested)


def mark_groups_stale(
    group_ids: Sequence[int], *, indicators: Iterable[int] | None, reach: bool
) -> None:
    """Add the groups to the summaries outbox, for these indicators' KPI summaries (None:
    all of them) and for their reach; schedule a run when a new row appears.

    While a group's row exists a run is on its way, so a burst adds nothing to the queue.
    Rows are written in key order so concurrent writers never wait on each other in a cycle.
    """
    every = PendingSummaryRecompute.EVERY_INDICATOR
    wanted: dict[tuple[int, int], tuple[bool, bool]] = {}
    for group_id in sorted(set(group_ids)):
        if indicators is None or reach:
            wanted[(group_id, every)] = (indicators is None, reach)
        for indicator_id in sorted(set(indicators or ())):
            wanted[(group_id, indicator_id)] = (True, False)
    if not wanted:
        return
    now = timezone.now()
    table = PendingSummaryRecompute._meta.db_table
    keys = sorted(wanted)
    with transaction.atomic(), connection.cursor() as cursor:
        rows = ", ".join(["(%s, %s, %s, %s, %s)"] * len(keys))
        params = [value for key in keys for value in (*key, *wanted[key], now)]
        cursor.execute(
            f"INSERT INTO {table} (group_id, indicator_id, kpis, reach, requested_at) "
            f"VALUES {rows} ON CONFLICT (group_id, indicator_id) DO NOTHING "
            "RETURNING group_id, indicator_id",
            params,
        )
        created = {tuple(row) for row in cursor.fetchall()}
        for key in keys:
            if key in created:
                continue
            kpis, reach_wanted = wanted[key]
            pending = PendingSummaryRecompute.objects.filter(group_id=key[0], indicator_id=key[1])
            if kpis:
                pending.filter(kpis=False).update(kpis=True)
            if reach_wanted:
                pending.filter(reach=False).update(reach=True)
    if created:
        transaction.on_commit(schedule_summaries)


def schedule_summaries() -> None:
    from reports.tasks import recompute_summaries

    enqueue(recompute_summaries, countdown=settings.KPI_SUMMARIES_DELAY_SECONDS)


def enqueue(task, *, args: Sequence = (), kwargs: dict | None = None, countdown: float = 0):
    """Send a task; when the broker is unreachable the outbox keeps the request and the
    periodic :func:`recompute_pending` runs it, so the change that asked never fails."""
    from kombu.exceptions import OperationalError as BrokerError

    try:
        return task.apply_async(
            args=list(args),
            kwargs=kwargs or {},
            countdown=countdown or None,
            queue=settings.CELERY_TASK_DEFAULT_QUEUE,
            retry=False,
        )
    except BrokerError:
        logger.warning("Broker unreachable: %s stays in the outbox until it returns.", task.name)
        return None


# --- stage 2: summaries ---------------------------------------------------------------


def recompute_summaries(*, full: bool = False, task_id: str = "") -> AggregationRun | None:
    """Recompute the KPI summaries, then the reach, of the groups waiting in the outbox
    (``full``: of every group), for the current month. Nothing waiting: no run."""
    if not full and not PendingSummaryRecompute.objects.exists():
        return None
    scope = "all groups" if full else "changed groups"
    with _recorded(AggregationRun.Kind.SUMMARIES, scope=scope, task_id=task_id) as run:
        _summaries_step(run, kind="kpis", full=full)
        _summaries_step(run, kind="reach", full=full)
    # Requests that arrived while this run held its claims get a run of their own.
    if PendingSummaryRecompute.objects.exists():
        transaction.on_commit(schedule_summaries)
    return run


def _claim_kpi_summaries(*, full: bool) -> statements.Selection | None:
    """Take the outbox's KPI requests; None means every group and indicator."""
    wanted = PendingSummaryRecompute.objects.select_for_update().filter(kpis=True)
    rows = list(wanted.values_list("pk", "group_id", "indicator_id"))
    PendingSummaryRecompute.objects.filter(pk__in=[row[0] for row in rows]).update(kpis=False)
    PendingSummaryRecompute.objects.filter(kpis=False, reach=False).delete()
    if full:
        return None
    every = PendingSummaryRecompute.EVERY_INDICATOR
    whole = {group for _, group, indicator in rows if indicator == every}
    narrowed = [(group, indicator) for _, group, indicator in rows if indicator != every]
    # One change touches one indicator in every group of its enterprise, so groups × indicators
    # is what was asked; a wider product only recomputes a few summaries that did not move.
    return statements.Selection(
        all_indicators=tuple(sorted(whole)),
        groups=tuple(sorted({group for group, _ in narrowed} - whole)),
        indicators=tuple(sorted({indicator for _, indicator in narrowed})),
    )


def _claim_reach(*, full: bool) -> list[int] | None:
    """Take the outbox's reach requests; None means every group."""
    wanted = PendingSummaryRecompute.objects.select_for_update().filter(reach=True)
    rows = list(wanted.values_list("pk", "group_id"))
    PendingSummaryRecompute.objects.filter(pk__in=[row[0] for row in rows]).update(reach=False)
    PendingSummaryRecompute.objects.filter(kpis=False, reach=False).delete()
    return None if full else sorted({group for _, group in rows})


def _summaries_step(run: AggregationRun, *, kind: str, full: bool) -> None:
    """One transaction per kind: fresh KPI summaries are visible before the reach is done."""
    month = current_month()
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        _lock(cursor, exclusive=True)
        _tune(cursor)
        if kind == "kpis":
            selection = _claim_kpi_summaries(full=full)
            if selection is None or selection:
                _write_current_summaries(cursor, run, month=month, selection=selection, now=now)
        else:
            groups = _claim_reach(full=full)
            if groups is None or groups:
                _write_current_reach(cursor, run, month=month, groups=groups, now=now)


def _write_current_summaries(cursor, run: AggregationRun | Tally, *, month, selection, now) -> None:
    run.rows_read += statements.build_summaries(
        cursor, as_of=month, selection=selection, into=FRESH_SUMMARIES
    )
    run.rows_written += statements.merge_summaries(
        cursor, fresh=FRESH_SUMMARIES, months=[month], selection=selection, now=now
    )
    run.rows_written += statements.prune_months(
        cursor,
        table=statements.SUMMARIES,
        current=month,
        oldest_kept=oldest_history_month(month),
        history_scopes=HISTORY_SCOPES,
        selection=selection,
    )
    statements.drop(cursor, FRESH_SUMMARIES)


def _write_current_reach(cursor, run: AggregationRun | Tally, *, month, groups, now) -> None:
    run.rows_read += statements.build_reach(cursor, as_of=month, group_ids=groups, into=FRESH_REACH)
    run.rows_written += statements.merge_reach(
        cursor, fresh=FRESH_REACH, month=month, group_ids=groups, now=now
    )
    # Reach keeps no trend: only the current month.
    run.rows_written += statements.prune_months(
        cursor,
        table=statements.REACH,
        current=month,
        oldest_kept=month,
        history_scopes=(),
        selection=statements.selection_of_groups(groups),
    )
    statements.drop(cursor, FRESH_REACH)


# --- full rebuild ---------------------------------------------------------------------


def recompute_all(
    *,
    history: bool = False,
    run_id: int | None = None,
    task_id: str = "",
    progress: Progress = _no_progress,
) -> AggregationRun:
    """Rebuild every computed table for the current month; with ``history`` then also the
    programme and country summaries of the 23 months before."""
    scope = "everything, with 24 months of history" if history else "everything"
    with _recorded(
        AggregationRun.Kind.FULL,
        scope=scope,
        with_history=history,
        run_id=run_id,
        task_id=task_id,
    ) as run:
        _rebuild_current(run, progress)
        if history:
            _rebuild_history(run, progress)
    return run


FULL_STEPS = ("members", "results", "summaries", "reach")
# The parallel rebuild's first branch builds this share of the results, then the reach; the
# second the memberships, the rest of the results, then the KPI summaries. At profile L the
# reach takes about half a second longer than the memberships and summaries together.
FIRST_BRANCH_RESULTS_PERCENT = 46


class _Steps:
    """Reports finished steps to a progress callback, from any thread."""

    def __init__(self, progress: Progress, *, total: int) -> None:
        self.progress = progress
        self.done = 0
        self.total = total
        self.lock = threading.Lock()
        progress("starting", 0, total)

    def finished(self, step: str) -> None:
        with self.lock:
            self.done += 1
            self.progress(step, self.done, self.total)


def _rebuild_current(run: AggregationRun, progress: Progress) -> None:
    """Members, KPI results, KPI summaries and reach for the current month.

    On PostgreSQL outside an enclosing transaction the work runs on two connections at
    once while a session lock keeps every other aggregation writer out, split so each
    connection does about half of it:

    - one rebuilds the results of the first half of the enterprises (by id), then, once
      the members are committed, the reach;
    - the other rebuilds the members, then the results of the second half, then, once the
      first half is committed, the KPI summaries from the whole results table.

    Each step commits whole: a reader sees every enterprise's result as it was or as it is
    now, as it does while incremental runs go on, and never a missing or partial row.
    Elsewhere everything runs in one transaction.
    """
    month, now = current_month(), timezone.now()
    if not _may_rebuild_in_parallel():
        steps = _Steps(progress, total=len(FULL_STEPS))
        with transaction.atomic(), connection.cursor() as cursor:
            _lock(cursor, exclusive=True)
            _tune(cursor)
            _rebuild_members(cursor, run, steps=steps)
            _rebuild_results(cursor, run, month=month, now=now, steps=steps)
            _rebuild_summaries(cursor, run, month=month, now=now, steps=steps)
            _rebuild_reach(cursor, run, month=month, now=now, steps=steps)
        return
    steps = _Steps(progress, total=len(FULL_STEPS) + 1)
    members_done, first_half_done = _Milestone("memberships"), _Milestone("first results")

    def first_half_then_reach(halves) -> Tally:
        tally = Tally()
        with first_half_done:
            _in_own_transaction(
                partial(_rebuild_results, month=month, now=now, steps=steps, part=halves[0]),
                tally,
            )
        members_done.wait()
        return _in_own_transaction(
            partial(_rebuild_reach, month=month, now=now, steps=steps), tally
        )

    def members_second_half_then_summaries(halves) -> Tally:
        tally = Tally()
        with members_done:
            _in_own_transaction(partial(_rebuild_members, steps=steps), tally)
        _in_own_transaction(
            partial(_rebuild_results, month=month, now=now, steps=steps, part=halves[1]),
            tally,
        )
        first_half_done.wait()
        return _in_own_transaction(
            partial(_rebuild_summaries, month=month, now=now, steps=steps), tally
        )

    with _session_lock(), ThreadPoolExecutor(2, thread_name_prefix="recompute") as pool:
        with connection.cursor() as cursor:
            halves = statements.enterprise_halves(cursor, FIRST_BRANCH_RESULTS_PERCENT)
        branches = [
            pool.submit(_closing_connection, first_half_then_reach, halves),
            pool.submit(_closing_connection, members_second_half_then_summaries, halves),
        ]
        for branch in branches:
            tally = branch.result()
            run.rows_read += tally.rows_read
            run.rows_written += tally.rows_written


class _Milestone:
    """A step one branch of the parallel rebuild waits for: ``with milestone:`` around the
    step marks it reached (or failed, which fails the waiting branch too)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.event = threading.Event()
        self.failed = False

    def __enter__(self):
        return self

    def __exit__(self, kind, error, trace) -> None:
        self.failed = kind is not None
        self.event.set()

    def wait(self) -> None:
        self.event.wait()
        if self.failed:
            raise RuntimeError(f"The {self.name} could not be rebuilt; see the other error.")


def _may_rebuild_in_parallel() -> bool:
    return (
        connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and settings.KPI_PARALLEL_REBUILD
    )


@contextmanager
def _session_lock():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])


def _closing_connection(function, *args):
    """Run in a worker thread, then close the thread's own database connection."""
    try:
        return function(*args)
    finally:
        connection.close()


def _in_own_transaction(branch, tally: Tally | None = None) -> Tally:
    tally = tally or Tally()
    with transaction.atomic(), connection.cursor() as cursor:
        _tune(cursor)
        branch(cursor, tally)
    return tally


def _claim_everything() -> None:
    """Every request made so far is covered by the rebuild."""
    PendingEnterpriseRecompute.objects.all().delete()
    PendingSummaryRecompute.objects.all().delete()


def _rebuild_members(cursor, tally, *, steps: _Steps) -> None:
    """Every group's members; the rebuild's first step, so it covers every request so far."""
    _claim_everything()
    tally.rows_read += statements.build_members(cursor, into=FRESH_MEMBERS)
    tally.rows_written += statements.merge_members(cursor, fresh=FRESH_MEMBERS)
    statements.drop(cursor, FRESH_MEMBERS)
    statements.analyze(cursor, statements.MEMBERS)
    steps.finished("members")


def _rebuild_results(
    cursor, tally, *, month: date, now, steps: _Steps, part: statements.IdRange | None = None
) -> None:
    """The results of every enterprise, or of a range of them (``part``)."""
    tally.rows_read += statements.build_results(
        cursor, as_of=month, enterprises=part, into=FRESH_RESULTS
    )
    tally.rows_written += statements.merge_results(
        cursor, fresh=FRESH_RESULTS, enterprises=part, now=now
    )
    statements.drop(cursor, FRESH_RESULTS)
    if part is None or part.stop is None:  # the whole table, or its last part
        statements.analyze(cursor, statements.RESULTS)
    steps.finished("results" if part is None else "results, part")


def _rebuild_summaries(cursor, tally, *, month: date, now, steps: _Steps) -> None:
    _write_current_summaries(cursor, tally, month=month, selection=None, now=now)
    steps.finished("summaries")


def _rebuild_reach(cursor, tally, *, month: date, now, steps: _Steps) -> None:
    _write_current_reach(cursor, tally, month=month, groups=None, now=now)
    steps.finished("reach")


def _rebuild_history(run: AggregationRun, progress: Progress) -> None:
    """The trend: each past month's summaries from the measurements of periods up to it."""
    months = months_before(current_month(), HISTORY_MONTHS - 1)
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        _lock(cursor, exclusive=True)
        _tune(cursor)
        for position, month in enumerate(months):
            progress(f"history {month:%Y-%m}", position, len(months))
            run.rows_read += statements.build_results(cursor, as_of=month, into=HISTORY_RESULTS)
            statements.build_summaries(
                cursor,
                results=HISTORY_RESULTS,
                as_of=month,
                scopes=HISTORY_SCOPES,
                into=HISTORY_SUMMARIES,
                append=position > 0,
            )
        run.rows_written += statements.merge_summaries(
            cursor, fresh=HISTORY_SUMMARIES, months=months, scopes=HISTORY_SCOPES, now=now
        )
        statements.drop(cursor, HISTORY_RESULTS, HISTORY_SUMMARIES)
        progress("history done", len(months), len(months))


# --- safety net -----------------------------------------------------------------------


def recompute_pending(*, grace: timedelta | None = None) -> int:
    """Run the outbox requests older than ``grace`` (settings.KPI_PENDING_GRACE_SECONDS:
    their own task had that long to arrive; it was lost, or the broker was down when they
    were made). Returns the enterprises recomputed."""
    if grace is None:
        grace = timedelta(seconds=settings.KPI_PENDING_GRACE_SECONDS)
    cutoff = timezone.now() - grace
    ids = list(
        PendingEnterpriseRecompute.objects.filter(requested_at__lte=cutoff)
        .order_by("enterprise_id")
        .values_list("enterprise_id", flat=True)
    )
    for start in range(0, len(ids), DRAIN_BATCH):
        recompute_enterprises(ids[start : start + DRAIN_BATCH])
    if PendingSummaryRecompute.objects.filter(requested_at__lte=cutoff).exists() or ids:
        recompute_summaries()
    stranded = AggregationRun.objects.filter(
        kind=AggregationRun.Kind.FULL,
        status=AggregationRun.Status.QUEUED,
        created_at__lte=cutoff,
    ).order_by("pk")
    for run in list(stranded[:1]):
        recompute_all(history=run.with_history, run_id=run.pk)
    return len(ids)
