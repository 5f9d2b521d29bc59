"""The public impact page: programme-wide figures for anyone, no login."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from dashboards.views.common import (
    _kpi_chart,
)
from dashboards.wording import press_phrase
from reports.selectors import public_kpi_summary, public_reach

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
