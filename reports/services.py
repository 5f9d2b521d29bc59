"""Every write to KPI measurements, with the rules of kpis.md and domain.md in words."""

from datetime import date
from decimal import Decimal, InvalidOperation
from functools import partial

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises.models import Enterprise
from enterprises.permissions import can_record_progress
from reports.models import Indicator, KpiMeasurement
from score_platform.permissions import require
from score_platform.services import Errors, apply_changes, save_validated

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
    if value is not None:
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
    if period is not None:
        if period.day != 1:
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
