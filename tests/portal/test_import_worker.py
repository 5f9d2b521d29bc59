"""A big import checked and committed by a real Celery worker on Redis."""

import pytest
from django.urls import reverse

from portal import tasks
from portal.models import ImportJob
from reports.models import KpiMeasurement
from tests.live_worker import live_worker, wait_until
from tests.portal.conftest import csv_bytes, upload_file
from tests.portal.test_imports import ten_thousand_kpi_rows

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
]


def test_a_big_kpi_file_is_checked_and_imported_by_a_worker(
    catalogue, client, world, settings, monkeypatch
):
    settings.IMPORT_BACKGROUND_ROWS = 2_000
    rows = ten_thousand_kpi_rows(world)
    with live_worker(extra_env={"MEDIA_ROOT": str(settings.MEDIA_ROOT)}) as worker:
        for task in (tasks.check_import, tasks.commit_import):
            monkeypatch.setattr(
                task, "delay", lambda job_id, name=task.name: worker.send(name, args=[job_id])
            )
        client.force_login(world.users.sgs_staff)
        client.post(
            reverse("portal:import-create"),
            {"kind": "kpi_measurements", "file": upload_file("kpis.csv", csv_bytes(rows))},
        )
        job = ImportJob.objects.get()
        page = client.get(reverse("portal:import-detail", args=[job.pk]))
        assert b'id="import-progress"' in page.content  # the page polls while it waits

        def status():
            job.refresh_from_db()
            return job.status if job.status not in ("pending", "checking") else None

        try:
            assert wait_until(status, timeout=120) == "ready"
            client.post(reverse("portal:import-commit", args=[job.pk]))
            assert wait_until(lambda: job.refresh_from_db() or job.status == "done", timeout=120)
        except AssertionError:
            print(worker.log())
            raise
    assert KpiMeasurement.objects.count() == 10_000
    finished = client.get(reverse("portal:import-progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert finished["HX-Refresh"] == "true"
