"""Scoped reads of enrolments, classroom sessions, attendance, visits and improvement projects."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from enterprises.selectors import enterprises_visible_to, participants_visible_to
from modules.models import (
    Attendance,
    ClassroomSession,
    ConsultationVisit,
    Enrolment,
    ImprovementProject,
    TrainingModule,
)
from partners.access import principal_of

# A follow-up visit is overdue when the recommended visits have not happened this many
# days after the classroom (domain.md).
FOLLOW_UP_WINDOW_DAYS = 90


def training_modules() -> QuerySet[TrainingModule]:
    return TrainingModule.objects.all()


def foundation_module() -> TrainingModule | None:
    return TrainingModule.objects.filter(is_foundation=True).first()


def enrolments_visible_to(user) -> QuerySet[Enrolment]:
    """Enrolments of the enterprises the user may see (brands see status, not the details)."""
    principal = principal_of(user)
    enrolments = Enrolment.objects.select_related("enterprise", "module", "partner", "lead_trainer")
    if principal.is_ilo:
        return enrolments
    if principal.is_partner:
        return enrolments.filter(enterprise__partner_id=principal.organisation_id)
    if principal.is_brand:
        return enrolments.filter(enterprise__in=enterprises_visible_to(user))
    return enrolments.none()


def classroom_sessions_visible_to(user) -> QuerySet[ClassroomSession]:
    principal = principal_of(user)
    sessions = ClassroomSession.objects.select_related("module", "partner")
    if principal.is_ilo:
        return sessions
    if principal.is_partner:
        return sessions.filter(partner_id=principal.organisation_id)
    return sessions.none()


def attendance_visible_to(user) -> QuerySet[Attendance]:
    principal = principal_of(user)
    attendance = Attendance.objects.select_related("session", "participant")
    if principal.is_ilo:
        return attendance
    if principal.is_partner:
        return attendance.filter(session__partner_id=principal.organisation_id)
    return attendance.none()


def visits_visible_to(user) -> QuerySet[ConsultationVisit]:
    principal = principal_of(user)
    visits = ConsultationVisit.objects.select_related(
        "enrolment__enterprise", "enrolment__module", "trainer"
    )
    if principal.is_ilo:
        return visits
    if principal.is_partner:
        return visits.filter(enrolment__enterprise__partner_id=principal.organisation_id)
    return visits.none()


def improvement_projects_visible_to(user) -> QuerySet[ImprovementProject]:
    principal = principal_of(user)
    projects = ImprovementProject.objects.select_related(
        "enrolment__enterprise", "enrolment__module", "indicator"
    )
    if principal.is_ilo:
        return projects
    if principal.is_partner:
        return projects.filter(enrolment__enterprise__partner_id=principal.organisation_id)
    return projects.none()


def enrolments_with_overdue_follow_up(queryset: QuerySet[Enrolment], *, today=None):
    """Enrolments whose classroom ended over 90 days ago without the recommended visits."""
    today = today or timezone.localdate()
    classroom_ended = Attendance.objects.filter(
        participant__enterprise_id=OuterRef("enterprise_id"),
        session__module_id=OuterRef("module_id"),
        session__ends_on__lte=today - timedelta(days=FOLLOW_UP_WINDOW_DAYS),
    )
    return (
        queryset.filter(status__in=[Enrolment.Status.CLASSROOM, Enrolment.Status.CONSULTING])
        .annotate(
            follow_ups=Count(
                "visits", filter=Q(visits__kind=ConsultationVisit.Kind.FOLLOW_UP), distinct=True
            )
        )
        .filter(Exists(classroom_ended))
        .filter(follow_ups__lt=F("module__recommended_visits"))
    )


def enrolment_status_timelines(enrolment_ids) -> dict[int, list[dict]]:
    """Each enrolment's status changes from its audit history: status, when and by whom.

    ``enrolment_ids`` come from a scoped selector; one query whatever their number.
    """
    timelines: dict[int, list[dict]] = {}
    records = (
        Enrolment.history.filter(id__in=list(enrolment_ids))
        .order_by("id", "history_date", "history_id")
        .values("id", "status", "history_date", "history_user__username")
    )
    for record in records:
        steps = timelines.setdefault(record["id"], [])
        if steps and steps[-1]["status"] == record["status"]:
            continue
        steps.append(
            {
                "status": record["status"],
                "label": Enrolment.Status(record["status"]).label,
                "when": record["history_date"],
                "who": record["history_user__username"],
            }
        )
    return timelines


@dataclass
class AttendanceBlock:
    """One enterprise's participants on a session's attendance grid."""

    enterprise: object
    rows: list = field(default_factory=list)  # (participant, attendance or None)

    @property
    def attending(self) -> int:
        return sum(1 for _participant, attendance in self.rows if attendance is not None)


def session_attendance_grid(user, *, session, extra_enterprise_ids=()) -> list[AttendanceBlock]:
    """The enterprises in the session (those with a participant on its list, plus any being
    added) with all their participants and each one's attendance. Three queries."""
    attendance = {
        record.participant_id: record
        for record in attendance_visible_to(user)
        .filter(session=session)
        .select_related("participant__enterprise")
    }
    enterprise_ids = {record.participant.enterprise_id for record in attendance.values()}
    enterprise_ids |= {int(pk) for pk in extra_enterprise_ids}
    if not enterprise_ids:
        return []
    blocks = {
        enterprise.pk: AttendanceBlock(enterprise=enterprise)
        for enterprise in enterprises_visible_to(user)
        .filter(pk__in=enterprise_ids, partner_id=session.partner_id)
        .order_by("name", "id")
    }
    for participant in participants_visible_to(user).filter(enterprise_id__in=list(blocks)):
        blocks[participant.enterprise_id].rows.append((participant, attendance.get(participant.pk)))
    return list(blocks.values())


def enterprises_for_session(user, *, session):
    """Enterprises that may join a session: the partner's, with a live enrolment in its module."""
    live = Enrolment.objects.filter(
        enterprise_id=OuterRef("pk"), module_id=session.module_id
    ).exclude(status=Enrolment.Status.WITHDRAWN)
    return (
        enterprises_visible_to(user)
        .filter(partner_id=session.partner_id)
        .filter(Exists(live))
        .order_by("name", "id")
    )
