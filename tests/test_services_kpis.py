"""Monthly KPI values: range, period, one value per month, one baseline, baseline first."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from reports.models import KpiMeasurement
from reports.services import measurement_delete, measurement_record, measurement_update
from tests import factories
from tests.factories import indicator
from tests.helpers import assert_rejected

pytestmark = pytest.mark.django_db


def record(world, code="defect_rate", *, period=date(2024, 1, 1), value="12.5", **fields):
    return measurement_record(
        actor=fields.pop("actor", world.users.sgs_staff),
        enterprise=fields.pop("enterprise", world.sgs_enterprise),
        indicator=indicator(code),
        period=period,
        value=Decimal(value),
        **fields,
    )


def next_month_start(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def test_partner_staff_reports_a_baseline_and_monthly_values(world):
    baseline = record(world, is_baseline=True)
    later = record(world, period=date(2024, 6, 1), value="4.5", verified_by=world.sgs_trainer)
    assert baseline.reported_by == world.users.sgs_staff
    assert later.verified_by == world.sgs_trainer
    assert KpiMeasurement.objects.count() == 2


def test_negative_value_is_refused(world):
    assert_rejected(lambda: record(world, value="-0.1"), "value", "cannot be negative")
    assert not KpiMeasurement.objects.exists()


@pytest.mark.parametrize("code", ["defect_rate", "waste", "absenteeism", "staff_turnover"], ids=str)
def test_percentage_above_100_is_refused(world, code):
    assert_rejected(
        lambda: record(world, code, value="100.01"), "value", "percentage", "at most 100"
    )
    assert record(world, code, value="100").pk


@pytest.mark.parametrize(
    "code", ["productivity", "accidents", "worker_suggestions", "energy_intensity"], ids=str
)
def test_values_above_100_are_fine_when_not_a_percentage(world, code):
    assert record(world, code, value="250").pk


def test_value_that_is_not_a_number_is_refused(world):
    assert_rejected(lambda: record(world, value="NaN"), "value", "number")


@pytest.mark.parametrize("day", [2, 15, 28])
def test_period_that_is_not_the_first_of_a_month_is_refused(world, day):
    assert_rejected(
        lambda: record(world, period=date(2024, 1, day)), "period", "first day", "yyyy-mm-01"
    )


def test_period_in_the_future_is_refused(world):
    future = next_month_start(timezone.localdate())
    assert_rejected(lambda: record(world, period=future), "period", "cannot be in the future")
    assert not KpiMeasurement.objects.exists()


def test_this_month_is_not_the_future(world):
    assert record(world, period=timezone.localdate().replace(day=1)).pk


def test_missing_period_is_refused_in_words(world):
    factories.KpiMeasurementFactory(
        enterprise=world.sgs_enterprise, period=date(2024, 1, 1), is_baseline=True
    )
    assert_rejected(lambda: record(world, period=None), "period", "month")


def test_second_value_for_the_same_month_is_refused(world):
    record(world)
    assert_rejected(
        lambda: record(world, value="9"),
        "period",
        "Guangzhou Garments",
        "already has a Defective products value for 2024-01",
    )
    assert KpiMeasurement.objects.get().value == Decimal("12.5")


def test_second_baseline_is_refused(world):
    record(world, is_baseline=True)
    assert_rejected(
        lambda: record(world, period=date(2024, 2, 1), is_baseline=True),
        "is_baseline",
        "already has a Defective products baseline",
    )
    assert KpiMeasurement.objects.count() == 1


def test_baseline_of_another_indicator_or_enterprise_is_independent(world):
    record(world, is_baseline=True)
    assert record(world, "waste", is_baseline=True).pk
    assert record(
        world, is_baseline=True, actor=world.users.tuv_manager, enterprise=world.tuv_enterprise
    ).pk


def test_value_before_the_baseline_is_refused(world):
    record(world, period=date(2024, 3, 1), is_baseline=True)
    assert_rejected(
        lambda: record(world, period=date(2024, 2, 1)),
        "period",
        "baseline is 2024-03",
        "no value can come before it",
    )
    assert KpiMeasurement.objects.count() == 1


def test_baseline_after_existing_values_is_refused(world):
    record(world, period=date(2024, 2, 1))
    assert_rejected(
        lambda: record(world, period=date(2024, 3, 1), is_baseline=True),
        "period",
        "values before this month",
        "baseline comes first",
    )


def test_moving_a_value_before_the_baseline_is_refused(world):
    record(world, period=date(2024, 3, 1), is_baseline=True)
    later = record(world, period=date(2024, 5, 1))
    assert_rejected(
        lambda: measurement_update(
            actor=world.users.sgs_staff, measurement=later, period=date(2024, 1, 1)
        ),
        "period",
        "no value can come before it",
    )
    later.refresh_from_db()
    assert later.period == date(2024, 5, 1)


def test_verifying_trainer_must_work_for_the_enterprises_partner(world):
    assert_rejected(
        lambda: record(world, verified_by=world.tuv_trainer),
        "verified_by",
        "another organisation",
    )


@pytest.mark.parametrize("field", ["enterprise", "indicator"])
def test_measurement_keeps_its_enterprise_and_indicator(world, field):
    measurement = record(world)
    value = {
        "enterprise": factories.EnterpriseFactory(partner=world.sgs),
        "indicator": indicator("waste"),
    }[field]
    assert_rejected(
        lambda: measurement_update(
            actor=world.users.sgs_staff, measurement=measurement, **{field: value}
        ),
        field,
        "cannot be changed",
    )


@pytest.mark.parametrize("persona", ["tuv_manager", "inditex_viewer", "no_role"])
def test_outsiders_may_not_report_change_or_delete_kpis(world, persona):
    actor = getattr(world.users, persona)
    with pytest.raises(PermissionDenied):
        record(world, actor=actor)
    measurement = record(world)
    with pytest.raises(PermissionDenied):
        measurement_update(actor=actor, measurement=measurement, value=Decimal("1"))
    with pytest.raises(PermissionDenied):
        measurement_delete(actor=actor, measurement=measurement)
    assert KpiMeasurement.objects.get().value == Decimal("12.5")


def test_changes_to_a_measurement_are_kept_in_its_history(world):
    measurement = record(world)
    measurement_update(actor=world.users.sgs_manager, measurement=measurement, value=Decimal("9"))
    history = measurement.history.order_by("history_date")
    assert [(row.value, row.history_user) for row in history] == [
        (Decimal("12.5"), world.users.sgs_staff),
        (Decimal("9"), world.users.sgs_manager),
    ]
