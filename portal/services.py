"""Spreadsheet imports: upload, check (a dry run), commit (the same run, kept).

The check runs every row through the apps' services inside a transaction that is rolled
back, so the preview's row errors are exactly what the commit would meet; the commit runs
it again and keeps it, or, if anything fails, keeps nothing. Files with more rows than
``IMPORT_BACKGROUND_ROWS`` are checked and committed by a Celery worker.
"""

import hashlib
import logging
import time
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.access import principal_of
from partners.selectors import partners_served_by
from portal.imports.kinds import ImportContext, ParsedRow, Problem, import_kind
from portal.imports.reading import ImportFileError, open_table
from portal.models import ImportJob
from portal.permissions import can_import, can_run_import
from score_platform.permissions import require

logger = logging.getLogger(__name__)

ERRORS_KEPT = 1000
PREVIEW_ROWS = 20
PROGRESS_EVERY = 1000


def progress_key(job_id: int) -> str:
    return f"import-job-progress:{job_id}"


def import_progress(job_id: int) -> dict:
    """How far a running check or import is: rows done, rows in all, and the phase.

    Progress is a courtesy: with the cache unreachable the bar shows nothing yet, and the
    page and the import carry on.
    """
    try:
        return cache.get(progress_key(job_id)) or {"done": 0, "total": 0, "phase": ""}
    except Exception:  # the cache backend's connection errors vary
        return {"done": 0, "total": 0, "phase": ""}


def _report(job_id: int, phase: str, done: int, total: int) -> None:
    # The cache, not the job row: the row is inside the import's transaction until commit.
    with suppress(Exception):  # an unreachable cache must not fail the import
        cache.set(progress_key(job_id), {"done": done, "total": total, "phase": phase}, 3600)


# --- upload -----------------------------------------------------------------------------


@transaction.atomic
def import_job_upload(*, actor, kind: str, upload, organisation=None) -> ImportJob:
    """Store an uploaded file after checking its size, type and header row; the row-by-row
    check starts once the upload is committed (in a worker for a big file)."""
    require(can_import(actor, kind), _("You may not import this kind of data."))
    principal = principal_of(actor)
    if principal.is_partner:
        organisation = partners_served_by(actor).get()
    elif kind == ImportJob.Kind.ENTERPRISES and organisation is None:
        raise ValidationError({"organisation": [_("Choose the partner that serves them.")]})
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if not upload.size:
        raise ValidationError({"file": [_("The file is empty.")]})
    if upload.size > limit:
        raise ValidationError(
            {
                "file": [
                    _("The file is larger than %(limit)s MB; split it into smaller files.")
                    % {"limit": limit // (1024 * 1024)}
                ]
            }
        )
    try:
        table = open_table(upload, upload.name)
        import_kind(kind).check_headers(table.headers)
    except ImportFileError as error:
        raise ValidationError({"file": [str(error)]}) from error
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    job = ImportJob(
        kind=kind,
        original_name=upload.name[:255],
        file_format=table.file_format,
        file_size=upload.size,
        sha256=digest.hexdigest(),
        organisation=organisation,
        created_by=actor,
        # An estimate until the check has read every row; it decides where the check runs.
        total_rows=table.estimated_rows or 0,
    )
    job.file.save(upload.name, upload, save=False)
    job.save()
    transaction.on_commit(partial(_start, job.pk, "check"))
    return job


def _runs_in_background(job: ImportJob) -> bool:
    return job.total_rows > settings.IMPORT_BACKGROUND_ROWS


def _start(job_id: int, step: str) -> None:
    from portal import tasks

    job = ImportJob.objects.get(pk=job_id)
    if _runs_in_background(job):
        task = tasks.check_import if step == "check" else tasks.commit_import
        task.delay(job_id)
    elif step == "check":
        import_job_check(job_id=job_id)
    else:
        import_job_commit(job_id=job_id)


# --- check and commit ---------------------------------------------------------------------


def _claim(job_id: int, *, waiting: str, running: str, take_over: bool = False) -> bool:
    """Move the job from waiting to running, once: a second delivery of the task finds it
    running and leaves it, unless the worker that ran it was lost (``take_over``) or it
    has been running longer than any task may."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    running_again = Q(status=running) if take_over else Q(status=running, started_at__lt=stale)
    return (
        ImportJob.objects.filter(pk=job_id)
        .filter(Q(status=waiting) | running_again)
        .update(status=running, started_at=now, updated_at=now)
        == 1
    )


def import_job_check(*, job_id: int, take_over: bool = False) -> None:
    """Read every row and run it through the services, then roll everything back."""
    if not _claim(
        job_id,
        waiting=ImportJob.Status.PENDING,
        running=ImportJob.Status.CHECKING,
        take_over=take_over,
    ):
        return
    job = ImportJob.objects.select_related("created_by", "organisation").get(pk=job_id)
    started = time.monotonic()
    outcome = _run_safely(job, commit=False)
    job.check_seconds = time.monotonic() - started
    job.checked_at = timezone.now()
    job.status = ImportJob.Status.READY if outcome else ImportJob.Status.INVALID
    job.save()


@transaction.atomic
def import_job_request_commit(*, actor, job: ImportJob) -> None:
    """Ask for a checked import to be saved (at once, or by a worker for a big file)."""
    require(can_run_import(actor, job), _("You may not run this import."))
    queued = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.READY).update(
        status=ImportJob.Status.QUEUED, updated_at=timezone.now()
    )
    if not queued:
        raise ValidationError(_("This import is not waiting to be imported."))
    transaction.on_commit(partial(_start, job.pk, "commit"))


def import_job_commit(*, job_id: int, take_over: bool = False) -> None:
    """Run every row through the services and keep the result, or keep nothing at all."""
    if not _claim(
        job_id,
        waiting=ImportJob.Status.QUEUED,
        running=ImportJob.Status.IMPORTING,
        take_over=take_over,
    ):
        return
    job = ImportJob.objects.select_related("created_by", "organisation").get(pk=job_id)
    started = time.monotonic()
    outcome = _run_safely(job, commit=True)
    job.import_seconds = time.monotonic() - started
    job.finished_at = timezone.now()
    if outcome:
        job.status = ImportJob.Status.DONE
    else:
        job.status = ImportJob.Status.FAILED
        if not job.message:
            job.message = _(
                "The data changed since the check and some rows no longer pass; nothing was "
                "imported. Upload the file again to see why."
            )
    job.save()


def _run_safely(job: ImportJob, *, commit: bool) -> bool:
    """Run the job; record counts, problems and preview on it. True when nothing failed."""
    job.message = ""
    try:
        run = _run(job, commit=commit)
    except ImportFileError as error:
        job.message = str(error)
        job.errors, job.error_count = [], 0
        return False
    except Exception:
        logger.exception("Import %s failed", job.pk)
        job.message = _("The import stopped on an unexpected error; nothing was imported.")
        return False
    finally:
        with suppress(Exception):  # the progress entry expires by itself
            cache.delete(progress_key(job.pk))
    problems = sorted(run.problems, key=lambda problem: (problem.row, problem.column))
    job.total_rows = run.rows_read
    job.error_count = len(problems)
    job.errors = [problem.as_dict() for problem in problems[:ERRORS_KEPT]]
    values = list(run.actions.values())
    job.created_count = values.count("created")
    job.updated_count = values.count("updated")
    job.unchanged_count = values.count("unchanged")
    refused = {problem.row for problem in problems}
    job.preview = {
        "columns": run.headers,
        "rows": [
            {
                "row": row,
                # A row with no problem of its own in a refused file was rolled back too.
                "action": "problem" if row in refused else run.actions.get(row, "ok"),
                "cells": cells,
            }
            for row, cells in run.first_rows
        ],
    }
    return not problems


@dataclass
class RunOutcome:
    rows_read: int
    headers: list[str]
    first_rows: list[tuple[int, list[str]]]
    parsed: list[ParsedRow]
    actions: dict[int, str]
    problems: list[Problem]


def _run(job: ImportJob, *, commit: bool) -> RunOutcome:
    kind = import_kind(job.kind)
    context = ImportContext(actor=job.created_by, organisation=job.organisation)
    phase = "saving" if commit else "checking"
    with job.file.open("rb") as handle:
        table = open_table(handle, job.original_name)
        kind.check_headers(table.headers)
        estimated = table.estimated_rows or 0
        parsed: list[ParsedRow] = []
        problems: list[Problem] = []
        first_rows: list[tuple[int, list[str]]] = []
        number = 0
        for number, (row, cells) in enumerate(table.rows, start=1):
            if number > settings.IMPORT_MAX_ROWS:
                raise ImportFileError(
                    _("The file has more than %(limit)s rows; split it.")
                    % {"limit": settings.IMPORT_MAX_ROWS}
                )
            by_column = {
                header: (cells[index] if index < len(cells) else "")
                for index, header in enumerate(table.headers)
                if header
            }
            values, row_problems = kind.parse(row, by_column)
            problems += row_problems
            if not row_problems:
                parsed.append(ParsedRow(row=row, values=values))
            if len(first_rows) < PREVIEW_ROWS:
                first_rows.append((row, [_shown(cell) for cell in cells]))
            if number % PROGRESS_EVERY == 0:
                _report(job.pk, "reading", number, max(estimated, number))
    if not parsed and not problems:
        raise ImportFileError(_("The file has a header row but no data rows."))
    problems += kind.prepare(context, parsed)
    refused = {problem.row for problem in problems}
    runnable = [row for row in parsed if row.row not in refused]
    total = len(runnable)
    _report(job.pk, phase, 0, total)
    with transaction.atomic():
        result = kind.run(context, runnable, partial(_report, job.pk, phase))
        problems += result.problems
        if problems or not commit:
            transaction.set_rollback(True)
    return RunOutcome(
        rows_read=number,
        headers=table.headers,
        first_rows=first_rows,
        parsed=parsed,
        actions=result.actions,
        problems=problems,
    )


def _shown(cell) -> str:
    """A cell as the preview shows it."""
    if cell is None:
        return ""
    if hasattr(cell, "isoformat"):
        return cell.isoformat()
    return str(cell)
