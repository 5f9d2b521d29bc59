"""A brand's suppliers dashboard: granted suppliers only, small groups withheld."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dashboards import tables
from dashboards.forms import SupplierLinkRequestForm
from dashboards.selectors import results, suppliers
from dashboards.views.common import (
    _add_breakdowns,
    _breakdown_list,
    _filter_form,
    _kept_page,
    _portfolio_results,
    _rounded,
)
from enterprises.selectors import enterprises_visible_to
from partners.access import principal_of
from partners.services import supplier_link_request
from reports.models import Scope
from reports.selectors import public_kpi_summary
from score_platform.forms import add_service_errors
from score_platform.pages import export_requested, paginate
from score_platform.permissions import require

# --- a brand's dashboard ----------------------------------------------------------------


BRAND_FIGURES = (
    "form",
    "filters",
    "headline",
    "summaries",
    "programme_summaries",
    "indicator",
    "catalogue",
    "breakdowns",
    "supplier_rows",
    "page_obj",
    "page_range",
    "charts",
)


@login_required
@require_http_methods(["GET", "POST"])
def brand(request, pk):
    user = request.user
    organisation = suppliers.brand_get(user, pk)
    principal = principal_of(user)
    may_request = principal.is_brand and principal.organisation_id == organisation.pk

    request_form = SupplierLinkRequestForm(request.POST or None)
    if request.method == "POST":
        require(may_request, _("Only the brand requests its supplier links."))
        if request_form.is_valid():
            try:
                supplier_link_request(
                    actor=user,
                    brand=organisation,
                    enterprise_id=request_form.cleaned_data.get("enterprise_id"),
                    os_id=request_form.cleaned_data.get("os_id") or "",
                )
            except ValidationError as error:
                add_service_errors(request_form, error, field_names={"enterprise": "enterprise_id"})
            else:
                messages.success(
                    request,
                    _("Your request is recorded; the supplier's partner will answer it."),
                )
                return redirect("dashboards:brand", pk=organisation.pk)

    # Small groups are withheld from the brand, not from ILO staff: each kind keeps its own.
    dashboard = f"brand-{organisation.pk}-{'brand' if principal.is_brand else 'ilo'}"
    return _kept_page(
        request,
        "brand",
        owner=dashboard,
        figures=lambda: _brand_figures(request, user, organisation, dashboard),
        names=BRAND_FIGURES,
        live={
            "organisation": organisation,
            "may_request": may_request,
            "request_form": request_form,
            "supplier_page": request.GET.get("page", ""),
            # A request is answered by the partner, not by an aggregation run: read live.
            "links": lambda: suppliers.supplier_links_of_brand(user, organisation.pk)[:50],
        },
    )


def _brand_figures(request, user, organisation, dashboard: str) -> dict:
    pk = organisation.pk
    granted = enterprises_visible_to(user).filter(pk__in=suppliers.brand_suppliers(pk).values("pk"))
    form, filters, catalogue = _filter_form(
        request, scope=Scope.BRAND, key=str(pk), enterprises=granted
    )
    enterprises = filters.narrow(granted)
    summaries, indicator, breakdowns = _portfolio_results(
        user,
        dashboard=dashboard,
        scope=Scope.BRAND,
        key=str(pk),
        everyone=granted,
        filters=filters,
    )
    programme_summaries = {summary.indicator.pk: summary for summary in public_kpi_summary()}
    supplier_list = suppliers.supplier_table(enterprises)
    links = suppliers.supplier_links_of_brand(user, pk)

    charts = {
        "comparison": {
            "type": "bar",
            "labels": [summary.indicator.label for summary in summaries],
            "datasets": [
                {
                    "label": _("Your suppliers (median, %)"),
                    "data": [_rounded(summary.median_improvement_pct) for summary in summaries],
                },
                {
                    "label": _("Whole programme (median, %)"),
                    "data": [
                        _rounded(
                            getattr(
                                programme_summaries.get(summary.indicator.pk),
                                "median_improvement_pct",
                                None,
                            )
                        )
                        for summary in summaries
                    ],
                },
            ],
        }
    }

    exports = {
        "kpi": (_("KPI results"), tables.kpi_columns(), summaries),
        "suppliers": (
            _("Suppliers"),
            tables.supplier_columns(catalogue),
            suppliers.supplier_rows(list(supplier_list)) if export_requested(request) else [],
        ),
        "links": (_("Supplier links"), tables.supplier_link_columns(), links),
    }
    _add_breakdowns(breakdowns, charts, exports)
    page = paginate(request, supplier_list)
    return {
        "form": form,
        "filters": filters,
        "headline": results.headline(user, Scope.BRAND, str(pk)),
        "summaries": summaries,
        "programme_summaries": programme_summaries,
        "indicator": indicator,
        "catalogue": catalogue,
        "breakdowns": _breakdown_list(breakdowns),
        "supplier_rows": suppliers.supplier_rows(list(page["object_list"])),
        "page_obj": page["page_obj"],
        "page_range": page["page_range"],
        "charts": charts,
        "exports": exports,
    }
