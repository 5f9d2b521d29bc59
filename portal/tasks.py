"""Thin Celery wrappers around the import services; they take ids and are safe to run twice
(the services claim the job with a conditional UPDATE)."""

from celery import shared_task

from portal import services


@shared_task(name="portal.check_import", bind=True, acks_late=True)
def check_import(self, job_id: int) -> None:
    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    services.import_job_check(job_id=job_id, take_over=redelivered)


@shared_task(name="portal.commit_import", bind=True, acks_late=True)
def commit_import(self, job_id: int) -> None:
    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    services.import_job_commit(job_id=job_id, take_over=redelivered)
