"""Celery tasks: thin wrappers around reports.aggregation.recompute.

All are safe to run twice (the statements write only differences), acknowledged late and
rejected when a worker dies (so a killed run is redelivered), and retried with capped
exponential backoff when the database is briefly unreachable. The broker's visibility
timeout (settings) stays above the longest hard time limit here plus any countdown.
"""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from reports.aggregation import recompute

RELIABLE = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 2,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(name="reports.recompute_enterprise", soft_time_limit=120, time_limit=150, **RELIABLE)
def recompute_enterprise(self, *enterprise_ids: int) -> None:
    """One enterprise, or a batch of them (a big import) in one set-based run."""
    recompute.recompute_enterprises(enterprise_ids, task_id=self.request.id or "")


@shared_task(name="reports.recompute_summaries", soft_time_limit=600, time_limit=660, **RELIABLE)
def recompute_summaries(self, full: bool = False) -> None:
    recompute.recompute_summaries(full=full, task_id=self.request.id or "")


@shared_task(name="reports.recompute_all", soft_time_limit=1800, time_limit=1920, **RELIABLE)
def recompute_all(self, history: bool = False, run_id: int | None = None) -> None:
    recompute.recompute_all(history=history, run_id=run_id, task_id=self.request.id or "")


@shared_task(name="reports.recompute_pending", soft_time_limit=600, time_limit=660, **RELIABLE)
def recompute_pending(self) -> None:
    recompute.recompute_pending()
