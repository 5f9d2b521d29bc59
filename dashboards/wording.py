"""The public page's sentences, worded like the ILO press releases and filled from the
computed figures ("up to N %" is the 90th percentile of the improvements, kpis.md)."""

from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _

from reports.selectors import IndicatorSummary


def _phrases() -> dict[str, str]:
    return {
        "productivity": _("up to %(figure)s higher labour productivity"),
        "defect_rate": _("up to %(figure)s fewer defective products"),
        "waste": _("up to %(figure)s less material waste"),
        "accidents": _("up to %(figure)s fewer work-related accidents"),
        "absenteeism": _("up to %(figure)s less absenteeism"),
        "staff_turnover": _("up to %(figure)s lower staff turnover"),
        "worker_suggestions": _("up to %(figure)s more worker suggestions put into practice"),
        "energy_intensity": _("up to %(figure)s less energy per good unit"),
    }


def press_phrase(summary: IndicatorSummary) -> str | None:
    """ "up to 50 % higher labour productivity"; None when withheld or not an improvement."""
    if summary.withheld or summary.p90_improvement_pct is None:
        return None
    if summary.p90_improvement_pct <= 0:
        return None
    figure = f"{floatformat(summary.p90_improvement_pct, 0)} %"
    phrase = _phrases().get(summary.indicator.code)
    if phrase is None:
        return _("up to %(figure)s improvement in %(indicator)s") % {
            "figure": figure,
            "indicator": summary.indicator.label,
        }
    return phrase % {"figure": figure}
