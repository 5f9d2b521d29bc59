"""A brand's suppliers and link requests, and which partner or brand a dashboard is for."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from enterprises.models import Enterprise
from modules.models import Enrolment
from partners.access import principal_of
from partners.models import Organisation, SupplierLink
from partners.selectors import supplier_links_visible_to
from reports.models import (
    EnterpriseKpiResult,
    KpiMeasurement,
)
from reports.selectors import (
    previous_month,
)
from score_platform.selectors import get_visible_or_404

# --- a brand's suppliers ----------------------------------------------------------------


def brand_suppliers(brand_id: int) -> QuerySet[Enterprise]:
    """The enterprises with a granted link to the brand (ILO staff viewing a brand)."""
    return Enterprise.objects.filter(
        pk__in=SupplierLink.objects.filter(
            brand_id=brand_id, status=SupplierLink.Status.GRANTED
        ).values("enterprise_id")
    )


@dataclass
class SupplierRow:
    enterprise: Enterprise
    modules_completed: int
    reported_last_month: bool
    improvements: dict[int, float | None]


def supplier_table(enterprises: QuerySet[Enterprise], *, today=None) -> QuerySet[Enterprise]:
    """The supplier table's rows: profile, modules completed, last month's reporting."""
    month = previous_month(today)
    # Subqueries, not a join and GROUP BY: the database orders and cuts the page first and
    # counts for its 25 rows only, and the page count reads no enrolment at all.
    completed = Coalesce(
        Subquery(
            Enrolment.objects.filter(
                enterprise_id=OuterRef("pk"), status=Enrolment.Status.COMPLETED
            )
            .order_by()
            .values("enterprise_id")
            .annotate(total=Count("pk"))
            .values("total")
        ),
        0,
    )
    reported = KpiMeasurement.objects.filter(enterprise_id=OuterRef("pk"), period=month)
    return (
        enterprises.annotate(modules_completed=completed, reported_last_month=Exists(reported))
        .only("pk", "name", "country", "sector", "os_id", "employees_total")
        .order_by("name", "pk")
    )


def supplier_rows(enterprises: list[Enterprise]) -> list[SupplierRow]:
    """The page's suppliers with their latest improvement per indicator (one query)."""
    improvements: dict[int, dict[int, float | None]] = defaultdict(dict)
    results = EnterpriseKpiResult.objects.filter(
        enterprise_id__in=[enterprise.pk for enterprise in enterprises]
    ).values_list("enterprise_id", "indicator_id", "improvement_pct")
    for enterprise_id, indicator_id, improvement in results:
        improvements[enterprise_id][indicator_id] = improvement
    return [
        SupplierRow(
            enterprise=enterprise,
            modules_completed=enterprise.modules_completed,
            reported_last_month=enterprise.reported_last_month,
            improvements=improvements[enterprise.pk],
        )
        for enterprise in enterprises
    ]


def supplier_links_of_brand(user, brand_id: int) -> QuerySet[SupplierLink]:
    """The brand's link requests, newest first (the page names the enterprise only once
    the link is granted)."""
    return (
        supplier_links_visible_to(user).filter(brand_id=brand_id).order_by("-requested_at", "-pk")
    )


def brand_get(user, pk) -> Organisation:
    """The brand a dashboard is for: ILO staff any brand, a brand viewer its own; 404 else."""
    principal = principal_of(user)
    brands = Organisation.objects.filter(kind=Organisation.Kind.BRAND)
    if not principal.is_ilo:
        brands = brands.filter(pk=principal.organisation_id if principal.is_brand else None)
    return get_visible_or_404(brands, pk=pk)


def partner_get(user, pk) -> Organisation:
    """The partner a dashboard is for: ILO staff any partner, a partner its own; 404 else."""
    principal = principal_of(user)
    partners = Organisation.objects.filter(kind=Organisation.Kind.PARTNER)
    if not principal.is_ilo:
        partners = partners.filter(pk=principal.organisation_id if principal.is_partner else None)
    return get_visible_or_404(partners, pk=pk)
