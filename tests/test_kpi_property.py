"""The SQL results equal a plain-Python reading of kpis.md on random data.

Runs on the database the suite runs on: SQLite by default, PostgreSQL on CI.
"""

import math
import statistics
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modules.models import Enrolment
from partners.models import Organisation, SupplierLink
from reports.aggregation.recompute import recompute_all
from reports.models import EnterpriseKpiResult, Indicator, KpiSummary, Scope
from tests import factories
from tests.kpi_helpers import month

pytestmark = pytest.mark.django_db

INDICATORS = ("productivity", "defect_rate")
COUNTRIES = ("CN", "IN", "VN")
MODULE_STATUSES = ("planned", "classroom", "completed", "withdrawn")

values = st.decimals(min_value=0, max_value=5000, places=4, allow_nan=False)
measured_series = st.fixed_dictionaries(
    {
        "baseline": st.one_of(st.none(), st.just(Decimal(0)), values),
        # month offsets (before the current month) after the baseline's month 20
        "later": st.dictionaries(st.integers(min_value=0, max_value=19), values, max_size=5),
    }
)
enterprise_data = st.fixed_dictionaries(
    {
        "country": st.sampled_from(COUNTRIES),
        "partner": st.integers(min_value=0, max_value=1),
        "brands": st.dictionaries(
            st.integers(min_value=0, max_value=1),
            st.sampled_from(["granted", "requested", "revoked"]),
        ),
        "wco": st.one_of(st.none(), st.sampled_from(MODULE_STATUSES)),
        "series": st.dictionaries(st.sampled_from(INDICATORS), measured_series),
    }
)


def percentile(values: list[float], fraction: float) -> float:
    """percentile_cont written out: linear interpolation between the nearest ranks."""
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def improvement(direction: str, baseline, later: dict, as_of_offset: int):
    """kpis.md for one series as of the month ``as_of_offset`` months before now."""
    seen = {offset: value for offset, value in later.items() if offset >= as_of_offset}
    if baseline is None or baseline == 0 or not seen:
        return None
    latest = seen[min(seen)]
    change = latest - baseline if direction == "higher" else baseline - latest
    return float(change * 100 / baseline)


def close(left, right) -> bool:
    return math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-9)


def build(data):
    partners = [
        factories.OrganisationFactory(name=f"Partner {n}", kind=Organisation.Kind.PARTNER)
        for n in range(2)
    ]
    brands = [
        factories.OrganisationFactory(name=f"Brand {n}", kind=Organisation.Kind.BRAND)
        for n in range(2)
    ]
    indicators = {code: Indicator.objects.get(code=code) for code in INDICATORS}
    built = []
    for item in data:
        company = factories.EnterpriseFactory(
            partner=partners[item["partner"]], country=item["country"]
        )
        for brand, status in item["brands"].items():
            factories.SupplierLinkFactory(brand=brands[brand], enterprise=company, status=status)
        if item["wco"]:
            completed_on = month(1) if item["wco"] == Enrolment.Status.COMPLETED else None
            factories.EnrolmentFactory(
                enterprise=company, status=item["wco"], completed_on=completed_on
            )
        for code, measured in item["series"].items():
            if measured["baseline"] is not None:
                factories.KpiMeasurementFactory(
                    enterprise=company,
                    indicator=indicators[code],
                    period=month(20),
                    value=measured["baseline"],
                    is_baseline=True,
                )
            for offset, value in measured["later"].items():
                factories.KpiMeasurementFactory(
                    enterprise=company,
                    indicator=indicators[code],
                    period=month(offset),
                    value=value,
                )
        built.append((company, item))
    return built, partners, brands, indicators


def expected_groups(built, partners, brands):
    groups = defaultdict(list)
    for company, item in built:
        groups[(Scope.PROGRAMME, "")].append((company, item))
        groups[(Scope.COUNTRY, item["country"])].append((company, item))
        groups[(Scope.PARTNER, str(partners[item["partner"]].pk))].append((company, item))
        groups[(Scope.SECTOR, company.sector)].append((company, item))
        for brand, status in item["brands"].items():
            if status == SupplierLink.Status.GRANTED:
                groups[(Scope.BRAND, str(brands[brand].pk))].append((company, item))
        if item["wco"] and item["wco"] != Enrolment.Status.WITHDRAWN:
            groups[(Scope.MODULE, "WCO")].append((company, item))
    return groups


def check_summaries(groups, indicators, *, as_of_offset: int, scopes):
    as_of = month(as_of_offset)
    stored = {
        (row.scope, row.scope_key, row.indicator_id): row
        for row in KpiSummary.objects.filter(as_of=as_of, scope__in=scopes)
    }
    expected_keys = set()
    for (scope, key), members in groups.items():
        if scope not in scopes:
            continue
        for code, indicator in indicators.items():
            improvements = [
                improvement(
                    indicator.direction,
                    item["series"][code]["baseline"],
                    item["series"][code]["later"],
                    as_of_offset,
                )
                for _, item in members
                if code in item["series"]
            ]
            improvements = [value for value in improvements if value is not None]
            if not improvements:
                continue
            expected_keys.add((scope, key, indicator.pk))
            row = stored[(scope, key, indicator.pk)]
            assert row.enterprises_reporting == len(improvements)
            assert close(row.median_improvement_pct, statistics.median(improvements))
            assert close(row.median_improvement_pct, percentile(improvements, 0.5))
            assert close(row.p90_improvement_pct, percentile(improvements, 0.9))
            assert close(row.mean_improvement_pct, statistics.fmean(improvements))
            improved = sum(1 for value in improvements if value > 0)
            assert close(row.share_improved, improved / len(improvements))
    assert set(stored) == expected_keys


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.lists(enterprise_data, min_size=1, max_size=8), as_of_offset=st.integers(1, 22))
def test_sql_results_and_summaries_equal_a_python_computation(data, as_of_offset):
    with transaction.atomic():
        built, partners, brands, indicators = build(data)

        recompute_all(history=True)

        for company, item in built:
            for code, indicator in indicators.items():
                stored = EnterpriseKpiResult.objects.filter(
                    enterprise=company, indicator=indicator
                ).first()
                measured = item["series"].get(code)
                if not measured or (measured["baseline"] is None and not measured["later"]):
                    assert stored is None
                    continue
                expected = improvement(
                    indicator.direction, measured["baseline"], measured["later"], 0
                )
                if expected is None:
                    assert stored.improvement_pct is None
                else:
                    assert close(stored.improvement_pct, expected)
                assert stored.months_observed == len(measured["later"]) + (
                    measured["baseline"] is not None
                )
        groups = expected_groups(built, partners, brands)
        check_summaries(groups, indicators, as_of_offset=0, scopes=list(Scope.values))
        check_summaries(
            groups, indicators, as_of_offset=as_of_offset, scopes=[Scope.PROGRAMME, Scope.COUNTRY]
        )
        transaction.set_rollback(True)
