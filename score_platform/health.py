"""``/health/`` for load balancers and monitoring (django-health-check).

Database and cache always; with a broker configured also the broker itself and a Celery
worker answering a ping on the default queue. Without a broker tasks run in-process, so
there is no broker or worker to check. 200 when everything answers, 500 otherwise;
``?format=json`` (or ``Accept: application/json``) for machines.
"""

import dataclasses
import datetime

from django.conf import settings
from health_check.base import HealthCheck
from health_check.contrib.celery import Ping
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView


@dataclasses.dataclass
class Broker(HealthCheck):
    """The Celery broker accepts a connection."""

    timeout = datetime.timedelta(seconds=3)

    def __repr__(self) -> str:
        return "Broker"

    def run(self) -> None:
        from score_platform.celery import app

        try:
            with app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, timeout=2)
        except Exception as error:
            raise ServiceUnavailable("The task broker is unreachable.") from error


@dataclasses.dataclass
class Worker(Ping):
    """At least one worker answers a ping and consumes the default queue."""

    def __repr__(self) -> str:
        return "Worker"

    def run(self) -> None:
        try:
            super().run()
        except ServiceUnavailable:
            raise
        except Exception as error:
            raise ServiceUnavailable("No Celery worker answers.") from error


class HealthView(HealthCheckView):
    template_name = "health_check/score.html"

    @property
    def checks(self):
        checks = ["health_check.checks.Database", "health_check.checks.Cache"]
        if settings.CELERY_BROKER_URL:
            checks += [Broker, (Worker, {"timeout": datetime.timedelta(seconds=2), "limit": 1})]
        return checks
