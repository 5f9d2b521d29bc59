"""Scoped reads of the KPI catalogue and measurements."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils import timezone

from modules.models import Enrolment
from partners.access import principal_of
from reports.models import Indicator, KpiMeasurement


def indicators() -> QuerySet[Indicator]:
    return Indicator.objects.all()


def kpi_measurements_visible_to(user) -> QuerySet[KpiMeasurement]:
    """Raw monthly values: ILO and the serving partner. Brands read results, not raw values."""
    principal = principal_of(user)
    measurements = KpiMeasurement.objects.select_related("indicator", "enterprise")
    if principal.is_ilo:
        return measurements
    if principal.is_partner:
        return measurements.filter(enterprise__partner_id=principal.organisation_id)
    return measurements.none()


def previous_month(today=None):
    """The first day of the month before ``today``'s (the month partners report next)."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def enterprises_missing_kpis(queryset, *, period):
    """Enterprises of ``queryset`` in the reporting cycle with no KPI value for ``period``.

    In the cycle means active, with a live (not withdrawn) enrolment: they report monthly
    from the baseline on, through the modules and after them.
    """
    live_enrolment = Enrolment.objects.filter(enterprise_id=OuterRef("pk")).exclude(
        status=Enrolment.Status.WITHDRAWN
    )
    reported = KpiMeasurement.objects.filter(enterprise_id=OuterRef("pk"), period=period)
    return queryset.filter(status="active").filter(Exists(live_enrolment)).exclude(Exists(reported))


@dataclass
class KpiRow:
    """One indicator's values for one enterprise, for the KPI table and its chart."""

    indicator: Indicator
    baseline: KpiMeasurement | None = None
    latest: KpiMeasurement | None = None
    measurements: list[KpiMeasurement] = field(default_factory=list)
    changes: int = 0

    @property
    def series(self) -> dict:
        """Values by month since the baseline, for a small chart against the baseline."""
        return {
            "labels": [measurement.period.strftime("%Y-%m") for measurement in self.measurements],
            "values": [float(measurement.value) for measurement in self.measurements],
            "baseline": float(self.baseline.value) if self.baseline else None,
        }


def enterprise_kpi_table(user, *, enterprise) -> list[KpiRow]:
    """Every indicator of the catalogue with the enterprise's values (three queries).

    ``changes`` counts the corrections of the visible values, from their audit history.
    """
    rows = {indicator.pk: KpiRow(indicator=indicator) for indicator in indicators()}
    measurements = list(
        kpi_measurements_visible_to(user)
        .filter(enterprise=enterprise)
        .select_related(None)
        .order_by("indicator_id", "period")
    )
    for measurement in measurements:
        row = rows[measurement.indicator_id]
        row.measurements.append(measurement)
        if measurement.is_baseline:
            row.baseline = measurement
        else:
            row.latest = measurement
    if measurements:
        changes = (
            KpiMeasurement.history.filter(
                id__in=[measurement.pk for measurement in measurements], history_type="~"
            )
            .values("indicator_id")
            .annotate(total=Count("history_id"))
            .order_by()
        )
        for change in changes:
            rows[change["indicator_id"]].changes = change["total"]
    return list(rows.values())
