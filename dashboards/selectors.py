"""What the dashboards show, read from the computed tables through the reports selectors.

Every figure of a KPI result or of reach comes from the tables the aggregation writes
(``KpiSummary``, ``ReachSummary``, ``EnterpriseKpiResult``); no page scans the monthly
measurements. Each function runs a fixed number of queries, whatever the data's size,
so a dashboard's query count stays the same from the demo world to profile L.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django_countries import countries

from enterprises.models import Enterprise, Sector
from modules.models import Enrolment, ImprovementProject, PaidBy, TrainingModule
from modules.selectors import (
    enrolments_visible_to,
    enrolments_with_overdue_follow_up,
    improvement_projects_visible_to,
    training_modules,
    visits_visible_to,
)
from partners.access import principal_of
from partners.models import Organisation, SupplierLink
from partners.selectors import supplier_links_visible_to
from reports.aggregation.functions import PercentileCont, StableMean
from reports.models import (
    MINIMUM_GROUP_SIZE,
    EnterpriseKpiResult,
    Indicator,
    KpiMeasurement,
    KpiSummary,
    ReachSummary,
    Scope,
)
from reports.selectors import (
    IndicatorSummary,
    Reach,
    enterprises_missing_kpis,
    indicators,
    kpi_summary,
    kpi_trend,
    previous_month,
    reach,
)
from score_platform.selectors import get_visible_or_404
from trainers.selectors import certifications_visible_to, trainers_visible_to

# How far a latest value may stray from the enterprise's baseline before the dashboard
# flags it for a second look: a tenth of it, or ten times it.
OUTLIER_FACTOR = 10
FLAG_LIST_LENGTH = 20
WORK_LIST_LENGTH = 10
CERTIFICATION_WARNING_DAYS = 90
WORKLOAD_MONTHS = 12


@dataclass(frozen=True)
class Filters:
    """The dashboard filters: a month of the summaries and one narrowing group at most for
    the programme (its figures are computed per country, sector or module)."""

    period: date | None = None
    country: str = ""
    sector: str = ""
    module: str = ""
    indicator: str = ""

    @property
    def narrows(self) -> bool:
        return bool(self.country or self.sector or self.module)

    def group(self) -> tuple[str, str]:
        """The computed group of the programme these filters name."""
        if self.country:
            return Scope.COUNTRY, self.country
        if self.sector:
            return Scope.SECTOR, self.sector
        if self.module:
            return Scope.MODULE, self.module
        return Scope.PROGRAMME, ""

    def narrow(self, enterprises: QuerySet[Enterprise]) -> QuerySet[Enterprise]:
        """The enterprises of ``enterprises`` inside every chosen group."""
        if self.country:
            enterprises = enterprises.filter(country=self.country)
        if self.sector:
            enterprises = enterprises.filter(sector=self.sector)
        if self.module:
            live = Enrolment.objects.filter(
                enterprise_id=OuterRef("pk"), module__code=self.module
            ).exclude(status=Enrolment.Status.WITHDRAWN)
            enterprises = enterprises.filter(Exists(live))
        return enterprises


# --- headline figures -------------------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    """The tiles: a group's reach with the shares the press releases quote."""

    reach: Reach | None

    def _figure(self, name: str) -> int | None:
        if self.reach is None or self.reach.withheld:
            return None
        return self.reach.figures[name]

    def __getattr__(self, name: str):
        if name.startswith("_") or name in ("reach",):
            raise AttributeError(name)
        return self._figure(name)

    @property
    def withheld(self) -> bool:
        return self.reach is not None and self.reach.withheld

    @property
    def share_women(self) -> float | None:
        trained = self._figure("participants_trained")
        return self._figure("participants_female") / trained * 100 if trained else None

    @property
    def share_workers(self) -> float | None:
        trained = self._figure("participants_trained")
        return self._figure("participants_workers") / trained * 100 if trained else None


def headline(user, scope: str, key="") -> Headline:
    return Headline(reach=reach(user, scope, key))


# --- KPI results ------------------------------------------------------------------------


def summary_months(scope: str, key="") -> list[date]:
    """The months whose summaries are kept for a group, latest first (the period filter)."""
    return list(
        KpiSummary.objects.filter(scope=scope, scope_key=key)
        .order_by("-as_of")
        .values_list("as_of", flat=True)
        .distinct()
    )


def countries_of(enterprises: QuerySet[Enterprise]) -> list[str]:
    """The countries the enterprises are in (the country filter's choices)."""
    return list(enterprises.order_by("country").values_list("country", flat=True).distinct())


def summaries_of_results(
    results: QuerySet[EnterpriseKpiResult], *, withhold_small_groups: bool
) -> list[IndicatorSummary]:
    """kpis.md's summary, per indicator, over the enterprise results given (one query).

    For a combination of groups the aggregation does not keep (a partner's enterprises in
    one country, say), computed on the fly from the enterprises' computed results.
    """
    catalogue = {indicator.pk: indicator for indicator in indicators()}
    rows = (
        results.filter(improvement_pct__isnull=False)
        .values("indicator_id")
        .annotate(
            reporting=Count("pk"),
            median=PercentileCont("improvement_pct", 0.5),
            mean=StableMean("improvement_pct"),
            p90=PercentileCont("improvement_pct", 0.9),
            improved=Count("pk", filter=Q(improvement_pct__gt=0)),
        )
        .order_by()
    )
    as_of = timezone.localdate().replace(day=1)
    by_indicator = {row["indicator_id"]: row for row in rows}
    summaries = []
    for indicator in catalogue.values():
        row = by_indicator.get(indicator.pk)
        if row is None:
            continue
        if withhold_small_groups and row["reporting"] < MINIMUM_GROUP_SIZE:
            summaries.append(IndicatorSummary(indicator, as_of, True, None, None, None, None, None))
            continue
        summaries.append(
            IndicatorSummary(
                indicator=indicator,
                as_of=as_of,
                withheld=False,
                enterprises_reporting=row["reporting"],
                median_improvement_pct=row["median"],
                mean_improvement_pct=row["mean"],
                p90_improvement_pct=row["p90"],
                share_improved=row["improved"] / row["reporting"],
            )
        )
    return summaries


def kpi_results(
    user, *, scope: str, key="", enterprises: QuerySet[Enterprise], filters: Filters
) -> list[IndicatorSummary]:
    """The KPI results of a dashboard: its group's computed summary, or, when the filters
    narrow a partner's or a brand's enterprises, the summary of their computed results."""
    if scope == Scope.PROGRAMME:
        group_scope, group_key = filters.group()
        return kpi_summary(user, group_scope, group_key, as_of=filters.period)
    if not filters.narrows:
        return kpi_summary(user, scope, key, as_of=filters.period)
    return summaries_of_results(
        EnterpriseKpiResult.objects.filter(enterprise__in=filters.narrow(enterprises).values("pk")),
        withhold_small_groups=principal_of(user).is_brand,
    )


@dataclass(frozen=True)
class TrendSeries:
    """A group's median improvement per indicator, month by month (oldest first)."""

    months: list[date]
    indicators: list[Indicator]
    medians: dict[int, list[float | None]]

    @property
    def rows(self) -> list[tuple[date, list[float | None]]]:
        return [
            (month, [self.medians[indicator.pk][index] for indicator in self.indicators])
            for index, month in enumerate(self.months)
        ]


def trend(user, scope: str, key="") -> TrendSeries:
    summaries = kpi_trend(user, scope, key)
    months = sorted({summary.as_of for summary in summaries})
    position = {month: index for index, month in enumerate(months)}
    catalogue: dict[int, Indicator] = {}
    medians: dict[int, list[float | None]] = {}
    for summary in summaries:
        indicator = summary.indicator
        if indicator.pk not in catalogue:
            catalogue[indicator.pk] = indicator
            medians[indicator.pk] = [None] * len(months)
        medians[indicator.pk][position[summary.as_of]] = summary.median_improvement_pct
    ordered = sorted(catalogue.values(), key=lambda indicator: (indicator.order, indicator.code))
    return TrendSeries(months=months, indicators=ordered, medians=medians)


# --- breakdowns -------------------------------------------------------------------------


@dataclass
class BreakdownRow:
    key: str
    label: str
    enterprises_trained: int | None = None
    employees_benefiting: int | None = None
    participants_trained: int | None = None
    enterprises_reporting: int | None = None
    median_improvement_pct: float | None = None
    p90_improvement_pct: float | None = None
    withheld: bool = False


@dataclass
class Breakdown:
    scope: str
    indicator: Indicator | None
    rows: list[BreakdownRow] = field(default_factory=list)

    @property
    def chartable(self) -> bool:
        return any(row.median_improvement_pct is not None for row in self.rows)


BREAKDOWN_SCOPES = (Scope.COUNTRY, Scope.PARTNER, Scope.MODULE, Scope.SECTOR)


def _latest_of_each_group(queryset, *, extra=()):
    latest = queryset.filter(
        scope=OuterRef("scope"), scope_key=OuterRef("scope_key"), **dict(extra)
    ).order_by("-as_of")
    return queryset.filter(as_of=Subquery(latest.values("as_of")[:1]))


def breakdown_indicator(code: str) -> Indicator | None:
    catalogue = list(indicators())
    for indicator in catalogue:
        if indicator.code == code:
            return indicator
    return catalogue[0] if catalogue else None


def programme_breakdowns(user, *, indicator: Indicator | None) -> dict[str, Breakdown]:
    """Reach and one indicator's summary of every country, partner, module and sector
    (four queries: summaries, reach, partner names, module names). ILO staff only."""
    if not principal_of(user).is_ilo:
        return {}
    breakdowns = {scope: Breakdown(scope=scope, indicator=indicator) for scope in BREAKDOWN_SCOPES}
    rows: dict[tuple[str, str], BreakdownRow] = {}
    reach_rows = _latest_of_each_group(
        ReachSummary.objects.filter(scope__in=BREAKDOWN_SCOPES)
    ).order_by("scope", "scope_key")
    for summary in reach_rows:
        rows[summary.scope, summary.scope_key] = BreakdownRow(
            key=summary.scope_key,
            label=summary.scope_key,
            enterprises_trained=summary.enterprises_trained,
            employees_benefiting=summary.employees_benefiting,
            participants_trained=summary.participants_trained,
        )
    if indicator is not None:
        group_summaries = _latest_of_each_group(
            KpiSummary.objects.filter(scope__in=BREAKDOWN_SCOPES, indicator=indicator),
            extra={"indicator_id": indicator.pk},
        )
        for summary in group_summaries:
            row = rows.setdefault(
                (summary.scope, summary.scope_key),
                BreakdownRow(key=summary.scope_key, label=summary.scope_key),
            )
            row.enterprises_reporting = summary.enterprises_reporting
            row.median_improvement_pct = summary.median_improvement_pct
            row.p90_improvement_pct = summary.p90_improvement_pct
    labels = _group_labels({scope_key for scope, scope_key in rows if scope == Scope.PARTNER})
    for (scope, scope_key), row in rows.items():
        row.label = labels[scope].get(scope_key, scope_key)
        breakdowns[scope].rows.append(row)
    for breakdown in breakdowns.values():
        breakdown.rows.sort(key=lambda row: (-(row.enterprises_trained or 0), row.label))
    return breakdowns


def _group_labels(partner_ids) -> dict[str, dict[str, str]]:
    partner_keys = [key for key in partner_ids if key.isdigit()]
    return {
        Scope.COUNTRY: {code: str(name) for code, name in countries},
        Scope.SECTOR: {value: str(label) for value, label in Sector.choices},
        Scope.MODULE: {module.code: module.label for module in training_modules()},
        Scope.PARTNER: {
            str(pk): name
            for pk, name in Organisation.objects.filter(pk__in=partner_keys).values_list(
                "pk", "name"
            )
        }
        if partner_keys
        else {},
    }


def portfolio_breakdown(
    enterprises: QuerySet[Enterprise], *, by: str, indicator: Indicator | None, withhold: bool
) -> Breakdown:
    """One indicator's results of the given enterprises per country or sector (one query),
    from their computed results; groups under three are withheld when ``withhold``."""
    breakdown = Breakdown(scope=by, indicator=indicator)
    if indicator is None:
        return breakdown
    column = f"enterprise__{by}"
    rows = (
        EnterpriseKpiResult.objects.filter(
            enterprise__in=enterprises.values("pk"),
            indicator=indicator,
            improvement_pct__isnull=False,
        )
        .values(column)
        .annotate(
            reporting=Count("pk"),
            median=PercentileCont("improvement_pct", 0.5),
            p90=PercentileCont("improvement_pct", 0.9),
        )
        .order_by(column)
    )
    labels = (
        {code: str(name) for code, name in countries}
        if by == "country"
        else {value: str(label) for value, label in Sector.choices}
    )
    for row in rows:
        key = str(row[column])
        small = withhold and row["reporting"] < MINIMUM_GROUP_SIZE
        breakdown.rows.append(
            BreakdownRow(
                key=key,
                label=labels.get(key, key),
                enterprises_reporting=None if small else row["reporting"],
                median_improvement_pct=None if small else row["median"],
                p90_improvement_pct=None if small else row["p90"],
                withheld=small,
            )
        )
    breakdown.rows.sort(key=lambda row: (-(row.enterprises_reporting or 0), row.label))
    return breakdown


# --- reporting compliance and data quality ----------------------------------------------


@dataclass(frozen=True)
class Compliance:
    reporting_month: date
    missing_kpis: int
    overdue_follow_ups: int


def compliance(user, *, enterprises: QuerySet[Enterprise], today=None) -> Compliance:
    month = previous_month(today)
    enrolments = enrolments_visible_to(user).filter(enterprise__in=enterprises.values("pk"))
    return Compliance(
        reporting_month=month,
        missing_kpis=enterprises_missing_kpis(enterprises, period=month).count(),
        overdue_follow_ups=enrolments_with_overdue_follow_up(enrolments, today=today).count(),
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


# --- a brand's suppliers ----------------------------------------------------------------


def brand_suppliers(brand_id: int) -> QuerySet[Enterprise]:
    """The enterprises with a granted link to the brand (ILO staff viewing a brand)."""
    return Enterprise.objects.filter(
        pk__in=SupplierLink.objects.filter(
            brand_id=brand_id, status=SupplierLink.Status.GRANTED
        ).values("enterprise_id")
    )


@dataclass
class SupplierRow:
    enterprise: Enterprise
    modules_completed: int
    reported_last_month: bool
    improvements: dict[int, float | None]


def supplier_table(enterprises: QuerySet[Enterprise], *, today=None) -> QuerySet[Enterprise]:
    """The supplier table's rows: profile, modules completed, last month's reporting."""
    month = previous_month(today)
    completed = Count(
        "enrolments",
        filter=Q(enrolments__status=Enrolment.Status.COMPLETED),
        distinct=True,
    )
    reported = KpiMeasurement.objects.filter(enterprise_id=OuterRef("pk"), period=month)
    return (
        enterprises.annotate(modules_completed=completed, reported_last_month=Exists(reported))
        .only("pk", "name", "country", "sector", "os_id", "employees_total")
        .order_by("name", "pk")
    )


def supplier_rows(enterprises: list[Enterprise]) -> list[SupplierRow]:
    """The page's suppliers with their latest improvement per indicator (one query)."""
    improvements: dict[int, dict[int, float | None]] = defaultdict(dict)
    results = EnterpriseKpiResult.objects.filter(
        enterprise_id__in=[enterprise.pk for enterprise in enterprises]
    ).values_list("enterprise_id", "indicator_id", "improvement_pct")
    for enterprise_id, indicator_id, improvement in results:
        improvements[enterprise_id][indicator_id] = improvement
    return [
        SupplierRow(
            enterprise=enterprise,
            modules_completed=enterprise.modules_completed,
            reported_last_month=enterprise.reported_last_month,
            improvements=improvements[enterprise.pk],
        )
        for enterprise in enterprises
    ]


def supplier_links_of_brand(user, brand_id: int) -> QuerySet[SupplierLink]:
    """The brand's link requests, newest first (the page names the enterprise only once
    the link is granted)."""
    return (
        supplier_links_visible_to(user).filter(brand_id=brand_id).order_by("-requested_at", "-pk")
    )


def brand_get(user, pk) -> Organisation:
    """The brand a dashboard is for: ILO staff any brand, a brand viewer its own; 404 else."""
    principal = principal_of(user)
    brands = Organisation.objects.filter(kind=Organisation.Kind.BRAND)
    if not principal.is_ilo:
        brands = brands.filter(pk=principal.organisation_id if principal.is_brand else None)
    return get_visible_or_404(brands, pk=pk)


def partner_get(user, pk) -> Organisation:
    """The partner a dashboard is for: ILO staff any partner, a partner its own; 404 else."""
    principal = principal_of(user)
    partners = Organisation.objects.filter(kind=Organisation.Kind.PARTNER)
    if not principal.is_ilo:
        partners = partners.filter(pk=principal.organisation_id if principal.is_partner else None)
    return get_visible_or_404(partners, pk=pk)
