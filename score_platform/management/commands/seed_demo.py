"""Load the demo world: organisations, licences, trainers, logins and enterprises.

    python manage.py seed_demo [--enterprises N] [--seed S] [--months M] [--if-empty] [--reset]

Deterministic (same arguments, same month: same data) and idempotent (a second run
changes nothing). See score_platform/demo/world.py.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from enterprises.models import Enterprise, Participant
from modules.models import (
    Attendance,
    ClassroomSession,
    ConsultationVisit,
    Enrolment,
    ImprovementProject,
)
from partners.models import Licence, Membership, Organisation, SupplierLink
from reports.models import KpiMeasurement
from score_platform.demo import reference
from score_platform.demo.world import seed_demo_world
from trainers.models import Certification, Trainer

COUNTED = [
    ("organisations", Organisation),
    ("licences", Licence),
    ("trainers", Trainer),
    ("certifications", Certification),
    ("enterprises", Enterprise),
    ("participants", Participant),
    ("enrolments", Enrolment),
    ("classroom sessions", ClassroomSession),
    ("attendance", Attendance),
    ("consultation visits", ConsultationVisit),
    ("improvement projects", ImprovementProject),
    ("KPI measurements", KpiMeasurement),
    ("supplier links", SupplierLink),
]


class Command(BaseCommand):
    help = "Load the SCORE demo world (deterministic and idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--enterprises", type=int, default=1400, help="How many enterprises (default 1400)."
        )
        parser.add_argument("--seed", type=int, default=2009, help="Random seed (default 2009).")
        parser.add_argument(
            "--months",
            type=int,
            default=36,
            help="Months of KPIs, ending with the last full month (default 36).",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already has an enterprise.",
        )
        parser.add_argument(
            "--reset", action="store_true", help="Wipe the demo world first, then rebuild it."
        )

    def handle(self, *args, enterprises, seed, months, if_empty, reset, **options):
        if enterprises < 0:
            raise CommandError("--enterprises cannot be negative.")
        if not 1 <= months <= 240:
            raise CommandError("--months must be between 1 and 240.")
        log = self.stdout.write if options["verbosity"] >= 2 else None
        outcome = seed_demo_world(
            enterprises=enterprises,
            seed=seed,
            months=months,
            if_empty=if_empty,
            reset=reset,
            log=log,
        )
        if outcome.skipped:
            self.stdout.write(outcome.note)
            return
        created = outcome.created
        self.stdout.write(
            f"Created {created.organisations} organisations, {created.licences} licences, "
            f"{created.trainers} trainers, {created.certifications} certifications, "
            f"{created.users} logins; {outcome.enterprises_written} enterprises written "
            f"in {outcome.seconds:.1f} s."
        )
        if outcome.note:
            self.stdout.write(outcome.note)
        if options["verbosity"] >= 1:
            self.stdout.write("In the database now:")
            for label, model in COUNTED:
                self.stdout.write(f"  {label:<22} {model.objects.count():>12,}")
        self._print_logins()

    def _print_logins(self):
        memberships = {
            m.user.username: m
            for m in Membership.objects.filter(
                user__username__in=reference.DEMO_USERNAMES, is_active=True
            ).select_related("user", "organisation")
        }
        self.stdout.write("Demo logins (password from DEMO_PASSWORD):")
        self.stdout.write(f"  {'username':<16} {'role':<16} {'organisation':<34} password")
        for username in reference.DEMO_USERNAMES:
            membership = memberships.get(username)
            if membership is None:
                continue
            self.stdout.write(
                f"  {username:<16} {membership.role:<16} {membership.organisation.name:<34} "
                f"{settings.DEMO_PASSWORD}"
            )
