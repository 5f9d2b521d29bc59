"""measurements_bulk_upsert: the KPI rules of measurement_validate, over a whole batch."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from reports.models import KpiMeasurement
from reports.services import (
    BulkValidationError,
    measurements_bulk_upsert,
    measurements_record_month,
)
from tests import factories
from tests.factories import indicator

pytestmark = pytest.mark.django_db


def row(enterprise, code="defect_rate", period=date(2024, 1, 1), value="10", **fields):
    return {
        "enterprise": enterprise,
        "indicator": indicator(code),
        "period": period,
        "value": Decimal(value),
        **fields,
    }


def test_a_baseline_and_later_months_in_one_batch_in_any_order(world):
    enterprise = world.sgs_enterprise
    outcome = measurements_bulk_upsert(
        actor=world.users.sgs_staff,
        rows=[
            row(enterprise, period=date(2024, 3, 1), value="4.5"),
            row(enterprise, period=date(2024, 1, 1), value="12.5", is_baseline=True),
            row(enterprise, period=date(2024, 2, 1), value="9"),
        ],
    )
    assert (outcome.created, outcome.updated, outcome.unchanged) == (3, 0, 0)
    stored = KpiMeasurement.objects.filter(enterprise=enterprise).order_by("period")
    assert [(m.period.month, m.value, m.is_baseline) for m in stored] == [
        (1, Decimal("12.5"), True),
        (2, Decimal("9"), False),
        (3, Decimal("4.5"), False),
    ]
    assert {m.reported_by for m in stored} == {world.users.sgs_staff}


def test_each_written_row_gets_one_audit_record_with_its_author(world):
    enterprise = world.sgs_enterprise
    rows = [row(enterprise, period=date(2024, month, 1)) for month in (1, 2, 3)]
    measurements_bulk_upsert(actor=world.users.sgs_staff, rows=rows)
    history = KpiMeasurement.history.filter(enterprise_id=enterprise.pk)
    assert history.count() == 3
    assert {record.history_user for record in history} == {world.users.sgs_staff}


def test_sending_the_same_rows_twice_writes_nothing_the_second_time(world):
    rows = [row(world.sgs_enterprise, period=date(2024, month, 1)) for month in (1, 2)]
    measurements_bulk_upsert(actor=world.users.sgs_staff, rows=rows)
    before = list(KpiMeasurement.objects.values_list("pk", "updated_at"))
    outcome = measurements_bulk_upsert(actor=world.users.sgs_staff, rows=rows)
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 0, 2)
    assert list(KpiMeasurement.objects.values_list("pk", "updated_at")) == before
    assert KpiMeasurement.history.count() == 2


def test_a_row_for_a_stored_month_corrects_it_and_keeps_the_old_value_in_history(world):
    stored = factories.KpiMeasurementFactory(
        enterprise=world.sgs_enterprise, period=date(2024, 1, 1), value=10, note="first"
    )
    outcome = measurements_bulk_upsert(
        actor=world.users.sgs_staff, rows=[row(world.sgs_enterprise, value="11.25")]
    )
    assert outcome.updated == 1
    stored.refresh_from_db()
    assert stored.value == Decimal("11.25")
    assert stored.note == "first"  # a row without a note leaves the note alone
    assert stored.history.first().history_type == "~"


def test_one_bad_row_saves_nothing_and_names_the_row_and_field(world):
    enterprise = world.sgs_enterprise
    with pytest.raises(BulkValidationError) as caught:
        measurements_bulk_upsert(
            actor=world.users.sgs_staff,
            rows=[
                row(enterprise, period=date(2024, 1, 1)),
                row(enterprise, "absenteeism", value="140"),
                row(enterprise, period=date(2024, 2, 1)),
            ],
        )
    assert list(caught.value.rows) == [1]
    assert "at most 100" in caught.value.rows[1]["value"][0]
    assert not KpiMeasurement.objects.exists()


def test_the_rules_hold_against_the_stored_values_and_the_batch(world):
    enterprise = world.sgs_enterprise
    factories.KpiMeasurementFactory(
        enterprise=enterprise, period=date(2024, 3, 1), value=12, is_baseline=True
    )
    with pytest.raises(BulkValidationError) as caught:
        measurements_bulk_upsert(
            actor=world.users.sgs_staff,
            rows=[
                row(enterprise, period=date(2024, 2, 1)),  # before the stored baseline
                row(enterprise, period=date(2024, 5, 1), is_baseline=True),  # a second one
                row(enterprise, period=date(2024, 6, 1)),
                row(enterprise, period=date(2024, 6, 1)),  # the same month twice
            ],
        )
    errors = caught.value.rows
    assert "baseline is 2024-03" in errors[0]["period"][0]
    assert "already has a Defective products baseline" in errors[1]["is_baseline"][0]
    assert "twice" in errors[3]["period"][0]
    assert 2 not in errors


def test_a_future_month_and_a_negative_value_are_refused_in_words(world):
    with pytest.raises(BulkValidationError) as caught:
        measurements_bulk_upsert(
            actor=world.users.sgs_staff,
            rows=[
                row(world.sgs_enterprise, period=date(2099, 1, 1)),
                row(world.sgs_enterprise, period=date(2024, 1, 1), value="-1"),
            ],
        )
    assert "future" in caught.value.rows[0]["period"][0]
    assert "negative" in caught.value.rows[1]["value"][0]


def test_another_partners_enterprise_is_refused_before_anything_is_read(world):
    with pytest.raises(PermissionDenied):
        measurements_bulk_upsert(
            actor=world.users.sgs_staff,
            rows=[row(world.sgs_enterprise), row(world.tuv_enterprise)],
        )
    assert not KpiMeasurement.objects.exists()


def test_a_brand_may_not_write_kpis(world):
    with pytest.raises(PermissionDenied):
        measurements_bulk_upsert(actor=world.users.inditex_viewer, rows=[row(world.sgs_enterprise)])


def test_a_thousand_rows_take_a_few_dozen_queries_not_thousands(
    world, django_assert_max_num_queries
):
    enterprises = factories.EnterpriseFactory.create_batch(50, partner=world.sgs)
    rows = [
        row(enterprise, code, period=date(2023, month, 1))
        for enterprise in enterprises
        for code in ("defect_rate", "productivity")
        for month in range(1, 11)
    ]
    assert len(rows) == 1000
    # One read, then batched inserts of rows and history; SQLite caps the parameters of a
    # statement, so its batches are smaller than PostgreSQL's.
    with django_assert_max_num_queries(50):
        measurements_bulk_upsert(actor=world.users.sgs_staff, rows=rows)
    assert KpiMeasurement.objects.count() == 1000


def test_the_monthly_form_clears_a_value_and_records_the_rest_at_once(world):
    enterprise = world.sgs_enterprise
    month = date(2024, 2, 1)
    factories.KpiMeasurementFactory(
        enterprise=enterprise, indicator=indicator("waste"), period=month
    )
    outcome = measurements_record_month(
        actor=world.users.sgs_staff,
        enterprise=enterprise,
        period=month,
        entries=[
            (indicator("waste"), None),
            (indicator("defect_rate"), {"value": Decimal("7"), "source": "estimate"}),
        ],
    )
    assert outcome.created == 1
    assert list(KpiMeasurement.objects.values_list("indicator__code", "source")) == [
        ("defect_rate", "estimate")
    ]
    assert KpiMeasurement.history.filter(indicator__code="waste", history_type="-").exists()


def test_the_monthly_form_keeps_a_cleared_value_when_another_is_refused(world):
    enterprise = world.sgs_enterprise
    month = date(2024, 2, 1)
    factories.KpiMeasurementFactory(
        enterprise=enterprise, indicator=indicator("waste"), period=month
    )
    with pytest.raises(BulkValidationError):
        measurements_record_month(
            actor=world.users.sgs_staff,
            enterprise=enterprise,
            period=month,
            entries=[
                (indicator("waste"), None),
                (indicator("defect_rate"), {"value": Decimal("101")}),
            ],
        )
    assert KpiMeasurement.objects.filter(indicator__code="waste").exists()
