"""Scoped reads of the KPI catalogue and measurements."""

from django.db.models import QuerySet

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
