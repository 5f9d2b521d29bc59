"""Building KPI series quickly for the aggregation tests (factories, no services)."""

from datetime import date
from decimal import Decimal

from reports.aggregation.recompute import current_month, months_before
from reports.models import REACH_FIGURES, EnterpriseKpiResult, KpiSummary, ReachSummary
from tests import factories


def month(offset: int) -> date:
    """The month ``offset`` months before the current one (0: the current month)."""
    if offset == 0:
        return current_month()
    return months_before(current_month(), offset)[0]


def series(enterprise, code: str, baseline, *later, start: int = 12, baseline_flag=True):
    """A baseline ``start`` months ago, then one value a month; None skips a month."""
    indicator = factories.indicator(code)
    values = [baseline, *later]
    for position, value in enumerate(values):
        if value is None:
            continue
        factories.KpiMeasurementFactory(
            enterprise=enterprise,
            indicator=indicator,
            period=month(start - position),
            value=Decimal(str(value)),
            is_baseline=baseline_flag and position == 0,
        )


def result(enterprise, code: str) -> EnterpriseKpiResult | None:
    return EnterpriseKpiResult.objects.filter(enterprise=enterprise, indicator__code=code).first()


def summary(scope: str, key: str, code: str, *, as_of: date | None = None) -> KpiSummary | None:
    return KpiSummary.objects.filter(
        scope=scope, scope_key=key, indicator__code=code, as_of=as_of or current_month()
    ).first()


def reach_of(scope: str, key: str = "") -> ReachSummary | None:
    return ReachSummary.objects.filter(scope=scope, scope_key=key).first()


def table_snapshot() -> dict[str, list[tuple]]:
    """Every computed table's rows (ids and stamps included), to compare two runs exactly."""
    from reports.models import ScopeGroup, ScopeMember

    return {
        "results": list(EnterpriseKpiResult.objects.order_by("pk").values_list()),
        "summaries": list(KpiSummary.objects.order_by("pk").values_list()),
        "reach": list(ReachSummary.objects.order_by("pk").values_list()),
        "groups": list(ScopeGroup.objects.order_by("pk").values_list()),
        "members": list(ScopeMember.objects.order_by("pk").values_list()),
    }


def figures_snapshot() -> dict[str, set[tuple]]:
    """The computed figures without ids and stamps, to compare two ways of computing them."""
    return {
        "results": set(
            EnterpriseKpiResult.objects.values_list(
                "enterprise_id",
                "indicator_id",
                "baseline_value",
                "baseline_period",
                "latest_value",
                "latest_period",
                "improvement_pct",
                "months_observed",
            )
        ),
        "summaries": set(
            KpiSummary.objects.values_list(
                "scope",
                "scope_key",
                "indicator_id",
                "as_of",
                "enterprises_reporting",
                "median_improvement_pct",
                "mean_improvement_pct",
                "p90_improvement_pct",
                "share_improved",
            )
        ),
        "reach": set(ReachSummary.objects.values_list(*REACH_COLUMNS)),
    }


REACH_COLUMNS = ("scope", "scope_key", "as_of", *REACH_FIGURES)
