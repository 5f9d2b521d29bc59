"""What needs doing, for the dashboards: reporting compliance, data-quality flags, the
training cost, a partner's pipeline, overdue work and its trainers."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from enterprises.models import Enterprise
from modules.models import Enrolment, ImprovementProject, PaidBy, TrainingModule
from modules.selectors import (
    enrolments_visible_to,
    enrolments_with_overdue_follow_up,
    improvement_projects_visible_to,
    training_modules,
    visits_visible_to,
)
from partners.access import principal_of
from reports.models import (
    EnterpriseKpiResult,
    KpiMeasurement,
)
from reports.selectors import (
    enterprises_missing_kpis,
    previous_month,
)
from trainers.selectors import certifications_visible_to, trainers_visible_to

# How far a latest value may stray from the enterprise's baseline before the dashboard
# flags it for a second look: a tenth of it, or ten times it.
OUTLIER_FACTOR = 10
FLAG_LIST_LENGTH = 20
WORK_LIST_LENGTH = 10
CERTIFICATION_WARNING_DAYS = 90
WORKLOAD_MONTHS = 12


# --- reporting compliance and data quality ----------------------------------------------


@dataclass(frozen=True)
class Compliance:
    reporting_month: date
    missing_kpis: int
    overdue_follow_ups: int


def compliance(
    user, *, enterprises: QuerySet[Enterprise], overdue: int | None = None, today=None
) -> Compliance:
    """Enterprises missing last month's KPIs and enrolments with follow-up visits overdue
    (``overdue`` when the page has counted them already)."""
    month = previous_month(today)
    if overdue is None:
        enrolments = enrolments_visible_to(user).filter(enterprise__in=enterprises.values("pk"))
        overdue = enrolments_with_overdue_follow_up(enrolments, today=today).count()
    return Compliance(
        reporting_month=month,
        missing_kpis=enterprises_missing_kpis(enterprises, period=month).count(),
        overdue_follow_ups=overdue,
    )


@dataclass(frozen=True)
class DataQuality:
    outliers: list[EnterpriseKpiResult]
    outlier_count: int
    unverified_estimates: int
    reporting_month: date


def data_quality(user, *, enterprises: QuerySet[Enterprise], today=None) -> DataQuality:
    """Results whose latest value is under a tenth or over ten times the baseline, and last
    month's estimates no trainer has verified. Partners and ILO staff only."""
    month = previous_month(today)
    principal = principal_of(user)
    if not (principal.is_ilo or principal.is_partner):
        return DataQuality([], 0, 0, month)
    results = EnterpriseKpiResult.objects.filter(
        enterprise__in=enterprises.values("pk"),
        baseline_value__gt=0,
        latest_value__isnull=False,
    )
    far = results.filter(
        Q(latest_value__gt=F("baseline_value") * OUTLIER_FACTOR)
        | Q(latest_value__lt=F("baseline_value") / OUTLIER_FACTOR)
    )
    estimates = KpiMeasurement.objects.filter(
        enterprise__in=enterprises.values("pk"),
        period=month,
        source=KpiMeasurement.Source.ESTIMATE,
        verified_by__isnull=True,
    )
    return DataQuality(
        outliers=list(
            far.select_related("enterprise", "indicator").order_by("enterprise__name", "pk")[
                :FLAG_LIST_LENGTH
            ]
        ),
        outlier_count=far.count(),
        unverified_estimates=estimates.count(),
        reporting_month=month,
    )


# --- training cost ----------------------------------------------------------------------


@dataclass(frozen=True)
class CostShare:
    currency: str
    total: float
    paid_by_others: float

    @property
    def share_by_others(self) -> float | None:
        return self.paid_by_others / self.total * 100 if self.total else None


def cost_shares(user, *, enterprises: QuerySet[Enterprise]) -> list[CostShare]:
    """Per currency, the fees of the enrolments and the share not paid by the ILO."""
    rows = (
        enrolments_visible_to(user)
        .filter(enterprise__in=enterprises.values("pk"), fee_amount__isnull=False)
        .exclude(paid_by="")
        .select_related(None)
        .values("fee_currency")
        .annotate(
            total=Sum("fee_amount"),
            others=Sum("fee_amount", filter=~Q(paid_by=PaidBy.ILO)),
        )
        .order_by("-total")
    )
    return [
        CostShare(
            currency=row["fee_currency"],
            total=float(row["total"] or 0),
            paid_by_others=float(row["others"] or 0),
        )
        for row in rows
    ]


# --- a partner's pipeline, overdue work and trainers ------------------------------------


@dataclass
class PipelineRow:
    module: TrainingModule
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def pipeline(user, *, enterprises: QuerySet[Enterprise]) -> list[PipelineRow]:
    """Enrolments by status per module (two queries)."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        enrolments_visible_to(user)
        .filter(enterprise__in=enterprises.values("pk"))
        .select_related(None)
        .values("module_id", "status")
        .annotate(total=Count("pk"))
        .order_by()
    )
    for row in rows:
        counts[row["module_id"]][row["status"]] = row["total"]
    return [
        PipelineRow(
            module=module,
            counts={status: counts[module.pk].get(status, 0) for status in Enrolment.Status.values},
        )
        for module in training_modules()
    ]


@dataclass(frozen=True)
class WorkList:
    items: list
    total: int


def overdue_work(user, *, enterprises: QuerySet[Enterprise], today=None) -> dict[str, WorkList]:
    today = today or timezone.localdate()
    enrolments = enrolments_visible_to(user).filter(enterprise__in=enterprises.values("pk"))
    visits = enrolments_with_overdue_follow_up(enrolments, today=today).order_by("started_on", "pk")
    projects = (
        improvement_projects_visible_to(user)
        .filter(
            enrolment__enterprise__in=enterprises.values("pk"),
            due_on__lt=today,
            status__in=[ImprovementProject.Status.OPEN, ImprovementProject.Status.IN_PROGRESS],
        )
        .order_by("due_on", "pk")
    )
    return {
        "visits": WorkList(list(visits[:WORK_LIST_LENGTH]), visits.count()),
        "projects": WorkList(list(projects[:WORK_LIST_LENGTH]), projects.count()),
    }


@dataclass(frozen=True)
class TrainerLoad:
    trainer_id: int
    full_name: str
    sessions: int
    visits: int


def trainer_workload(user, *, partner_id: int, today=None) -> list[TrainerLoad]:
    """Classroom sessions and consultation visits each of the partner's trainers led in the
    last twelve months (three queries), busiest first."""
    today = today or timezone.localdate()
    since = today - timedelta(days=365 * WORKLOAD_MONTHS // 12)
    trainers = list(
        trainers_visible_to(user)
        .filter(organisation_id=partner_id)
        .select_related(None)
        .annotate(
            sessions=Count(
                "classroom_sessions",
                filter=Q(classroom_sessions__starts_on__gte=since),
                distinct=True,
            )
        )
        .values("pk", "full_name", "sessions")
    )
    visits = dict(
        visits_visible_to(user)
        .filter(trainer__organisation_id=partner_id, visited_on__gte=since)
        .select_related(None)
        .values("trainer_id")
        .annotate(total=Count("pk"))
        .order_by()
        .values_list("trainer_id", "total")
    )
    loads = [
        TrainerLoad(
            trainer_id=row["pk"],
            full_name=row["full_name"],
            sessions=row["sessions"],
            visits=visits.get(row["pk"], 0),
        )
        for row in trainers
    ]
    loads.sort(key=lambda load: (-(load.sessions + load.visits), load.full_name))
    return loads


def certifications_expiring(user, *, partner_id: int, today=None):
    today = today or timezone.localdate()
    return list(
        certifications_visible_to(user)
        .filter(
            trainer__organisation_id=partner_id,
            expires_on__gte=today,
            expires_on__lte=today + timedelta(days=CERTIFICATION_WARNING_DAYS),
        )
        .order_by("expires_on", "pk")
    )
