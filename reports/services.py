"""Every write to KPI measurements, with the rules of kpis.md and domain.md in words."""

from datetime import date
from decimal import Decimal, InvalidOperation
from functools import partial

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from enterprises.models import Enterprise
from enterprises.permissions import can_record_progress
from partners.access import principal_of
from reports.models import Indicator, KpiMeasurement
from score_platform.permissions import require
from score_platform.services import (
    Errors,
    apply_changes,
    delete_unless_protected,
    save_validated,
)

MEASUREMENT_FIELDS = {"period", "value", "is_baseline", "source", "verified_by", "note"}
# The largest value the column holds (14 digits, 4 after the point).
MAX_VALUE = Decimal("9999999999.9999")


def month_start(day: date) -> date:
    return day.replace(day=1)


def measurement_validate(measurement: KpiMeasurement) -> None:
    """Value range, period, one value per month, one baseline, nothing before the baseline."""
    errors = measurement_field_errors(measurement)
    if errors:
        errors.raise_if_any()
    indicator: Indicator = measurement.indicator
    period = measurement.period

    siblings = KpiMeasurement.objects.filter(
        enterprise_id=measurement.enterprise_id, indicator_id=measurement.indicator_id
    ).exclude(pk=measurement.pk)
    if siblings.filter(period=period).exists():
        errors.add(
            "period",
            _("%(enterprise)s already has a %(indicator)s value for %(month)s.")
            % {
                "enterprise": measurement.enterprise.name,
                "indicator": indicator.name,
                "month": period.strftime("%Y-%m"),
            },
        )
    if measurement.is_baseline:
        if siblings.filter(is_baseline=True).exists():
            errors.add(
                "is_baseline",
                _("This enterprise already has a %(indicator)s baseline.")
                % {"indicator": indicator.name},
            )
        elif siblings.filter(period__lt=period).exists():
            errors.add(
                "period",
                _("There are %(indicator)s values before this month; the baseline comes first.")
                % {"indicator": indicator.name},
            )
    else:
        baseline = siblings.filter(is_baseline=True).only("period").first()
        if baseline is not None and period < baseline.period:
            errors.add(
                "period",
                _("The %(indicator)s baseline is %(month)s; no value can come before it.")
                % {"indicator": indicator.name, "month": baseline.period.strftime("%Y-%m")},
            )
    verifier = measurement.verified_by if measurement.verified_by_id else None
    if verifier is not None and verifier.organisation_id != measurement.enterprise.partner_id:
        errors.add("verified_by", _("The verifying trainer works for another organisation."))
    errors.raise_if_any()


def measurement_field_errors(measurement: KpiMeasurement) -> Errors:
    """The checks of one measurement that need no other row: value range and period."""
    errors = Errors()
    indicator: Indicator = measurement.indicator
    value = measurement.value
    period = measurement.period
    if value is None:
        errors.add("value", _("Give the value as a number."))
    else:
        try:
            value = Decimal(value)
        except (InvalidOperation, TypeError, ValueError):
            errors.add("value", _("Give the value as a number."))
            errors.raise_if_any()
        if not value.is_finite():
            errors.add("value", _("Give the value as a number."))
        elif value < 0:
            errors.add("value", _("A KPI value cannot be negative."))
        elif indicator.is_percentage and value > 100:
            errors.add(
                "value",
                _("%(indicator)s is a percentage: the value is at most 100.")
                % {"indicator": indicator.name},
            )
        elif value > MAX_VALUE:
            errors.add("value", _("This value is too large."))
    if period is None:
        errors.add("period", _("Give the month of the value (YYYY-MM-01)."))
    elif period.day != 1:
        errors.add("period", _("A period is a month; give its first day (YYYY-MM-01)."))
    elif period > month_start(timezone.localdate()):
        errors.add("period", _("The period cannot be in the future."))
    return errors


@transaction.atomic
def measurement_record(
    *,
    actor,
    enterprise: Enterprise,
    indicator: Indicator,
    period: date,
    value,
    **fields,
) -> KpiMeasurement:
    require(
        can_record_progress(actor, partner_id=enterprise.partner_id),
        _("You may not report KPIs for this enterprise."),
    )
    measurement = KpiMeasurement(
        enterprise=enterprise,
        indicator=indicator,
        period=period,
        value=value,
        reported_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    apply_changes(measurement, fields, allowed=MEASUREMENT_FIELDS - {"period", "value"})
    measurement_validate(measurement)
    save_validated(measurement, actor=actor)
    results_stale(enterprise.pk, reach=False)
    return measurement


@transaction.atomic
def measurement_update(*, actor, measurement: KpiMeasurement, **changes) -> KpiMeasurement:
    require(
        can_record_progress(actor, partner_id=measurement.enterprise.partner_id),
        _("You may not change KPIs of this enterprise."),
    )
    apply_changes(
        measurement, changes, allowed=MEASUREMENT_FIELDS, frozen={"enterprise", "indicator"}
    )
    measurement_validate(measurement)
    save_validated(measurement, actor=actor)
    results_stale(measurement.enterprise_id, reach=False)
    return measurement


@transaction.atomic
def measurement_delete(*, actor, measurement: KpiMeasurement) -> None:
    require(
        can_record_progress(actor, partner_id=measurement.enterprise.partner_id),
        _("You may not delete KPIs of this enterprise."),
    )
    measurement._history_user = actor
    enterprise_id = measurement.enterprise_id
    measurement.delete()
    results_stale(enterprise_id, reach=False)


# --- the indicator catalogue (used by the ILO admin) ------------------------------------


def indicator_validate(indicator: Indicator) -> None:
    errors = Errors()
    if not (indicator.code or "").strip():
        errors.add("code", _("Give the indicator a code such as defect_rate."))
    if (
        indicator.pk
        and indicator.is_percentage
        and KpiMeasurement.objects.filter(indicator_id=indicator.pk, value__gt=100).exists()
    ):
        errors.add(
            "is_percentage",
            _("Some reported values of this indicator exceed 100; it cannot become a percentage."),
        )
    errors.raise_if_any()


@transaction.atomic
def indicator_save(*, actor, indicator: Indicator) -> Indicator:
    """Add an indicator to the KPI catalogue or change one (kpis.md)."""
    require(principal_of(actor).is_ilo_admin, _("Only ILO administrators manage indicators."))
    indicator.code = (indicator.code or "").strip()
    indicator_validate(indicator)
    save_validated(indicator, actor=actor)
    return indicator


@transaction.atomic
def indicator_delete(*, actor, indicator: Indicator) -> None:
    """Remove an indicator nobody reported; one with measurements stays in the catalogue."""
    require(principal_of(actor).is_ilo_admin, _("Only ILO administrators manage indicators."))
    delete_unless_protected(indicator, actor=actor)


# --- many measurements at once ----------------------------------------------------------


class BulkValidationError(Exception):
    """Rows that break the rules, by index in the batch: ``{3: {"period": ["…"]}}``."""

    def __init__(self, rows: dict[int, dict[str, list[str]]]):
        super().__init__(rows)
        self.rows = rows


@transaction.atomic
def measurements_record_bulk(*, actor, rows: list[dict]) -> list[KpiMeasurement]:
    """Record a batch of measurements: every row is saved, or none is.

    Each row holds what :func:`measurement_record` takes (``enterprise``, ``indicator``,
    ``period``, ``value`` and optional fields). The same rules apply, checked against the
    stored values and the other rows of the batch in a few queries rather than several per
    row, so a month of a few thousand KPIs saves in one go. A rule broken anywhere raises
    :class:`BulkValidationError` naming each bad row; a row the actor may not write raises
    PermissionDenied for the whole batch.
    """
    for enterprise in {row["enterprise"].pk: row["enterprise"] for row in rows}.values():
        require(
            can_record_progress(actor, partner_id=enterprise.partner_id),
            _("You may not report KPIs for this enterprise."),
        )
    reporter = actor if getattr(actor, "is_authenticated", False) else None
    measurements = []
    row_errors: dict[int, Errors] = {}
    for index, row in enumerate(rows):
        fields = {
            key: value
            for key, value in row.items()
            if key not in {"enterprise", "indicator", "period", "value"}
        }
        measurement = KpiMeasurement(
            enterprise=row["enterprise"],
            indicator=row["indicator"],
            period=row["period"],
            value=row["value"],
            reported_by=reporter,
        )
        try:
            apply_changes(measurement, fields, allowed=MEASUREMENT_FIELDS - {"period", "value"})
            errors = measurement_field_errors(measurement)
        except ValidationError as error:
            errors = Errors()
            for field, messages in error.message_dict.items():
                for message in messages:
                    errors.add(field, message)
        if errors:
            row_errors[index] = errors
        measurements.append(measurement)

    stored = _stored_measurements(measurements)
    seen_periods: dict[tuple[int, int], set] = {}
    baselines: dict[tuple[int, int], date] = {
        key: period
        for key, stored_rows in stored.items()
        for period, is_baseline in stored_rows
        if is_baseline
    }
    earliest: dict[tuple[int, int], date] = {
        key: min(period for period, _is_baseline in stored_rows)
        for key, stored_rows in stored.items()
    }
    for index, measurement in enumerate(measurements):
        if index in row_errors:
            continue
        key = (measurement.enterprise_id, measurement.indicator_id)
        period = measurement.period
        if measurement.is_baseline:
            if key in baselines:
                continue
            baselines[key] = period
        earliest[key] = min(earliest.get(key, period), period)
    for index, measurement in enumerate(measurements):
        if index in row_errors:
            continue
        errors = Errors()
        key = (measurement.enterprise_id, measurement.indicator_id)
        indicator = measurement.indicator
        period = measurement.period
        stored_periods = {stored_period for stored_period, _is_baseline in stored.get(key, ())}
        batch_periods = seen_periods.setdefault(key, set())
        if period in stored_periods or period in batch_periods:
            errors.add(
                "period",
                _("%(enterprise)s already has a %(indicator)s value for %(month)s.")
                % {
                    "enterprise": measurement.enterprise.name,
                    "indicator": indicator.name,
                    "month": period.strftime("%Y-%m"),
                },
            )
        batch_periods.add(period)
        baseline = baselines.get(key)
        if measurement.is_baseline:
            if baseline != period or any(
                is_baseline for _period, is_baseline in stored.get(key, ())
            ):
                errors.add(
                    "is_baseline",
                    _("This enterprise already has a %(indicator)s baseline.")
                    % {"indicator": indicator.name},
                )
            elif earliest[key] < period:
                errors.add(
                    "period",
                    _("There are %(indicator)s values before this month; the baseline comes first.")
                    % {"indicator": indicator.name},
                )
        elif baseline is not None and period < baseline:
            errors.add(
                "period",
                _("The %(indicator)s baseline is %(month)s; no value can come before it.")
                % {"indicator": indicator.name, "month": baseline.strftime("%Y-%m")},
            )
        verifier = measurement.verified_by if measurement.verified_by_id else None
        if verifier is not None and verifier.organisation_id != measurement.enterprise.partner_id:
            errors.add("verified_by", _("The verifying trainer works for another organisation."))
        if errors:
            row_errors[index] = errors
    if row_errors:
        raise BulkValidationError(
            {index: _error_messages(errors) for index, errors in sorted(row_errors.items())}
        )
    try:
        with transaction.atomic():
            created = bulk_create_with_history(
                measurements, KpiMeasurement, batch_size=1000, default_user=reporter
            )
    except IntegrityError as error:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    _("This change conflicts with another record saved at the same time.")
                ]
            }
        ) from error
    results_stale(*{measurement.enterprise_id for measurement in created}, reach=False)
    return created


def _stored_measurements(measurements) -> dict[tuple[int, int], list[tuple[date, bool]]]:
    """(period, is_baseline) of the stored values of every (enterprise, indicator) in the batch."""
    enterprise_ids = {measurement.enterprise_id for measurement in measurements}
    indicator_ids = {measurement.indicator_id for measurement in measurements}
    pairs = {(m.enterprise_id, m.indicator_id) for m in measurements}
    stored: dict[tuple[int, int], list[tuple[date, bool]]] = {}
    rows = (
        KpiMeasurement.objects.filter(
            enterprise_id__in=enterprise_ids, indicator_id__in=indicator_ids
        )
        .values_list("enterprise_id", "indicator_id", "period", "is_baseline")
        .iterator(chunk_size=5000)
    )
    for enterprise_id, indicator_id, period, is_baseline in rows:
        if (enterprise_id, indicator_id) in pairs:
            stored.setdefault((enterprise_id, indicator_id), []).append((period, is_baseline))
    return stored


def _error_messages(errors: Errors) -> dict[str, list[str]]:
    try:
        errors.raise_if_any()
    except ValidationError as error:
        return {
            ("non_field_errors" if field == NON_FIELD_ERRORS else field): messages
            for field, messages in error.message_dict.items()
        }
    return {}


# --- the computed tables' incremental path ----------------------------------------------


@transaction.atomic
def results_stale(*enterprise_ids: int | None, kpis: bool = True, reach: bool = True) -> None:
    """Every write that can move computed figures calls this, inside its transaction.

    ``kpis``: the enterprises' KPI measurements changed; ``reach``: their training record
    (enrolments, attendance, visits, participants, size) changed. Which groups an enterprise
    belongs to (country, partner, sector, granted links, live enrolments) is re-derived by
    the recompute itself, so a change of membership only needs the call.

    The request is written to an outbox in this transaction, so it survives a broker
    outage; after commit one task per enterprise is enqueued, and only when no request for
    it was waiting already, so a burst of changes leads to a handful of runs.
    """
    from reports.models import PendingEnterpriseRecompute

    ids = sorted({int(enterprise_id) for enterprise_id in enterprise_ids if enterprise_id})
    if not ids:
        return
    now = timezone.now()
    table = PendingEnterpriseRecompute._meta.db_table
    with connection.cursor() as cursor:
        rows = ", ".join(["(%s, %s, %s, %s)"] * len(ids))
        cursor.execute(
            f"INSERT INTO {table} (enterprise_id, kpis, reach, requested_at) VALUES {rows} "
            "ON CONFLICT (enterprise_id) DO NOTHING RETURNING enterprise_id",
            [value for enterprise_id in ids for value in (enterprise_id, kpis, reach, now)],
        )
        created = sorted(row[0] for row in cursor.fetchall())
    waiting = PendingEnterpriseRecompute.objects.filter(
        enterprise_id__in=[enterprise_id for enterprise_id in ids if enterprise_id not in created]
    )
    if kpis:
        waiting.filter(kpis=False).update(kpis=True)
    if reach:
        waiting.filter(reach=False).update(reach=True)
    if created:
        transaction.on_commit(partial(_enqueue_recomputes, created))


def _enqueue_recomputes(enterprise_ids: list[int]) -> None:
    from django.conf import settings

    from reports.aggregation.recompute import enqueue
    from reports.tasks import recompute_enterprise

    for enterprise_id in enterprise_ids:
        enqueue(
            recompute_enterprise,
            args=[enterprise_id],
            countdown=settings.KPI_RECOMPUTE_DELAY_SECONDS,
        )
