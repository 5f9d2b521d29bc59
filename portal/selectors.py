"""What the home page shows each role: the work waiting, read through the apps' selectors."""

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from enterprises.selectors import enterprises_visible_to
from modules.models import Enrolment
from modules.selectors import enrolments_visible_to, enrolments_with_overdue_follow_up
from partners.access import principal_of
from portal.models import ImportJob
from reports import caching
from reports.selectors import enterprises_missing_kpis, previous_month

IN_PROGRESS = [Enrolment.Status.PLANNED, Enrolment.Status.CLASSROOM, Enrolment.Status.CONSULTING]
HOME_LIST_LENGTH = 10


@dataclass(frozen=True)
class WorkList:
    """The first rows of a to-do list and how many there are in all."""

    items: list
    total: int


def _work_list(queryset: QuerySet) -> WorkList:
    return WorkList(items=list(queryset[:HOME_LIST_LENGTH]), total=queryset.count())


def enrolments_in_progress(user) -> QuerySet[Enrolment]:
    return enrolments_visible_to(user).filter(status__in=IN_PROGRESS)


def home_work(user, *, today: date | None = None) -> dict:
    """Enrolments in progress, follow-up visits overdue, enterprises missing last month's KPIs."""
    month = previous_month(today)
    enrolments = enrolments_in_progress(user).order_by("started_on", "id")
    overdue = enrolments_with_overdue_follow_up(enrolments_visible_to(user), today=today).order_by(
        "started_on", "id"
    )
    missing = enterprises_missing_kpis(enterprises_visible_to(user), period=month).order_by(
        "name", "id"
    )
    return {
        "enrolments_in_progress": _work_list(enrolments),
        "overdue_follow_ups": _work_list(overdue),
        "missing_kpis": _work_list(missing),
        "reporting_month": month,
    }


def home_work_kept(user) -> dict:
    """:func:`home_work`, kept for everyone of the same organisation until the data changes
    (reports.caching): a large partner's lists count over tens of thousands of enterprises."""
    principal = principal_of(user)
    owner = "home-ilo" if principal.is_ilo else f"home-organisation-{principal.organisation_id}"
    return caching.remembered("work", owner, lambda: home_work(user))


def import_jobs_visible_to(user) -> QuerySet:
    """ILO staff see every import; a partner the imports made for its organisation."""
    principal = principal_of(user)
    jobs = ImportJob.objects.select_related("created_by", "organisation")
    if principal.is_ilo:
        return jobs
    if principal.is_partner:
        return jobs.filter(organisation_id=principal.organisation_id)
    return jobs.none()
