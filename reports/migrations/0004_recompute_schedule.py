"""The recompute schedule, as django-celery-beat rows that ILO staff can edit in the admin."""

import json

from django.db import migrations

SCHEDULE = [
    # name, task, kwargs, crontab (minute, hour, day of month) or interval minutes
    (
        "Recompute KPI summaries and reach (nightly)",
        "reports.recompute_summaries",
        {"full": True},
        ("30", "2", "*"),
    ),
    (
        "Rebuild all results with 24 months of history (monthly)",
        "reports.recompute_all",
        {"history": True},
        ("0", "3", "1"),
    ),
    ("Run recompute requests left in the outbox", "reports.recompute_pending", {}, 5),
]


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, kwargs, when in SCHEDULE:
        fields = {"task": task, "kwargs": json.dumps(kwargs), "enabled": True}
        if isinstance(when, int):
            fields["interval"], _ = IntervalSchedule.objects.get_or_create(
                every=when, period="minutes"
            )
        else:
            minute, hour, day_of_month = when
            fields["crontab"], _ = CrontabSchedule.objects.get_or_create(
                minute=minute,
                hour=hour,
                day_of_month=day_of_month,
                month_of_year="*",
                day_of_week="*",
                timezone="UTC",
            )
        PeriodicTask.objects.update_or_create(name=name, defaults=fields)


def remove_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[row[0] for row in SCHEDULE]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_computed_tables"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
