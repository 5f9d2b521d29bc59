"""Every write to enrolments, classroom sessions, attendance, visits and improvement projects."""

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises.models import Enterprise, Participant
from enterprises.permissions import can_record_progress
from enterprises.services import participant_create
from modules.models import (
    Attendance,
    ClassroomSession,
    ConsultationVisit,
    Enrolment,
    ImprovementProject,
    TrainingModule,
)
from modules.permissions import can_manage_training_modules
from partners.models import Organisation
from partners.selectors import licence_covers
from reports.services import results_stale
from score_platform.permissions import require
from score_platform.services import (
    Errors,
    apply_changes,
    delete_unless_protected,
    save_validated,
)
from trainers.models import Trainer
from trainers.services import certification_problem

TRAINING_MODULE_FIELDS = {
    "code",
    "name",
    "description",
    "order",
    "classroom_days",
    "recommended_visits",
    "is_foundation",
    "is_active",
}
ENROLMENT_FIELDS = {
    "lead_trainer",
    "started_on",
    "completed_on",
    "fee_amount",
    "fee_currency",
    "paid_by",
    "status",
}
SESSION_FIELDS = {"starts_on", "ends_on", "venue", "city", "country"}
VISIT_FIELDS = {
    "kind",
    "trainer",
    "visited_on",
    "duration_hours",
    "eit_members_present",
    "summary",
    "next_steps",
}
PROJECT_FIELDS = {
    "title",
    "description",
    "owner_name",
    "due_on",
    "status",
    "indicator",
    "savings_estimate",
    "savings_realised",
    "savings_currency",
}
# A classroom training is short; a longer span is a typing mistake.
MAX_SESSION_SPAN_DAYS = 14


def licence_problem(*, partner: Organisation, country, module: TrainingModule, on: date):
    """Why the partner may not work here, or None when an active licence covers it."""
    if licence_covers(partner_id=partner.pk, country=str(country), module_id=module.pk, on=on):
        return None
    country_name = getattr(country, "name", None) or str(country)
    return _(
        "%(partner)s has no active licence covering %(module)s in %(country)s on %(date)s."
    ) % {"partner": partner.name, "module": module.name, "country": country_name, "date": on}


# --- training modules -------------------------------------------------------------------


def training_module_validate(training_module: TrainingModule) -> None:
    errors = Errors()
    code = (training_module.code or "").strip()
    others = TrainingModule.objects.exclude(pk=training_module.pk)
    if code and others.filter(code__iexact=code).exists():
        errors.add("code", _("Another module already has the code %(code)s.") % {"code": code})
    days = training_module.classroom_days
    if days is not None and not 1 <= days <= 10:
        errors.add("classroom_days", _("A module has between 1 and 10 classroom days."))
    if training_module.is_foundation:
        foundation = others.filter(is_foundation=True).first()
        if foundation is not None:
            errors.add(
                "is_foundation",
                _("%(module)s is already the foundation module; there is only one.")
                % {"module": foundation.name},
            )
    errors.raise_if_any()


@transaction.atomic
def training_module_create(*, actor, code: str, name: str, **fields) -> TrainingModule:
    require(
        can_manage_training_modules(actor), _("Only ILO administrators manage training modules.")
    )
    training_module = TrainingModule(code=(code or "").strip(), name=name)
    apply_changes(training_module, fields, allowed=TRAINING_MODULE_FIELDS - {"code", "name"})
    training_module_validate(training_module)
    save_validated(training_module, actor=actor)
    return training_module


@transaction.atomic
def training_module_update(*, actor, training_module: TrainingModule, **changes) -> TrainingModule:
    require(
        can_manage_training_modules(actor), _("Only ILO administrators manage training modules.")
    )
    apply_changes(training_module, changes, allowed=TRAINING_MODULE_FIELDS)
    training_module.code = (training_module.code or "").strip()
    training_module_validate(training_module)
    save_validated(training_module, actor=actor)
    return training_module


# --- enrolments -------------------------------------------------------------------------


def status_transition_problem(old: str, new: str) -> str | None:
    """Enrolment status moves forward only; withdrawn may follow any live status."""
    if old == new:
        return None
    if old == Enrolment.Status.WITHDRAWN:
        return _("A withdrawn enrolment cannot change status; enrol the enterprise again.")
    if new == Enrolment.Status.WITHDRAWN:
        return None
    order = Enrolment.STATUS_ORDER
    if order.index(new) < order.index(old):
        return _("Status moves forward only: %(old)s cannot go back to %(new)s.") % {
            "old": Enrolment.Status(old).label,
            "new": Enrolment.Status(new).label,
        }
    return None


def enrolment_validate(
    enrolment: Enrolment,
    *,
    previous_status: str | None = None,
    changed: Iterable[str] = (),
) -> None:
    """Licence coverage, the foundation module first, one live enrolment, the lead trainer.

    On a change, the licence, foundation and certification rules are checked again only
    when the start date or the trainer changes: a licence that has since expired does not
    stop a partner from recording a fee or moving the status forward.
    """
    errors = Errors()
    enterprise = enrolment.enterprise
    module = enrolment.module
    today = timezone.localdate()
    creating = enrolment.pk is None
    changed = set(changed)
    start_checked = creating or "started_on" in changed

    if creating and enrolment.status == Enrolment.Status.WITHDRAWN:
        errors.add("status", _("A new enrolment cannot start as withdrawn."))
    if previous_status is not None:
        problem = status_transition_problem(previous_status, enrolment.status)
        if problem:
            errors.add("status", problem)
    if enrolment.partner_id != enterprise.partner_id and creating:
        errors.add("partner", _("The enrolment is delivered by the enterprise's own partner."))
    if enrolment.started_on and enrolment.started_on > today.replace(year=today.year + 1):
        errors.add("started_on", _("The start date is more than a year ahead."))
    if enrolment.completed_on:
        if enrolment.started_on and enrolment.completed_on < enrolment.started_on:
            errors.add("completed_on", _("An enrolment cannot be completed before it started."))
        if enrolment.completed_on > today:
            errors.add("completed_on", _("The completion date cannot be in the future."))
    if enrolment.status == Enrolment.Status.COMPLETED and not enrolment.completed_on:
        errors.add("completed_on", _("A completed enrolment needs its completion date."))
    if enrolment.fee_amount is not None and enrolment.fee_amount < 0:
        errors.add("fee_amount", _("A fee cannot be negative."))

    if enrolment.status != Enrolment.Status.WITHDRAWN:
        if creating and not module.is_active:
            errors.add("module", _("%(module)s is no longer offered.") % {"module": module.name})
        live = Enrolment.objects.filter(enterprise=enterprise, module=module).exclude(
            status=Enrolment.Status.WITHDRAWN
        )
        if live.exclude(pk=enrolment.pk).exists():
            errors.add(
                "module",
                _("%(enterprise)s already has a live enrolment in %(module)s.")
                % {"enterprise": enterprise.name, "module": module.name},
            )
        if enrolment.started_on and start_checked:
            problem = licence_problem(
                partner=enrolment.partner,
                country=enterprise.country,
                module=module,
                on=enrolment.started_on,
            )
            if problem:
                errors.add("started_on", problem)
        if enrolment.started_on and start_checked:
            problem = foundation_order_problem(enrolment, creating=creating)
            if problem:
                errors.add(*problem)
    if (
        enrolment.lead_trainer_id
        and enrolment.started_on
        and (start_checked or "lead_trainer" in changed)
    ):
        trainer = enrolment.lead_trainer
        if trainer.organisation_id != enrolment.partner_id:
            errors.add("lead_trainer", _("The lead trainer works for another organisation."))
        else:
            problem = certification_problem(trainer=trainer, module=module, on=enrolment.started_on)
            if problem:
                errors.add("lead_trainer", problem)
    errors.raise_if_any()


def foundation_order_problem(enrolment: Enrolment, *, creating: bool) -> tuple[str, str] | None:
    """(field, message) when the enrolment breaks "the foundation module comes first".

    Another module needs a live enrolment in the foundation module starting on or before
    it; and a foundation enrolment cannot be moved to start after the modules it opened.
    """
    module = enrolment.module
    enterprise = enrolment.enterprise
    live = Enrolment.objects.filter(enterprise=enterprise).exclude(
        status=Enrolment.Status.WITHDRAWN
    )
    if module.is_foundation:
        if creating:
            return None
        opened = (
            live.filter(module__is_foundation=False, started_on__lt=enrolment.started_on)
            .select_related("module")
            .order_by("started_on")
        )
        names = [other.module.name for other in opened]
        if not names:
            return None
        return (
            "started_on",
            _(
                "%(modules)s started before this date; %(foundation)s must start on or "
                "before the modules that follow it."
            )
            % {"modules": ", ".join(names), "foundation": module.name},
        )
    foundation = TrainingModule.objects.filter(is_foundation=True).first()
    if foundation is None:
        # No module is marked as the foundation: there is nothing to come first.
        return None
    if live.filter(module=foundation, started_on__lte=enrolment.started_on).exists():
        return None
    return (
        "module",
        _(
            "%(foundation)s comes first: enrol %(enterprise)s in the foundation module, "
            "starting on or before this one, before %(module)s."
        )
        % {"foundation": foundation.name, "enterprise": enterprise.name, "module": module.name},
    )


@transaction.atomic
def enrolment_create(
    *,
    actor,
    enterprise: Enterprise,
    module: TrainingModule,
    started_on: date,
    partner: Organisation | None = None,
    **fields,
) -> Enrolment:
    require(
        can_record_progress(actor, partner_id=enterprise.partner_id),
        _("You may not enrol this enterprise."),
    )
    enrolment = Enrolment(
        enterprise=enterprise,
        module=module,
        partner=partner or enterprise.partner,
        started_on=started_on,
    )
    apply_changes(enrolment, fields, allowed=ENROLMENT_FIELDS - {"started_on"})
    enrolment_validate(enrolment)
    save_validated(enrolment, actor=actor)
    results_stale(enterprise.pk, kpis=False)
    return enrolment


@transaction.atomic
def enrolment_update(*, actor, enrolment: Enrolment, **changes) -> Enrolment:
    require(
        can_record_progress(actor, partner_id=enrolment.enterprise.partner_id),
        _("You may not change this enrolment."),
    )
    # Lock the row so two concurrent status changes cannot both pass the forward-only check.
    previous_status = (
        Enrolment.objects.select_for_update().values_list("status", flat=True).get(pk=enrolment.pk)
    )
    if changes.get("status") == Enrolment.Status.COMPLETED and not (
        changes.get("completed_on") or enrolment.completed_on
    ):
        changes["completed_on"] = timezone.localdate()
    changed = apply_changes(
        enrolment,
        changes,
        allowed=ENROLMENT_FIELDS,
        frozen={"enterprise", "module", "partner"},
    )
    enrolment_validate(enrolment, previous_status=previous_status, changed=changed)
    save_validated(enrolment, actor=actor)
    if "status" in changed:
        results_stale(enrolment.enterprise_id, kpis=False)
    return enrolment


def enrolment_advance(
    *, actor, enrolment: Enrolment, status: str, on: date | None = None
) -> Enrolment:
    """Move an enrolment forward in its cycle (or withdraw it)."""
    changes = {"status": status}
    if status == Enrolment.Status.COMPLETED:
        changes["completed_on"] = on or timezone.localdate()
    return enrolment_update(actor=actor, enrolment=enrolment, **changes)


def enrolment_withdraw(*, actor, enrolment: Enrolment) -> Enrolment:
    return enrolment_update(actor=actor, enrolment=enrolment, status=Enrolment.Status.WITHDRAWN)


# --- classroom sessions and attendance --------------------------------------------------


def classroom_session_validate(
    session: ClassroomSession,
    *,
    trainers: Iterable[Trainer] | None,
    check_licence: bool = True,
) -> None:
    errors = Errors()
    module = session.module
    if session.partner_id and session.partner.kind != Organisation.Kind.PARTNER:
        errors.add("partner", _("Classroom sessions are run by partner organisations."))
    if session.starts_on and session.ends_on:
        if session.ends_on < session.starts_on:
            errors.add("ends_on", _("A session cannot end before it starts."))
        elif (session.ends_on - session.starts_on).days >= MAX_SESSION_SPAN_DAYS:
            errors.add(
                "ends_on",
                _("A classroom session spans at most %(days)s days.")
                % {"days": MAX_SESSION_SPAN_DAYS},
            )
    if check_licence and session.starts_on and session.country and session.partner_id:
        problem = licence_problem(
            partner=session.partner, country=session.country, module=module, on=session.starts_on
        )
        if problem:
            errors.add("starts_on", problem)
    if trainers is not None:
        trainers = list(trainers)
        if not trainers:
            errors.add("trainers", _("A classroom session has at least one trainer."))
        for trainer in trainers:
            if trainer.organisation_id != session.partner_id:
                errors.add(
                    "trainers",
                    _("%(trainer)s works for another organisation.") % {"trainer": trainer},
                )
            elif session.starts_on:
                problem = certification_problem(
                    trainer=trainer, module=module, on=session.starts_on
                )
                if problem:
                    errors.add("trainers", problem)
    errors.raise_if_any()


@transaction.atomic
def classroom_session_create(
    *,
    actor,
    module: TrainingModule,
    partner: Organisation,
    trainers: Iterable[Trainer],
    **fields,
) -> ClassroomSession:
    require(
        can_record_progress(actor, partner_id=partner.pk),
        _("You may not record sessions for this partner."),
    )
    trainers = list(trainers)
    session = ClassroomSession(module=module, partner=partner)
    apply_changes(session, fields, allowed=SESSION_FIELDS)
    classroom_session_validate(session, trainers=trainers)
    save_validated(session, actor=actor)
    session.trainers.set(trainers)
    return session


@transaction.atomic
def classroom_session_update(
    *, actor, session: ClassroomSession, trainers: Iterable[Trainer] | None = None, **changes
) -> ClassroomSession:
    require(
        can_record_progress(actor, partner_id=session.partner_id),
        _("You may not change this session."),
    )
    changed = apply_changes(session, changes, allowed=SESSION_FIELDS, frozen={"module", "partner"})
    if trainers is None and "starts_on" in changed:
        trainers = list(session.trainers.all())
    classroom_session_validate(
        session, trainers=trainers, check_licence=bool({"starts_on", "country"} & changed)
    )
    save_validated(session, actor=actor)
    if trainers is not None:
        session.trainers.set(list(trainers))
    return session


def attendance_validate(attendance: Attendance) -> None:
    errors = Errors()
    session = attendance.session
    participant = attendance.participant
    days = attendance.days_attended
    if days is not None and not 0 <= days <= session.module.classroom_days:
        errors.add(
            "days_attended",
            _("Days attended is between 0 and %(days)s for this session.")
            % {"days": session.module.classroom_days},
        )
    if participant.enterprise.partner_id != session.partner_id:
        errors.add("participant", _("This participant's enterprise is served by another partner."))
    elif (
        not Enrolment.objects.filter(
            enterprise_id=participant.enterprise_id, module_id=session.module_id
        )
        .exclude(status=Enrolment.Status.WITHDRAWN)
        .exists()
    ):
        errors.add(
            "participant",
            _("%(enterprise)s is not enrolled in %(module)s.")
            % {"enterprise": participant.enterprise.name, "module": session.module.name},
        )
    if (
        Attendance.objects.filter(session=session, participant=participant)
        .exclude(pk=attendance.pk)
        .exists()
    ):
        errors.add("participant", _("This participant is already on the session's list."))
    errors.raise_if_any()


@transaction.atomic
def attendance_record(
    *, actor, session: ClassroomSession, participant: Participant, days_attended: int
) -> Attendance:
    """Record (or correct) one participant's attendance of a session."""
    require(
        can_record_progress(actor, partner_id=session.partner_id),
        _("You may not record attendance for this session."),
    )
    attendance = Attendance.objects.filter(session=session, participant=participant).first()
    if attendance is None:
        attendance = Attendance(session=session, participant=participant)
    attendance.days_attended = days_attended
    attendance_validate(attendance)
    save_validated(attendance, actor=actor)
    results_stale(participant.enterprise_id, kpis=False)
    return attendance


@transaction.atomic
def attendance_remove(*, actor, attendance: Attendance) -> None:
    require(
        can_record_progress(actor, partner_id=attendance.session.partner_id),
        _("You may not change attendance for this session."),
    )
    enterprise_id = attendance.participant.enterprise_id
    attendance.delete()
    results_stale(enterprise_id, kpis=False)


# --- consultation visits ----------------------------------------------------------------


def visit_validate(visit: ConsultationVisit) -> None:
    errors = Errors()
    enrolment = visit.enrolment
    if visit.pk is None and enrolment.status == Enrolment.Status.WITHDRAWN:
        errors.add("enrolment", _("This enrolment was withdrawn; no more visits can be logged."))
    if visit.visited_on and visit.visited_on > timezone.localdate():
        errors.add("visited_on", _("A visit cannot be logged for a future date."))
    if visit.duration_hours is not None and not 0 < visit.duration_hours <= 24:
        errors.add("duration_hours", _("A visit lasts more than 0 and at most 24 hours."))
    if visit.trainer_id and visit.visited_on:
        if visit.trainer.organisation_id != enrolment.partner_id:
            errors.add("trainer", _("This trainer works for another organisation."))
        else:
            problem = certification_problem(
                trainer=visit.trainer, module=enrolment.module, on=visit.visited_on
            )
            if problem:
                errors.add("trainer", problem)
    errors.raise_if_any()


@transaction.atomic
def visit_create(*, actor, enrolment: Enrolment, **fields) -> ConsultationVisit:
    require(
        can_record_progress(actor, partner_id=enrolment.enterprise.partner_id),
        _("You may not log visits for this enrolment."),
    )
    visit = ConsultationVisit(enrolment=enrolment)
    apply_changes(visit, fields, allowed=VISIT_FIELDS)
    visit_validate(visit)
    save_validated(visit, actor=actor)
    results_stale(enrolment.enterprise_id, kpis=False)
    return visit


@transaction.atomic
def visit_update(*, actor, visit: ConsultationVisit, **changes) -> ConsultationVisit:
    require(
        can_record_progress(actor, partner_id=visit.enrolment.enterprise.partner_id),
        _("You may not change this visit."),
    )
    apply_changes(visit, changes, allowed=VISIT_FIELDS, frozen={"enrolment"})
    visit_validate(visit)
    save_validated(visit, actor=actor)
    return visit


@transaction.atomic
def visit_delete(*, actor, visit: ConsultationVisit) -> None:
    require(
        can_record_progress(actor, partner_id=visit.enrolment.enterprise.partner_id),
        _("You may not delete this visit."),
    )
    enterprise_id = visit.enrolment.enterprise_id
    visit.delete()
    results_stale(enterprise_id, kpis=False)


# --- improvement projects ---------------------------------------------------------------


def improvement_project_validate(project: ImprovementProject) -> None:
    errors = Errors()
    if project.pk is None and project.enrolment.status == Enrolment.Status.WITHDRAWN:
        errors.add("enrolment", _("This enrolment was withdrawn; start no new projects in it."))
    if not (project.title or "").strip():
        errors.add("title", _("Give the project a title."))
    for field in ("savings_estimate", "savings_realised"):
        value = getattr(project, field)
        if value is not None and value < 0:
            errors.add(field, _("Savings cannot be negative."))
    errors.raise_if_any()


@transaction.atomic
def improvement_project_create(*, actor, enrolment: Enrolment, **fields) -> ImprovementProject:
    require(
        can_record_progress(actor, partner_id=enrolment.enterprise.partner_id),
        _("You may not add projects to this enrolment."),
    )
    project = ImprovementProject(enrolment=enrolment, created_by=_user_or_none(actor))
    apply_changes(project, fields, allowed=PROJECT_FIELDS)
    improvement_project_validate(project)
    save_validated(project, actor=actor)
    return project


@transaction.atomic
def improvement_project_update(
    *, actor, project: ImprovementProject, **changes
) -> ImprovementProject:
    require(
        can_record_progress(actor, partner_id=project.enrolment.enterprise.partner_id),
        _("You may not change this project."),
    )
    apply_changes(project, changes, allowed=PROJECT_FIELDS, frozen={"enrolment"})
    improvement_project_validate(project)
    save_validated(project, actor=actor)
    return project


def _user_or_none(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def attendance_record_new_participant(
    *, actor, session: ClassroomSession, enterprise: Enterprise, days_attended: int, **fields
) -> Attendance:
    """Add a participant of an enterprise and put them on the session's list, in one step.

    Either both are saved or neither: a participant is not left behind when the
    attendance is refused (an enterprise not enrolled in the module, say).
    """
    participant = participant_create(actor=actor, enterprise=enterprise, **fields)
    return attendance_record(
        actor=actor, session=session, participant=participant, days_attended=days_attended
    )


# --- deletions (used by the ILO admin) ---------------------------------------------------


@transaction.atomic
def training_module_delete(*, actor, training_module: TrainingModule) -> None:
    """Remove a module nobody has used; one with enrolments is no longer offered instead."""
    require(
        can_manage_training_modules(actor), _("Only ILO administrators manage training modules.")
    )
    delete_unless_protected(training_module, actor=actor)


@transaction.atomic
def enrolment_delete(*, actor, enrolment: Enrolment) -> None:
    """Remove an enrolment recorded by mistake (with its visits and projects)."""
    require(
        can_record_progress(actor, partner_id=enrolment.enterprise.partner_id),
        _("You may not delete this enrolment."),
    )
    delete_unless_protected(enrolment, actor=actor)


@transaction.atomic
def classroom_session_delete(*, actor, session: ClassroomSession) -> None:
    require(
        can_record_progress(actor, partner_id=session.partner_id),
        _("You may not delete this session."),
    )
    delete_unless_protected(session, actor=actor)


@transaction.atomic
def improvement_project_delete(*, actor, project: ImprovementProject) -> None:
    require(
        can_record_progress(actor, partner_id=project.enrolment.enterprise.partner_id),
        _("You may not delete this project."),
    )
    delete_unless_protected(project, actor=actor)
