"""Every write to KPI measurements, with the rules of kpis.md and domain.md in words."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

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
    if errors:
        errors.raise_if_any()

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
    return measurement


@transaction.atomic
def measurement_delete(*, actor, measurement: KpiMeasurement) -> None:
    require(
        can_record_progress(actor, partner_id=measurement.enterprise.partner_id),
        _("You may not delete KPIs of this enterprise."),
    )
    measurement._history_user = actor
    measurement.delete()


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
