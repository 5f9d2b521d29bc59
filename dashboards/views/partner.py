"""A partner's portfolio dashboard (the partner's own; ILO staff any partner's)."""

from django.contrib.auth.decorators import login_required
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from dashboards import tables
from dashboards.selectors import results, suppliers, work
from dashboards.views.common import (
    _add_breakdowns,
    _breakdown_list,
    _filter_form,
    _kept_page,
    _kpi_chart,
    _pipeline_chart,
    _portfolio_results,
    _trend_chart,
    remembered,
)
from enterprises.selectors import enterprises_visible_to
from modules.models import Enrolment
from reports.models import Scope

# --- a partner's dashboard --------------------------------------------------------------


PARTNER_FIGURES = (
    "form",
    "filters",
    "headline",
    "summaries",
    "indicator",
    "breakdowns",
    "series",
    "pipeline",
    "statuses",
    "overdue",
    "compliance",
    "quality",
    "costs",
    "workload",
    "expiring",
    "charts",
)


@login_required
@require_GET
def partner(request, pk):
    user = request.user
    organisation = suppliers.partner_get(user, pk)
    # The portfolio's figures are the same for the partner and for ILO staff viewing it.
    return _kept_page(
        request,
        "partner",
        owner=f"partner-{organisation.pk}",
        figures=lambda: _partner_figures(request, user, organisation),
        names=PARTNER_FIGURES,
        live={"organisation": organisation},
    )


def _partner_figures(request, user, organisation) -> dict:
    pk = organisation.pk
    portfolio = enterprises_visible_to(user).filter(partner_id=pk)
    form, filters, catalogue = _filter_form(
        request, scope=Scope.PARTNER, key=str(pk), enterprises=portfolio
    )
    enterprises = filters.narrow(portfolio)
    dashboard = f"partner-{pk}"

    def kept(name, compute):
        return remembered(name, dashboard, filters, compute)

    summaries, indicator, breakdowns = _portfolio_results(
        user,
        dashboard=dashboard,
        scope=Scope.PARTNER,
        key=str(pk),
        everyone=portfolio,
        filters=filters,
    )

    pipeline = kept("pipeline", lambda: work.pipeline(user, enterprises=enterprises))
    quality = kept("quality", lambda: work.data_quality(user, enterprises=enterprises))
    costs = kept("cost", lambda: work.cost_shares(user, enterprises=enterprises))
    workload = kept("workload", lambda: work.trainer_workload(user, partner_id=pk))
    expiring = kept("certifications", lambda: work.certifications_expiring(user, partner_id=pk))
    series = results.trend(user, Scope.PARTNER, str(pk))
    charts = {"kpi": _kpi_chart(summaries), "pipeline": _pipeline_chart(pipeline)}
    if len(series.months) > 1:
        charts["trend"] = _trend_chart(series)

    exports = {
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
    _add_breakdowns(breakdowns, charts, exports)
    overdue = kept("overdue", lambda: work.overdue_work(user, enterprises=enterprises))
    return {
        "form": form,
        "filters": filters,
        "headline": results.headline(user, Scope.PARTNER, str(pk)),
        "summaries": summaries,
        "indicator": indicator,
        "breakdowns": _breakdown_list(breakdowns),
        "series": series if len(series.months) > 1 else None,
        "pipeline": pipeline,
        "statuses": Enrolment.Status.choices,
        "overdue": overdue,
        "compliance": kept(
            "compliance",
            lambda: work.compliance(user, enterprises=enterprises, overdue=overdue["visits"].total),
        ),
        "quality": quality,
        "costs": costs,
        "workload": workload,
        "expiring": expiring,
        "charts": charts,
        "exports": exports,
    }
