"""The dashboards' tables as exports: one list of columns per table, read from the very
rows the page shows, so a download always matches the screen (and its filters)."""

from django.utils.translation import gettext_lazy as _

from score_platform.exports import Column


def _rounded(value):
    return None if value is None else round(value, 1)


def _withheld(row, value):
    return _("too few to show") if getattr(row, "withheld", False) else value


def kpi_columns():
    return [
        Column(_("Indicator"), lambda summary: summary.indicator.label),
        Column(_("Month"), lambda summary: summary.as_of.strftime("%Y-%m")),
        Column(
            _("Enterprises reporting"),
            lambda summary: _withheld(summary, summary.enterprises_reporting),
        ),
        Column(
            _("Median improvement (%)"),
            lambda summary: _withheld(summary, _rounded(summary.median_improvement_pct)),
        ),
        Column(
            _("Mean improvement (%)"),
            lambda summary: _withheld(summary, _rounded(summary.mean_improvement_pct)),
        ),
        Column(
            _("Up to (90th percentile, %)"),
            lambda summary: _withheld(summary, _rounded(summary.p90_improvement_pct)),
        ),
        Column(
            _("Share improved (%)"),
            lambda summary: _withheld(
                summary,
                None if summary.share_improved is None else round(summary.share_improved * 100, 1),
            ),
        ),
    ]


def breakdown_columns(heading):
    return [
        Column(heading, lambda row: row.label),
        Column(_("Enterprises trained"), lambda row: row.enterprises_trained),
        Column(_("Employees benefiting"), lambda row: row.employees_benefiting),
        Column(_("Participants trained"), lambda row: row.participants_trained),
        Column(_("Enterprises reporting"), lambda row: _withheld(row, row.enterprises_reporting)),
        Column(
            _("Median improvement (%)"),
            lambda row: _withheld(row, _rounded(row.median_improvement_pct)),
        ),
        Column(
            _("Up to (90th percentile, %)"),
            lambda row: _withheld(row, _rounded(row.p90_improvement_pct)),
        ),
    ]


def trend_columns(series):
    columns = [Column(_("Month"), lambda row: row[0].strftime("%Y-%m"))]
    for index, indicator in enumerate(series.indicators):
        columns.append(
            Column(
                f"{indicator.label} (%)",
                lambda row, index=index: _rounded(row[1][index]),
            )
        )
    return columns


def pipeline_columns(statuses):
    columns = [Column(_("Module"), lambda row: row.module.label)]
    for value, label in statuses:
        columns.append(Column(label, lambda row, value=value: row.counts[value]))
    columns.append(Column(_("Total"), lambda row: row.total))
    return columns


def cost_columns():
    return [
        Column(_("Currency"), lambda cost: cost.currency),
        Column(_("Fees recorded"), lambda cost: round(cost.total, 2)),
        Column(_("Paid by others than the ILO"), lambda cost: round(cost.paid_by_others, 2)),
        Column(_("Share paid by others (%)"), lambda cost: _rounded(cost.share_by_others)),
    ]


def outlier_columns():
    return [
        Column(_("Enterprise"), lambda result: result.enterprise.name),
        Column(_("Indicator"), lambda result: result.indicator.label),
        Column(_("Baseline"), lambda result: result.baseline_value),
        Column(_("Latest"), lambda result: result.latest_value),
        Column(_("Latest month"), lambda result: result.latest_period),
    ]


def workload_columns():
    return [
        Column(_("Trainer"), lambda load: load.full_name),
        Column(_("Classroom sessions"), lambda load: load.sessions),
        Column(_("Consultation visits"), lambda load: load.visits),
    ]


def certification_columns():
    return [
        Column(_("Trainer"), lambda certification: certification.trainer.full_name),
        Column(_("Module"), lambda certification: certification.module.label),
        Column(_("Level"), lambda certification: certification.get_level_display()),
        Column(_("Expires on"), lambda certification: certification.expires_on),
    ]


def supplier_columns(catalogue):
    columns = [
        Column(_("Supplier"), lambda row: row.enterprise.name),
        Column(_("Country"), lambda row: row.enterprise.country.name),
        Column(_("Sector"), lambda row: row.enterprise.get_sector_display()),
        Column(_("Open Supply Hub ID"), lambda row: row.enterprise.os_id),
        Column(_("Modules completed"), lambda row: row.modules_completed),
        Column(_("Reported last month"), lambda row: row.reported_last_month),
    ]
    for indicator in catalogue:
        columns.append(
            Column(
                f"{indicator.label} (%)",
                lambda row, pk=indicator.pk: _rounded(row.improvements.get(pk)),
            )
        )
    return columns


def supplier_link_columns():
    return [
        Column(_("Requested"), lambda link: link.requested_at),
        Column(_("Enterprise id asked for"), lambda link: link.requested_enterprise_id),
        Column(_("Open Supply Hub ID asked for"), lambda link: link.requested_os_id),
        Column(
            _("Supplier"),
            lambda link: link.enterprise.name if link.status == "granted" else "",
        ),
        Column(_("Status"), lambda link: link.get_status_display()),
    ]
