"""Build, wipe and fingerprint the demo world (``manage.py seed_demo``).

Determinism: the world depends only on the seed, the size, the number of months and
the current month. Dates are laid out relative to the first day of the current month
(the KPI months end with the last full month and nothing is dated later than its last
day, except enrolments planned to start within the next 60 days), so the same arguments
give the same database all month long; next month the whole world shifts by a month.
Only the bookkeeping columns ``created_at``/``updated_at`` and the password hashes
(salted) differ between two builds.
"""

import hashlib
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.utils import timezone

from enterprises.models import Enterprise, Participant
from modules.models import (
    Attendance,
    ClassroomSession,
    ConsultationVisit,
    Enrolment,
    ImprovementProject,
    TrainingModule,
)
from partners.models import Licence, Membership, Organisation, SupplierLink
from reports.models import Indicator, KpiMeasurement
from score_platform.demo import reference as ref
from score_platform.demo.catalogue import Coverage, Created, TrainerPool, ensure_catalogue
from score_platform.demo.plans import Context, plan_enterprises, plan_sessions
from score_platform.demo.records import (
    COLUMNS,
    write_enterprise,
    write_sessions,
    write_unmatched_requests,
)
from score_platform.demo.writer import BulkLoad, analyse
from trainers.models import Certification, Trainer

# In the order rows must reach the database: parents before children.
TABLE_MODELS = {
    "session": ClassroomSession,
    "session_trainer": ClassroomSession.trainers.through,
    "enterprise": Enterprise,
    "participant": Participant,
    "enrolment": Enrolment,
    "attendance": Attendance,
    "visit": ConsultationVisit,
    "project": ImprovementProject,
    "kpi": KpiMeasurement,
    "link": SupplierLink,
}


LARGE_LOAD = 200_000  # KPI values from which indexes are rebuilt rather than updated


@dataclass
class Outcome:
    created: Created = field(default_factory=Created)
    enterprises_written: int = 0
    note: str = ""
    skipped: bool = False
    seconds: float = 0.0
    rows: dict = field(default_factory=dict)


def seed_demo_world(
    *,
    enterprises: int = 1400,
    seed: int = 2009,
    months: int = 36,
    if_empty: bool = False,
    reset: bool = False,
    today: date | None = None,
    rebuild_indexes: bool | None = None,
    log=None,
) -> Outcome:
    """Build the demo world (see the module docstring); ``today`` only for tests.

    ``rebuild_indexes``: drop and rebuild the loaded tables' indexes and constraints
    around the load (PostgreSQL); by default from 200,000 KPI values (the default world).
    ``log`` receives a line per finished stage with the time it took.
    """
    clock = Clock(log)
    started = time.monotonic()
    outcome = Outcome()
    if if_empty and Enterprise.objects.exists():
        outcome.skipped = True
        outcome.note = "The database already has enterprises; nothing was changed."
        return outcome
    as_of = (today or timezone.localdate()).replace(day=1)
    with transaction.atomic():
        if reset:
            wipe_demo_world()
            clock.lap("wiped the previous demo world")
        outcome.created = ensure_catalogue(as_of=as_of)
        clock.lap("organisations, licences, trainers and logins")
        if enterprises > 0:
            existing = Enterprise.objects.filter(partner__name__in=ref.PARTNERS).count()
            if existing:
                outcome.note = (
                    f"The demo world already has {existing} enterprises; they were left as "
                    "they are (use --reset to rebuild them)."
                )
            else:
                if rebuild_indexes is None:
                    rebuild_indexes = enterprises * months * 8 >= LARGE_LOAD
                outcome.rows = _build_enterprises(
                    seed=seed,
                    months=months,
                    as_of=as_of,
                    total=enterprises,
                    rebuild_indexes=rebuild_indexes,
                    clock=clock,
                )
                outcome.enterprises_written = outcome.rows.get("enterprise", 0)
    clock.lap("committed")
    if outcome.enterprises_written:
        analyse([model._meta.db_table for model in TABLE_MODELS.values()])
        clock.lap("analysed")
    outcome.seconds = time.monotonic() - started
    return outcome


def _build_enterprises(*, seed, months, as_of, total, rebuild_indexes, clock) -> dict:
    organisations = dict(
        Organisation.objects.filter(name__in=ref.DEMO_ORGANISATIONS).values_list("name", "id")
    )
    modules = {module.code: module for module in TrainingModule.objects.all()}
    users = dict(
        get_user_model()
        .objects.filter(username__in=ref.DEMO_USERNAMES)
        .values_list("username", "id")
    )
    partner_ids = [organisations[name] for name in ref.PARTNERS]
    ctx = Context(
        seed=seed,
        months=months,
        as_of=as_of,
        organisations=organisations,
        modules={code: module.pk for code, module in modules.items()},
        classroom_days={module.pk: module.classroom_days for module in modules.values()},
        indicators=dict(Indicator.objects.values_list("code", "id")),
        users=users,
        coverage=Coverage.load(),
        pool=TrainerPool.load(partner_ids),
    )
    writers = BulkLoad(
        {name: (model, COLUMNS[name]) for name, model in TABLE_MODELS.items()},
        rebuild_indexes=rebuild_indexes,
    )
    plans = plan_enterprises(ctx, total, writers.enterprise.next_id)
    sessions = plan_sessions(ctx, plans, writers.session.next_id)
    clock.lap(f"planned {len(plans)} enterprises and {len(sessions)} classroom sessions")
    write_sessions(ctx, writers, sessions)
    for plan in plans:
        write_enterprise(ctx, writers, plan)
    write_unmatched_requests(ctx, writers)
    writers.flush()
    clock.lap("generated and wrote the rows")
    written = writers.close()
    clock.lap("closed the load" + (" (indexes and constraints rebuilt)" if rebuild_indexes else ""))
    return written


class Clock:
    def __init__(self, log):
        self.log = log
        self.last = time.monotonic()

    def lap(self, what: str) -> None:
        now = time.monotonic()
        if self.log is not None:
            self.log(f"{what}: {now - self.last:.1f} s")
        self.last = now


# --- wiping ----------------------------------------------------------------------------


def wipe_demo_world() -> None:
    """Delete the demo organisations and everything hanging off them.

    That includes the demo logins and any other membership in the demo organisations
    (the other users themselves stay). Data of other organisations is left alone. The
    big tables go with set-based DELETEs (the ORM's cascade would load millions of rows
    into memory); the few catalogue rows then go through the ORM.
    """
    organisations = Organisation.objects.filter(name__in=ref.DEMO_ORGANISATIONS)
    org_ids = list(organisations.values_list("id", flat=True))
    user_model = get_user_model()
    if org_ids:
        ids = ", ".join(str(int(pk)) for pk in org_ids)
        table = _table
        enterprises = f"SELECT id FROM {table(Enterprise)} WHERE partner_id IN ({ids})"
        enrolments = (
            f"SELECT id FROM {table(Enrolment)} WHERE enterprise_id IN ({enterprises}) "
            f"OR partner_id IN ({ids})"
        )
        sessions = f"SELECT id FROM {table(ClassroomSession)} WHERE partner_id IN ({ids})"
        participants = f"SELECT id FROM {table(Participant)} WHERE enterprise_id IN ({enterprises})"
        trainers = f"SELECT id FROM {table(Trainer)} WHERE organisation_id IN ({ids})"
        session_trainers = ClassroomSession.trainers.through
        statements = [
            f"DELETE FROM {table(KpiMeasurement)} WHERE enterprise_id IN ({enterprises})",
            f"DELETE FROM {table(Attendance)} WHERE session_id IN ({sessions}) "
            f"OR participant_id IN ({participants})",
            f"DELETE FROM {table(session_trainers)} WHERE classroomsession_id IN ({sessions}) "
            f"OR trainer_id IN ({trainers})",
            f"DELETE FROM {table(ConsultationVisit)} WHERE enrolment_id IN ({enrolments})",
            f"DELETE FROM {table(ImprovementProject)} WHERE enrolment_id IN ({enrolments})",
            f"DELETE FROM {table(Enrolment)} WHERE id IN ({enrolments})",
            f"DELETE FROM {table(ClassroomSession)} WHERE partner_id IN ({ids})",
            f"DELETE FROM {table(Participant)} WHERE enterprise_id IN ({enterprises})",
            f"DELETE FROM {table(SupplierLink)} WHERE brand_id IN ({ids}) "
            f"OR enterprise_id IN ({enterprises})",
            f"DELETE FROM {table(Enterprise)} WHERE partner_id IN ({ids})",
        ]
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        Certification.objects.filter(trainer__organisation_id__in=org_ids).delete()
        Trainer.objects.filter(organisation_id__in=org_ids).delete()
        Licence.objects.filter(partner_id__in=org_ids).delete()
        Membership.objects.filter(organisation_id__in=org_ids).delete()
    user_model.objects.filter(username__in=ref.DEMO_USERNAMES).delete()
    organisations.delete()


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


# --- fingerprint -------------------------------------------------------------------------

DIGEST_APPS = ("partners", "enterprises", "modules", "trainers", "reports")
# Bookkeeping that differs between two builds of the same world.
UNSTABLE_FIELDS = {"id", "created_at", "updated_at", "password", "last_login", "date_joined"}
# Plain integer columns that hold an id (what a brand asked for), read like foreign keys.
ID_COLUMNS = {("partners.SupplierLink", "requested_enterprise_id"): Enterprise}


def world_digest() -> str:
    """A fingerprint of the data that ignores ids, timestamps and password hashes.

    Each row is read in id order with its foreign keys replaced by the position of the
    row they point to, so two builds that wrote the same rows in the same order have
    the same digest whatever ids their database handed out.
    """
    digest = hashlib.sha256()
    selected = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in DIGEST_APPS and not model.__name__.startswith("Historical")
    ]
    selected.append(get_user_model())
    positions = {model: _positions(model) for model in selected}
    for model in sorted(selected, key=lambda m: m._meta.label):
        fields = [f for f in model._meta.concrete_fields if f.attname not in UNSTABLE_FIELDS]
        label = model._meta.label
        digest.update(label.encode())
        rows = model._default_manager.order_by("pk").values_list(*[f.attname for f in fields])
        for row in rows.iterator(chunk_size=5000):
            values = []
            for f, value in zip(fields, row, strict=True):
                target = f.related_model if f.is_relation else ID_COLUMNS.get((label, f.attname))
                if target is not None and value is not None:
                    value = positions.get(target, {}).get(value, ("?", value))
                values.append(_stable(value))
            digest.update(json.dumps(values, default=str).encode())
    return digest.hexdigest()


def _positions(model) -> dict:
    keys = model._default_manager.order_by("pk").values_list("pk", flat=True)
    return {pk: position for position, pk in enumerate(keys)}


def _stable(value):
    if isinstance(value, Decimal):  # 12.3400 and 12.34 are the same value
        return str(value.normalize())
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_stable(item) for item in value]
    return value
