"""The dashboards' figures from the computed tables: the filters, the headline tiles, the
KPI results and trend, the breakdowns by group. Each function runs a fixed number of
queries, whatever the size of the data."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from enterprises.models import Enterprise, Sector
from modules.models import Enrolment
from modules.selectors import (
    training_modules,
)
from partners.access import principal_of
from partners.models import Organisation
from reports.aggregation.functions import PercentileCont, StableMean
from reports.models import (
    MINIMUM_GROUP_SIZE,
    EnterpriseKpiResult,
    Indicator,
    KpiSummary,
    ReachSummary,
    Scope,
)
from reports.selectors import (
    IndicatorSummary,
    Reach,
    indicators,
    kpi_summary,
    kpi_trend,
    reach,
)
from score_platform.countries import country_names


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

    @property
    def figures(self) -> dict[str, int] | None:
        """The ReachSummary's counts; None before the first run and when withheld."""
        return self.reach.figures if self.reach is not None else None

    @property
    def withheld(self) -> bool:
        return self.reach is not None and self.reach.withheld

    def _share(self, name: str) -> float | None:
        trained = self.figures["participants_trained"] if self.figures else 0
        return self.figures[name] / trained * 100 if trained else None

    @property
    def share_women(self) -> float | None:
        return self._share("participants_female")

    @property
    def share_workers(self) -> float | None:
        return self._share("participants_workers")


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
        Scope.COUNTRY: country_names(),
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
        country_names()
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
