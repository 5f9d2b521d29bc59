"""A rebuild asked for by a person: ILO only, recorded at once, run by the worker, kept when the
broker is away and picked up by the safety net."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from reports.aggregation import recompute
from reports.models import AggregationRun
from reports.services import recompute_request


def test_ilo_request_is_recorded_and_run(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = recompute_request(actor=world.users.ilo_officer)
    run.refresh_from_db()
    assert run.kind == AggregationRun.Kind.FULL
    assert run.requested_by == world.users.ilo_officer
    # Celery runs eagerly in tests: the same row was taken over and finished.
    assert run.status == AggregationRun.Status.SUCCEEDED
    assert run.attempts == 1
    assert AggregationRun.objects.filter(kind=AggregationRun.Kind.FULL).count() == 1


@pytest.mark.parametrize("persona", ["sgs_manager", "sgs_staff", "inditex_viewer", "no_role"])
def test_others_may_not_request(world, persona):
    with pytest.raises(PermissionDenied):
        recompute_request(actor=getattr(world.users, persona))
    assert not AggregationRun.objects.exists()


def test_unreachable_broker_keeps_the_run_queued_until_the_safety_net(
    world, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    with (
        mock.patch("reports.tasks.recompute_all.apply_async", side_effect=OperationalError("down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        run = recompute_request(actor=world.users.ilo_admin)
    run.refresh_from_db()
    assert run.status == AggregationRun.Status.QUEUED
    assert "unreachable" in run.error

    AggregationRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(hours=1))
    recompute.recompute_pending()
    run.refresh_from_db()
    assert run.status == AggregationRun.Status.SUCCEEDED
    assert run.error == ""
