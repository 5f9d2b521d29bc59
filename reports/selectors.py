"""Scoped reads of the KPI catalogue, the measurements and the computed tables."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Exists, Min, OuterRef, QuerySet, Subquery
from django.utils import timezone

from enterprises.selectors import enterprises_visible_to
from modules.models import Enrolment
from partners.access import principal_of
from reports.models import (
    MINIMUM_GROUP_SIZE,
    REACH_FIGURES,
    AggregationRun,
    EnterpriseKpiResult,
    Indicator,
    KpiMeasurement,
    KpiSummary,
    PendingEnterpriseRecompute,
    PendingSummaryRecompute,
    ReachSummary,
    Scope,
)
from score_platform.selectors import get_visible_or_404


def indicators() -> QuerySet[Indicator]:
    return Indicator.objects.all()


def kpi_measurements_visible_to(user) -> QuerySet[KpiMeasurement]:
    """Raw monthly values: ILO and the serving partner. Brands read results, not raw values."""
    principal = principal_of(user)
    measurements = KpiMeasurement.objects.select_related("indicator", "enterprise")
    if principal.is_ilo:
        return measurements
    if principal.is_partner:
        return measurements.filter(enterprise__partner_id=principal.organisation_id)
    return measurements.none()


# --- computed results and summaries (the dashboards and the API read only these) ---------


@dataclass(frozen=True)
class IndicatorSummary:
    """One indicator's summary for a group; the figures are None when withheld."""

    indicator: Indicator
    as_of: date
    withheld: bool
    enterprises_reporting: int | None
    median_improvement_pct: float | None
    mean_improvement_pct: float | None
    p90_improvement_pct: float | None
    share_improved: float | None

    @classmethod
    def of(cls, summary: KpiSummary, *, withhold_small_groups: bool) -> "IndicatorSummary":
        if withhold_small_groups and summary.enterprises_reporting < MINIMUM_GROUP_SIZE:
            return cls(summary.indicator, summary.as_of, True, None, None, None, None, None)
        return cls(
            indicator=summary.indicator,
            as_of=summary.as_of,
            withheld=False,
            enterprises_reporting=summary.enterprises_reporting,
            median_improvement_pct=summary.median_improvement_pct,
            mean_improvement_pct=summary.mean_improvement_pct,
            p90_improvement_pct=summary.p90_improvement_pct,
            share_improved=summary.share_improved,
        )


@dataclass(frozen=True)
class Reach:
    """A group's reach; ``figures`` is None when withheld, else the ReachSummary's counts."""

    as_of: date
    withheld: bool
    figures: dict[str, int] | None


def normalised_key(scope: str, key) -> str:
    key = "" if key is None else str(key).strip()
    if scope == Scope.PROGRAMME:
        return ""
    if scope in (Scope.COUNTRY, Scope.MODULE):
        return key.upper()
    return key


def may_read_scope(user, scope: str, key) -> bool:
    """access.md: ILO reads every group; a partner its own partner group; a brand its own
    brand group. Anyone else reads no group (the public page has its own selectors)."""
    if scope not in Scope.values:
        return False
    principal = principal_of(user)
    if principal.is_ilo:
        return True
    own = str(principal.organisation_id)
    if principal.is_partner:
        return scope == Scope.PARTNER and normalised_key(scope, key) == own
    if principal.is_brand:
        return scope == Scope.BRAND and normalised_key(scope, key) == own
    return False


def _group_summaries(scope: str, key: str, *, as_of: date | None) -> QuerySet[KpiSummary]:
    """Each indicator's summary of the month asked for, or its latest (a run that refreshed
    one indicator after the turn of a month leaves the others at the month before)."""
    group = KpiSummary.objects.filter(scope=scope, scope_key=key)
    if as_of is not None:
        month = as_of
    else:
        latest = group.filter(indicator_id=OuterRef("indicator_id")).order_by("-as_of")
        month = Subquery(latest.values("as_of")[:1])
    return group.filter(as_of=month).select_related("indicator").order_by("indicator__order")


def kpi_summary(user, scope: str, key="", *, as_of: date | None = None) -> list[IndicatorSummary]:
    """The group's summary per indicator for the latest month (or ``as_of``), in one query;
    an empty list outside the user's scope. Brands get small groups withheld."""
    if not may_read_scope(user, scope, key):
        return []
    withhold = principal_of(user).is_brand
    return [
        IndicatorSummary.of(summary, withhold_small_groups=withhold)
        for summary in _group_summaries(scope, normalised_key(scope, key), as_of=as_of)
    ]


def kpi_trend(user, scope: str, key="") -> list[IndicatorSummary]:
    """Every month kept for the group (the programme and countries keep 24), oldest first."""
    if not may_read_scope(user, scope, key):
        return []
    withhold = principal_of(user).is_brand
    summaries = (
        KpiSummary.objects.filter(scope=scope, scope_key=normalised_key(scope, key))
        .select_related("indicator")
        .order_by("as_of", "indicator__order")
    )
    return [IndicatorSummary.of(summary, withhold_small_groups=withhold) for summary in summaries]


def public_kpi_summary() -> list[IndicatorSummary]:
    """The anonymous impact page: programme-wide figures only, small groups withheld."""
    return [
        IndicatorSummary.of(summary, withhold_small_groups=True)
        for summary in _group_summaries(Scope.PROGRAMME, "", as_of=None)
    ]


def _reach_of(summary: ReachSummary | None, *, withhold_small_groups: bool) -> Reach | None:
    if summary is None:
        return None
    if withhold_small_groups and summary.is_withheld_from_brands:
        return Reach(as_of=summary.as_of, withheld=True, figures=None)
    figures = {name: getattr(summary, name) for name in REACH_FIGURES}
    return Reach(as_of=summary.as_of, withheld=False, figures=figures)


def reach(user, scope: str, key="") -> Reach | None:
    """The group's latest reach; None outside the user's scope or before the first run."""
    if not may_read_scope(user, scope, key):
        return None
    summary = (
        ReachSummary.objects.filter(scope=scope, scope_key=normalised_key(scope, key))
        .order_by("-as_of")
        .first()
    )
    return _reach_of(summary, withhold_small_groups=principal_of(user).is_brand)


def public_reach() -> Reach | None:
    summary = ReachSummary.objects.filter(scope=Scope.PROGRAMME, scope_key="").order_by("-as_of")
    return _reach_of(summary.first(), withhold_small_groups=True)


def enterprise_kpi_results(user, enterprise) -> QuerySet[EnterpriseKpiResult]:
    """One enterprise's results per indicator; 404 when the enterprise is outside the scope.

    Brands read these for their granted suppliers (results, never raw measurements).
    """
    enterprise_id = getattr(enterprise, "pk", enterprise)
    visible = get_visible_or_404(enterprises_visible_to(user).only("pk"), pk=enterprise_id)
    return (
        EnterpriseKpiResult.objects.filter(enterprise_id=visible.pk)
        .select_related("indicator")
        .order_by("indicator__order", "indicator__code")
    )


def aggregation_runs_visible_to(user) -> QuerySet[AggregationRun]:
    """The trace of the aggregation: ILO staff only."""
    runs = AggregationRun.objects.select_related("requested_by")
    return runs if principal_of(user).is_ilo else runs.none()


@dataclass(frozen=True)
class AggregationStatus:
    """What the aggregation still has to do: visible while the broker is away."""

    enterprises_waiting: int
    groups_waiting: int
    oldest_request_at: datetime | None
    last_run: AggregationRun | None


def aggregation_status(user) -> AggregationStatus | None:
    if not principal_of(user).is_ilo:
        return None
    waiting = PendingEnterpriseRecompute.objects.aggregate(
        count=Count("pk"), oldest=Min("requested_at")
    )
    groups = PendingSummaryRecompute.objects.aggregate(
        count=Count("pk"), oldest=Min("requested_at")
    )
    oldest = [moment for moment in (waiting["oldest"], groups["oldest"]) if moment]
    return AggregationStatus(
        enterprises_waiting=waiting["count"],
        groups_waiting=groups["count"],
        oldest_request_at=min(oldest) if oldest else None,
        last_run=aggregation_runs_visible_to(user).first(),
    )


def previous_month(today=None):
    """The first day of the month before ``today``'s (the month partners report next)."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def enterprises_missing_kpis(queryset, *, period):
    """Enterprises of ``queryset`` in the reporting cycle with no KPI value for ``period``.

    In the cycle means active, with a live (not withdrawn) enrolment: they report monthly
    from the baseline on, through the modules and after them.
    """
    live_enrolment = Enrolment.objects.filter(enterprise_id=OuterRef("pk")).exclude(
        status=Enrolment.Status.WITHDRAWN
    )
    reported = KpiMeasurement.objects.filter(enterprise_id=OuterRef("pk"), period=period)
    return queryset.filter(status="active").filter(Exists(live_enrolment)).exclude(Exists(reported))


@dataclass
class KpiRow:
    """One indicator's values for one enterprise, for the KPI table and its chart."""

    indicator: Indicator
    baseline: KpiMeasurement | None = None
    latest: KpiMeasurement | None = None
    measurements: list[KpiMeasurement] = field(default_factory=list)
    changes: int = 0

    @property
    def series(self) -> dict:
        """Values by month since the baseline, for a small chart against the baseline."""
        return {
            "labels": [measurement.period.strftime("%Y-%m") for measurement in self.measurements],
            "values": [float(measurement.value) for measurement in self.measurements],
            "baseline": float(self.baseline.value) if self.baseline else None,
        }


def enterprise_kpi_table(user, *, enterprise) -> list[KpiRow]:
    """Every indicator of the catalogue with the enterprise's values (three queries).

    ``changes`` counts the corrections of the visible values, from their audit history.
    """
    rows = {indicator.pk: KpiRow(indicator=indicator) for indicator in indicators()}
    measurements = list(
        kpi_measurements_visible_to(user)
        .filter(enterprise=enterprise)
        .select_related(None)
        .order_by("indicator_id", "period")
    )
    for measurement in measurements:
        row = rows[measurement.indicator_id]
        row.measurements.append(measurement)
        if measurement.is_baseline:
            row.baseline = measurement
        else:
            row.latest = measurement
    if measurements:
        changes = (
            KpiMeasurement.history.filter(
                id__in=[measurement.pk for measurement in measurements], history_type="~"
            )
            .values("indicator_id")
            .annotate(total=Count("history_id"))
            .order_by()
        )
        for change in changes:
            rows[change["indicator_id"]].changes = change["total"]
    return list(rows.values())
