import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "score_platform.settings")

app = Celery("score_platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="score_platform.ping", ignore_result=False)
def ping() -> str:
    """Answers 'pong'; used by health checks and the live-worker test."""
    return "pong"
