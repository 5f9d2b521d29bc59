"""Locust clients for the load run (bench/load.py starts it headless).

``BENCH_PLAN`` names the plan written by ``bench/inprocess.py plan``: entries with their
URLs and each persona's session cookie and API token. Every client picks an entry at
random (all entries equally often), then one of its URLs, waits ``BENCH_WAIT`` seconds
(a range; think time), and again. The run stops at ``--run-time`` or after
``BENCH_MAX_REQUESTS`` requests, whichever comes first.
"""

import json
import os
import random
from pathlib import Path

from locust import between, task
from locust.contrib.fasthttp import FastHttpUser

PLAN = json.loads(Path(os.environ["BENCH_PLAN"]).read_text())
MAX_REQUESTS = int(os.environ.get("BENCH_MAX_REQUESTS", "5000"))
WAIT_LOW, WAIT_HIGH = (float(part) for part in os.environ.get("BENCH_WAIT", "0.5,1.5").split(","))
_sent = {"count": 0}


def _headers(entry) -> dict:
    credentials = PLAN["credentials"][entry["persona"]]
    if entry["kind"] == "api":
        return {"Authorization": f"Token {credentials['token']}", "Accept": "application/json"}
    return {"Cookie": f"sessionid={credentials['session']}"}


ENTRIES = [(entry, _headers(entry)) for entry in PLAN["entries"]]


class Client(FastHttpUser):
    wait_time = between(WAIT_LOW, WAIT_HIGH)

    def on_start(self):
        self.random = random.Random()

    @task
    def one(self):
        entry, headers = self.random.choice(ENTRIES)
        url = self.random.choice(entry["urls"])
        with self.client.get(
            url, headers=headers, name=entry["name"], catch_response=True, allow_redirects=False
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
        _sent["count"] += 1
        if _sent["count"] >= MAX_REQUESTS:
            self.environment.runner.quit()
