import pytest

from tests.live_worker import live_worker

pytestmark = pytest.mark.services


def test_a_real_worker_on_redis_runs_a_task_to_the_end(transactional_db):
    with live_worker() as worker:
        result = worker.send("score_platform.ping")
        try:
            assert result.get(timeout=60) == "pong"
        except Exception:
            print(worker.log())
            raise
