"""The dashboards: ILO programme, partner portfolio, brand suppliers, and the public impact
page. Parse the filters, read through the selectors, render (or export a table)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dashboards import selectors, tables
from dashboards.forms import DashboardFilterForm, SupplierLinkRequestForm
from dashboards.wording import press_phrase
from enterprises.selectors import enterprises_visible_to
from modules.models import Enrolment
from modules.selectors import training_modules
from partners.access import principal_of
from partners.services import supplier_link_request
from reports.models import HISTORY_SCOPES, Scope
from reports.permissions import can_request_recompute
from reports.selectors import aggregation_status, indicators, public_kpi_summary, public_reach
from reports.services import recompute_request
from score_platform.exports import csv_response, xlsx_response
from score_platform.forms import add_service_errors
from score_platform.pages import export_requested, paginate
from score_platform.permissions import require

CHART_GROUPS = 15


# --- shared pieces ----------------------------------------------------------------------


def _filter_form(request, *, scope, key="", enterprises, one_group_at_a_time=False):
    catalogue = list(indicators())
    form = DashboardFilterForm(
        request.GET or None,
        months=selectors.summary_months(scope, key),
        country_codes=selectors.countries_of(enterprises),
        modules=list(training_modules()),
        indicators=catalogue,
        one_group_at_a_time=one_group_at_a_time,
    )
    return form, form.filters(), catalogue


def _rounded(value):
    return None if value is None else round(value, 1)


def _kpi_chart(summaries) -> dict:
    return {
        "type": "bar",
        "labels": [summary.indicator.label for summary in summaries],
        "datasets": [
            {
                "label": _("Median improvement (%)"),
                "data": [_rounded(summary.median_improvement_pct) for summary in summaries],
            },
            {
                "label": _("Up to (90th percentile, %)"),
                "data": [_rounded(summary.p90_improvement_pct) for summary in summaries],
            },
        ],
    }


def _breakdown_chart(breakdown) -> dict:
    rows = [row for row in breakdown.rows if row.median_improvement_pct is not None]
    rows = rows[:CHART_GROUPS]
    return {
        "type": "bar",
        "horizontal": True,
        "labels": [row.label for row in rows],
        "datasets": [
            {
                "label": _("Median improvement (%)"),
                "data": [_rounded(row.median_improvement_pct) for row in rows],
            }
        ],
    }


def _trend_chart(series) -> dict:
    return {
        "type": "line",
        "labels": [month.strftime("%Y-%m") for month in series.months],
        "datasets": [
            {"label": indicator.label, "data": [_rounded(v) for v in series.medians[indicator.pk]]}
            for indicator in series.indicators
        ],
    }


def _pipeline_chart(rows) -> dict:
    return {
        "type": "bar",
        "stacked": True,
        "labels": [row.module.label for row in rows],
        "datasets": [
            {"label": str(label), "data": [row.counts[value] for row in rows]}
            for value, label in Enrolment.Status.choices
        ],
    }


BREAKDOWN_HEADINGS = {
    Scope.COUNTRY: gettext_lazy("Country"),
    Scope.PARTNER: gettext_lazy("Partner"),
    Scope.MODULE: gettext_lazy("Module"),
    Scope.SECTOR: gettext_lazy("Sector"),
}


BREAKDOWN_TITLES = {
    Scope.COUNTRY: gettext_lazy("By country"),
    Scope.PARTNER: gettext_lazy("By partner"),
    Scope.MODULE: gettext_lazy("By module"),
    Scope.SECTOR: gettext_lazy("By sector"),
}


def _breakdown_list(breakdowns: dict) -> list:
    return [
        (scope, BREAKDOWN_HEADINGS[scope], BREAKDOWN_TITLES[scope], breakdown)
        for scope, breakdown in breakdowns.items()
    ]


def _export(request, name: str, export_tables: dict):
    """The table asked for as CSV or XLSX, or None when no export was asked."""
    export_format = export_requested(request)
    if export_format is None:
        return None
    table = request.GET.get("table", "")
    if table not in export_tables:
        raise Http404(_("No such table."))
    title, columns, rows = export_tables[table]
    filename = f"score-{name}-{table}"
    if export_format == "csv":
        return csv_response(filename, columns, rows)
    return xlsx_response(filename, columns, rows, title=title)


def _render(request, template: str, context: dict):
    """The whole page, or only its body when htmx asks after a filter changed."""
    if request.headers.get("HX-Request") == "true":
        template = template.replace(".html", "_body.html")
    return render(request, template, context)


# --- landing ----------------------------------------------------------------------------


@login_required
@require_GET
def landing(request):
    """Each role's own dashboard."""
    principal = principal_of(request.user)
    if principal.is_ilo:
        return redirect("dashboards:programme")
    if principal.is_partner:
        return redirect("dashboards:partner", pk=principal.organisation_id)
    if principal.is_brand:
        return redirect("dashboards:brand", pk=principal.organisation_id)
    return redirect("portal:home")


# --- the ILO programme dashboard --------------------------------------------------------


@login_required
@require_GET
def programme(request):
    user = request.user
    require(principal_of(user).is_ilo, _("The programme dashboard is for ILO staff."))
    form, filters, catalogue = _filter_form(
        request,
        scope=Scope.PROGRAMME,
        enterprises=enterprises_visible_to(user),
        one_group_at_a_time=True,
    )
    group_scope, group_key = filters.group()
    enterprises = filters.narrow(enterprises_visible_to(user))
    summaries = selectors.kpi_results(
        user, scope=Scope.PROGRAMME, enterprises=enterprises, filters=filters
    )
    indicator = selectors.breakdown_indicator(filters.indicator)
    breakdowns = selectors.programme_breakdowns(user, indicator=indicator)
    series = (
        selectors.trend(user, group_scope, group_key) if group_scope in HISTORY_SCOPES else None
    )
    quality = selectors.data_quality(user, enterprises=enterprises)
    costs = selectors.cost_shares(user, enterprises=enterprises)
    charts = {"kpi": _kpi_chart(summaries)}
    for scope, breakdown in breakdowns.items():
        charts[f"breakdown-{scope}"] = _breakdown_chart(breakdown)
    if series is not None:
        charts["trend"] = _trend_chart(series)

    export_tables = {
        "kpi": (_("KPI results"), tables.kpi_columns(), summaries),
        "quality": (_("Data quality"), tables.outlier_columns(), quality.outliers),
        "cost": (_("Training cost"), tables.cost_columns(), costs),
    }
    for scope, breakdown in breakdowns.items():
        heading = BREAKDOWN_HEADINGS[scope]
        export_tables[f"breakdown-{scope}"] = (
            heading,
            tables.breakdown_columns(heading),
            breakdown.rows,
        )
    if series is not None:
        export_tables["trend"] = (_("Trend"), tables.trend_columns(series), series.rows)
    exported = _export(request, "programme", export_tables)
    if exported is not None:
        return exported

    return _render(
        request,
        "dashboards/programme.html",
        {
            "form": form,
            "filters": filters,
            "group_scope": group_scope,
            "headline": selectors.headline(user, group_scope, group_key),
            "summaries": summaries,
            "indicator": indicator,
            "breakdowns": _breakdown_list(breakdowns),
            "series": series,
            "compliance": selectors.compliance(user, enterprises=enterprises),
            "quality": quality,
            "costs": costs,
            "aggregation": aggregation_status(user),
            "can_recompute": can_request_recompute(user),
            "charts": charts,
        },
    )


@login_required
@require_POST
def recompute(request):
    """The "recompute now" button: the one door, reports.services.recompute_request."""
    require(can_request_recompute(request.user), _("Only ILO staff may start a recompute."))
    run = recompute_request(actor=request.user)
    messages.success(
        request,
        _("A full recompute is queued (run %(run)s); the figures refresh when it ends.")
        % {"run": run.pk},
    )
    return redirect("dashboards:programme")


# --- a partner's dashboard --------------------------------------------------------------


@login_required
@require_GET
def partner(request, pk):
    user = request.user
    organisation = selectors.partner_get(user, pk)
    portfolio = enterprises_visible_to(user).filter(partner_id=organisation.pk)
    form, filters, catalogue = _filter_form(
        request, scope=Scope.PARTNER, key=str(pk), enterprises=portfolio
    )
    enterprises = filters.narrow(portfolio)
    summaries = selectors.kpi_results(
        user, scope=Scope.PARTNER, key=str(pk), enterprises=portfolio, filters=filters
    )
    indicator = selectors.breakdown_indicator(filters.indicator)
    breakdowns = {
        by: selectors.portfolio_breakdown(enterprises, by=by, indicator=indicator, withhold=False)
        for by in ("country", "sector")
    }
    pipeline = selectors.pipeline(user, enterprises=enterprises)
    quality = selectors.data_quality(user, enterprises=enterprises)
    costs = selectors.cost_shares(user, enterprises=enterprises)
    workload = selectors.trainer_workload(user, partner_id=organisation.pk)
    expiring = selectors.certifications_expiring(user, partner_id=organisation.pk)
    series = selectors.trend(user, Scope.PARTNER, str(pk))
    charts = {"kpi": _kpi_chart(summaries), "pipeline": _pipeline_chart(pipeline)}
    for by, breakdown in breakdowns.items():
        charts[f"breakdown-{by}"] = _breakdown_chart(breakdown)
    if len(series.months) > 1:
        charts["trend"] = _trend_chart(series)

    export_tables = {
        "kpi": (_("KPI results"), tables.kpi_columns(), summaries),
        "pipeline": (
            _("Pipeline"),
            tables.pipeline_columns(Enrolment.Status.choices),
            pipeline,
        ),
        "quality": (_("Data quality"), tables.outlier_columns(), quality.outliers),
        "cost": (_("Training cost"), tables.cost_columns(), costs),
        "workload": (_("Trainers"), tables.workload_columns(), workload),
        "certifications": (_("Certifications"), tables.certification_columns(), expiring),
    }
    for by, breakdown in breakdowns.items():
        heading = BREAKDOWN_HEADINGS[by]
        export_tables[f"breakdown-{by}"] = (
            heading,
            tables.breakdown_columns(heading),
            breakdown.rows,
        )
    exported = _export(request, "partner", export_tables)
    if exported is not None:
        return exported

    return _render(
        request,
        "dashboards/partner.html",
        {
            "organisation": organisation,
            "form": form,
            "filters": filters,
            "headline": selectors.headline(user, Scope.PARTNER, str(pk)),
            "summaries": summaries,
            "indicator": indicator,
            "breakdowns": _breakdown_list(breakdowns),
            "series": series if len(series.months) > 1 else None,
            "pipeline": pipeline,
            "statuses": Enrolment.Status.choices,
            "overdue": selectors.overdue_work(user, enterprises=enterprises),
            "compliance": selectors.compliance(user, enterprises=enterprises),
            "quality": quality,
            "costs": costs,
            "workload": workload,
            "expiring": expiring,
            "charts": charts,
        },
    )


# --- a brand's dashboard ----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def brand(request, pk):
    user = request.user
    organisation = selectors.brand_get(user, pk)
    principal = principal_of(user)
    suppliers = enterprises_visible_to(user).filter(
        pk__in=selectors.brand_suppliers(organisation.pk).values("pk")
    )
    form, filters, catalogue = _filter_form(
        request, scope=Scope.BRAND, key=str(pk), enterprises=suppliers
    )
    enterprises = filters.narrow(suppliers)
    summaries = selectors.kpi_results(
        user, scope=Scope.BRAND, key=str(pk), enterprises=suppliers, filters=filters
    )
    programme_summaries = {summary.indicator.pk: summary for summary in public_kpi_summary()}
    indicator = selectors.breakdown_indicator(filters.indicator)
    breakdowns = {
        by: selectors.portfolio_breakdown(enterprises, by=by, indicator=indicator, withhold=True)
        for by in ("country", "sector")
    }
    supplier_list = selectors.supplier_table(enterprises)
    links = selectors.supplier_links_of_brand(user, organisation.pk)
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
    for by, breakdown in breakdowns.items():
        charts[f"breakdown-{by}"] = _breakdown_chart(breakdown)

    export_tables = {
        "kpi": (_("KPI results"), tables.kpi_columns(), summaries),
        "suppliers": (
            _("Suppliers"),
            tables.supplier_columns(catalogue),
            selectors.supplier_rows(list(supplier_list)) if export_requested(request) else [],
        ),
        "links": (_("Supplier links"), tables.supplier_link_columns(), links),
    }
    for by, breakdown in breakdowns.items():
        heading = BREAKDOWN_HEADINGS[by]
        export_tables[f"breakdown-{by}"] = (
            heading,
            tables.breakdown_columns(heading),
            breakdown.rows,
        )
    exported = _export(request, "brand", export_tables)
    if exported is not None:
        return exported

    page = paginate(request, supplier_list)
    return _render(
        request,
        "dashboards/brand.html",
        {
            "organisation": organisation,
            "form": form,
            "filters": filters,
            "headline": selectors.headline(user, Scope.BRAND, str(pk)),
            "summaries": summaries,
            "programme_summaries": programme_summaries,
            "indicator": indicator,
            "catalogue": catalogue,
            "breakdowns": _breakdown_list(breakdowns),
            "supplier_rows": selectors.supplier_rows(list(page["object_list"])),
            "page_obj": page["page_obj"],
            "page_range": page["page_range"],
            "links": links[:50],
            "may_request": may_request,
            "request_form": request_form,
            "charts": charts,
        },
    )


# --- the public impact page -------------------------------------------------------------


@require_GET
def impact(request):
    """Programme-wide figures for anyone, worded like the press releases, small groups
    withheld; no login."""
    summaries = public_kpi_summary()
    return render(
        request,
        "dashboards/impact.html",
        {
            "reach": public_reach(),
            "summaries": summaries,
            "phrases": [phrase for phrase in map(press_phrase, summaries) if phrase],
            "charts": {"kpi": _kpi_chart([s for s in summaries if not s.withheld])},
        },
    )
