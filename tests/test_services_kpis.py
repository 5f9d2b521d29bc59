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


def test_bulk_insert_stores_what_bulk_create_would_and_sets_the_keys(world):
    from score_platform.services import bulk_insert

    def new(period, value):
        return KpiMeasurement(
            enterprise=world.sgs_enterprise,
            indicator=indicator("defect_rate"),
            period=period,
            value=Decimal(value),
            note="imported",
            reported_by=world.users.sgs_staff,
        )

    rows = [new(date(2024, month, 1), f"{month}.1234") for month in range(1, 6)]
    before = timezone.now()
    inserted = bulk_insert(KpiMeasurement, rows, batch_size=2)
    assert list(inserted) == rows and all(row.pk for row in rows)
    assert len({row.pk for row in rows}) == 5
    for row in rows:
        stored = KpiMeasurement.objects.get(pk=row.pk)
        assert (stored.period, stored.value, stored.note) == (row.period, row.value, "imported")
        assert stored.reported_by_id == world.users.sgs_staff.pk
        assert stored.source == KpiMeasurement.Source.RECORDS
        assert stored.created_at >= before
        assert abs(stored.updated_at - stored.created_at) < timedelta(seconds=1)
        assert not row._state.adding


def test_bulk_insert_reports_a_clash_as_djangos_integrity_error(world):
    from django.db import IntegrityError, transaction

    from score_platform.services import bulk_insert

    factories.KpiMeasurementFactory(enterprise=world.sgs_enterprise, period=date(2024, 1, 1))
    clash = KpiMeasurement(
        enterprise=world.sgs_enterprise,
        indicator=indicator("defect_rate"),
        period=date(2024, 1, 1),
        value=Decimal("1"),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_insert(KpiMeasurement, [clash])
    assert KpiMeasurement.objects.filter(enterprise=world.sgs_enterprise).count() == 1


def test_a_bulk_write_locks_each_series_baseline_and_the_rows_it_corrects_only(
    transactional_db, catalogue, world
):
    """What another writer must wait for while an import validates: the baselines its rules
    hang on and the stored values it corrects; the rest of the series stays writable."""
    import psycopg2
    from django.db import connection, transaction

    from reports.services import _stored_for_update
    from tests.conftest import need_service

    need_service("PostgreSQL", connection.vendor == "postgresql", "row locks")
    defects = indicator("defect_rate")
    baseline = factories.KpiMeasurementFactory(
        enterprise=world.sgs_enterprise,
        indicator=defects,
        period=date(2024, 1, 1),
        is_baseline=True,
    )
    untouched = factories.KpiMeasurementFactory(
        enterprise=world.sgs_enterprise, indicator=defects, period=date(2024, 2, 1)
    )
    corrected = factories.KpiMeasurementFactory(
        enterprise=world.sgs_enterprise, indicator=defects, period=date(2024, 3, 1)
    )
    settings = connection.settings_dict
    other = psycopg2.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        password=settings["PASSWORD"] or None,
    )

    def lockable(pk) -> bool:
        with other.cursor() as cursor:
            try:
                cursor.execute(
                    "SELECT id FROM reports_kpimeasurement WHERE id = %s FOR UPDATE NOWAIT", [pk]
                )
            except psycopg2.errors.LockNotAvailable:
                return False
            finally:
                other.rollback()
        return True

    try:
        with transaction.atomic():
            groups, by_key = _stored_for_update(
                {world.sgs_enterprise.pk: world.sgs_enterprise},
                {defects.pk: defects},
                {(world.sgs_enterprise.pk, defects.pk, date(2024, 3, 1))},
            )
            assert len(groups[(world.sgs_enterprise.pk, defects.pk)]) == 3
            assert list(by_key.values()) == [corrected]
            assert not lockable(baseline.pk)
            assert not lockable(corrected.pk)
            assert lockable(untouched.pk)
        assert lockable(baseline.pk)
    finally:
        other.close()
