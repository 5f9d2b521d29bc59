"""Shared pieces of the dashboard pages: the filter form, chart data, table exports."""

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboards import tables
from dashboards.forms import DashboardFilterForm
from dashboards.selectors import results
from modules.models import Enrolment
from modules.selectors import training_modules
from reports import caching
from reports.models import Scope
from reports.selectors import indicators
from score_platform.exports import csv_response, xlsx_response
from score_platform.pages import export_requested

CHART_GROUPS = 15


# --- shared pieces ----------------------------------------------------------------------


def _filter_form(request, *, scope, key="", enterprises, one_group_at_a_time=False):
    catalogue = list(indicators())
    form = DashboardFilterForm(
        request.GET or None,
        months=results.summary_months(scope, key),
        country_codes=remembered(
            "countries", f"{scope}-{key}", None, lambda: results.countries_of(enterprises)
        ),
        modules=list(training_modules()),
        indicators=catalogue,
        one_group_at_a_time=one_group_at_a_time,
    )
    return form, form.filters(), catalogue


def remembered(name: str, dashboard: str, filters, compute):
    """A figure counted from the live tables (reporting compliance, data quality, cost,
    pipeline, overdue work, trainers, a filtered portfolio's breakdowns), kept for every
    reader of the same dashboard and filters until the data changes (reports.caching)."""
    return caching.remembered(name, f"dashboard-{dashboard}", compute, filters=filters)


def _portfolio_results(user, *, dashboard: str, scope: str, key: str, everyone, filters):
    """A partner's or a brand's KPI results and their breakdowns by country and sector,
    kept for the dashboard (``everyone``: all its enterprises, before the filters). Returns
    the summaries, the breakdowns' indicator and the breakdowns."""
    enterprises = filters.narrow(everyone)
    summaries = remembered(
        "kpi",
        dashboard,
        filters,
        lambda: results.kpi_results(
            user, scope=scope, key=key, enterprises=everyone, filters=filters
        ),
    )
    indicator = results.breakdown_indicator(filters.indicator)
    withhold = scope == Scope.BRAND
    breakdowns = {
        by: remembered(
            f"breakdown-{by}",
            dashboard,
            filters,
            lambda by=by: results.portfolio_breakdown(
                enterprises, by=by, indicator=indicator, withhold=withhold
            ),
        )
        for by in ("country", "sector")
    }
    return summaries, indicator, breakdowns


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


def _add_breakdowns(breakdowns: dict, charts: dict, export_tables: dict) -> None:
    """Each breakdown's chart and its exportable table, under ``breakdown-<scope>``."""
    for scope, breakdown in breakdowns.items():
        heading = BREAKDOWN_HEADINGS[scope]
        charts[f"breakdown-{scope}"] = _breakdown_chart(breakdown)
        export_tables[f"breakdown-{scope}"] = (
            heading,
            tables.breakdown_columns(heading),
            breakdown.rows,
        )


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


def _kept_page(request, name: str, *, owner: str, figures, names, live: dict):
    """The dashboard ``name`` (its template dashboards/<name>.html), with its sections
    kept for ``owner``'s readers (``{% kept %}``, reports.caching.fragments_key).

    ``figures()`` computes everything the kept sections show (a dict with ``names`` and
    ``exports``, the tables offered for download); the template gets each name as a
    callable, so a view whose sections are all kept computes none of it. ``live`` is
    what is read on every view (a form with its CSRF token, the aggregation's status).
    """

    def checked() -> dict:
        computed = figures()
        if set(computed) != {*names, "exports"}:
            raise KeyError(f"{owner}: figures {sorted(computed)} are not {sorted(names)}")
        return computed

    everything = caching.once(checked)

    if export_requested(request):
        return _export(request, name, everything()["exports"])
    context = {key: (lambda key=key: everything()[key]) for key in names}
    context.update(live, kept_as=caching.fragments_key(f"dashboard-{owner}", request))
    return _render(request, f"dashboards/{name}.html", context)
