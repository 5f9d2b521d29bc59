"""The project's Celery app for fault tests, with a pause inside a full rebuild.

Started as ``celery -A tests.fault_worker_app worker``. With ``SCORE_FAULT_MARKER`` set,
the first full rebuild writes its KPI summaries, creates the marker file (so the test
knows the run is in the middle of its transaction) and sleeps
``SCORE_FAULT_PAUSE_SECONDS`` before it carries on; later runs do not pause.
"""

import os
import time
from pathlib import Path

from celery.signals import worker_ready

from score_platform.celery import app

__all__ = ["app"]


@worker_ready.connect
def _pause_inside_the_first_rebuild(**kwargs):
    marker = os.environ.get("SCORE_FAULT_MARKER")
    if not marker:
        return
    from reports.aggregation import recompute

    original = recompute._rebuild_summaries
    pause = float(os.environ.get("SCORE_FAULT_PAUSE_SECONDS", "120"))

    def paused(cursor, tally, **kwargs):
        original(cursor, tally, **kwargs)
        path = Path(marker)
        if not path.exists():
            path.write_text(str(os.getpid()))
            time.sleep(pause)

    recompute._rebuild_summaries = paused
