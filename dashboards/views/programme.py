"""Each role's landing, and the ILO programme dashboard with its "recompute now" button."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dashboards import tables
from dashboards.selectors import results, work
from dashboards.views.common import (
    _add_breakdowns,
    _breakdown_list,
    _filter_form,
    _kept_page,
    _kpi_chart,
    _trend_chart,
    remembered,
)
from enterprises.selectors import enterprises_visible_to
from partners.access import principal_of
from partners.models import Organisation
from partners.selectors import organisations_visible_to
from reports.models import HISTORY_SCOPES, Scope
from reports.permissions import can_request_recompute
from reports.selectors import aggregation_status
from reports.services import recompute_request
from score_platform.permissions import require

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


PROGRAMME_FIGURES = (
    "form",
    "filters",
    "group_scope",
    "headline",
    "summaries",
    "indicator",
    "breakdowns",
    "series",
    "compliance",
    "quality",
    "costs",
    "brands",
    "charts",
)


@login_required
@require_GET
def programme(request):
    user = request.user
    require(principal_of(user).is_ilo, _("The programme dashboard is for ILO staff."))
    return _kept_page(
        request,
        "programme",
        owner="programme",
        figures=lambda: _programme_figures(request, user),
        names=PROGRAMME_FIGURES,
        live={
            "aggregation": aggregation_status(user),
            "can_recompute": can_request_recompute(user),
        },
    )


def _programme_figures(request, user) -> dict:
    form, filters, catalogue = _filter_form(
        request,
        scope=Scope.PROGRAMME,
        enterprises=enterprises_visible_to(user),
        one_group_at_a_time=True,
    )
    group_scope, group_key = filters.group()
    enterprises = filters.narrow(enterprises_visible_to(user))
    summaries = results.kpi_results(
        user, scope=Scope.PROGRAMME, enterprises=enterprises, filters=filters
    )
    indicator = results.breakdown_indicator(filters.indicator)
    breakdowns = results.programme_breakdowns(user, indicator=indicator)
    series = results.trend(user, group_scope, group_key) if group_scope in HISTORY_SCOPES else None
    quality = remembered(
        "quality", "programme", filters, lambda: work.data_quality(user, enterprises=enterprises)
    )
    costs = remembered(
        "cost", "programme", filters, lambda: work.cost_shares(user, enterprises=enterprises)
    )
    charts = {"kpi": _kpi_chart(summaries)}
    if series is not None:
        charts["trend"] = _trend_chart(series)

    exports = {
        "kpi": (_("KPI results"), tables.kpi_columns(), summaries),
        "quality": (_("Data quality"), tables.outlier_columns(), quality.outliers),
        "cost": (_("Training cost"), tables.cost_columns(), costs),
    }
    _add_breakdowns(breakdowns, charts, exports)
    if series is not None:
        exports["trend"] = (_("Trend"), tables.trend_columns(series), series.rows)
    return {
        "form": form,
        "filters": filters,
        "group_scope": group_scope,
        "headline": results.headline(user, group_scope, group_key),
        "summaries": summaries,
        "indicator": indicator,
        "breakdowns": _breakdown_list(breakdowns),
        "series": series,
        "compliance": remembered(
            "compliance",
            "programme",
            filters,
            lambda: work.compliance(user, enterprises=enterprises),
        ),
        "quality": quality,
        "costs": costs,
        "brands": list(
            organisations_visible_to(user)
            .filter(kind=Organisation.Kind.BRAND)
            .only("pk", "name")
            .order_by("name")
        ),
        "charts": charts,
        "exports": exports,
    }


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
