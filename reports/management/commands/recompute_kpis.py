"""python manage.py recompute_kpis [--full] [--history]"""

from datetime import timedelta

from django.core.management.base import BaseCommand
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from reports.aggregation import recompute


class Command(BaseCommand):
    help = (
        "Recompute KPI results, summaries and reach. Without options: run every waiting "
        "request of the incremental path now. --full: rebuild every table for the current "
        "month. --history: also rebuild the programme and country trend (24 months)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="Rebuild every table.")
        parser.add_argument(
            "--history",
            action="store_true",
            help="Also rebuild the past 23 months of programme and country summaries.",
        )

    def handle(self, *args, full: bool, history: bool, verbosity: int, **options):
        if not (full or history):
            count = recompute.recompute_pending(grace=timedelta(0))
            self.stdout.write(f"Recomputed {count} waiting enterprise(s) and their groups.")
            return
        with Progress(
            TextColumn("{task.description:<22}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            disable=verbosity == 0,
        ) as bar:
            task = bar.add_task("starting", total=len(recompute.FULL_STEPS))

            def progress(step: str, done: int, total: int) -> None:
                bar.update(task, description=step, completed=done, total=total)

            run = recompute.recompute_all(history=history, progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"Run {run.pk} {run.status} in {run.duration_seconds:.1f} s: "
                f"{run.rows_read:,} rows read, {run.rows_written:,} written."
            )
        )
