"""The monthly KPI form of an enterprise and the change history of its values."""

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from enterprises.permissions import can_record_progress
from enterprises.selectors import enterprise_get
from reports import services
from reports.forms import MeasurementEntryForm, MonthForm
from reports.models import KpiMeasurement
from reports.permissions import can_see_measurements
from reports.selectors import enterprise_kpi_table, indicators
from score_platform.forms import add_service_errors
from score_platform.permissions import require

HISTORY_LIMIT = 500


def _month_before(period: date) -> date:
    return (period - timedelta(days=1)).replace(day=1)


def _month_after(period: date) -> date:
    return (period + timedelta(days=32)).replace(day=1)


@login_required
@require_http_methods(["GET", "POST"])
def kpi_entry(request, enterprise_pk, period: date):
    """All indicators of one month on one form, with the baseline and last month beside."""
    enterprise = enterprise_get(user=request.user, pk=enterprise_pk)
    require(
        can_record_progress(request.user, partner_id=enterprise.partner_id),
        _("You may not report KPIs for this enterprise."),
    )
    month_form = MonthForm(request.GET or None)
    if month_form.is_valid():
        chosen = month_form.cleaned_data["month"].replace(day=1)
        return redirect("reports:kpi-entry", enterprise_pk=enterprise.pk, period=chosen)

    table = enterprise_kpi_table(request.user, enterprise=enterprise)
    last_month = _month_before(period)
    lines = []
    for row in table:
        by_period = {measurement.period: measurement for measurement in row.measurements}
        current = by_period.get(period)
        initial = (
            {
                "value": current.value.normalize(),
                "source": current.source,
                "is_baseline": current.is_baseline,
                "note": current.note,
            }
            if current
            else {"is_baseline": not row.measurements}
        )
        form = MeasurementEntryForm(
            request.POST if request.method == "POST" else None,
            indicator=row.indicator,
            initial=initial,
        )
        lines.append(
            {"row": row, "form": form, "current": current, "last": by_period.get(last_month)}
        )

    if request.method == "POST" and all(line["form"].is_valid() for line in lines):
        entries = [(line["row"].indicator, line["form"].entry()) for line in lines]
        recorded = [line for line in lines if line["form"].entry() is not None]
        try:
            outcome = services.measurements_record_month(
                actor=request.user, enterprise=enterprise, period=period, entries=entries
            )
        except services.BulkValidationError as error:
            for index, field_errors in error.rows.items():
                add_service_errors(
                    recorded[index]["form"],
                    ValidationError(field_errors),
                    field_names={"period": "value"},
                )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("KPIs for %(month)s are saved: %(created)s new, %(updated)s corrected.")
                % {
                    "month": period.strftime("%Y-%m"),
                    "created": outcome.created,
                    "updated": outcome.updated,
                },
            )
            return redirect("reports:kpi-entry", enterprise_pk=enterprise.pk, period=period)
        messages.error(request, _("Nothing was saved: correct the values marked below."))

    current_month = timezone.localdate().replace(day=1)
    return render(
        request,
        "reports/kpi_measurement_entry.html",
        {
            "enterprise": enterprise,
            "period": period,
            "last_month": last_month,
            "previous_period": last_month,
            "next_period": _month_after(period) if period < current_month else None,
            "lines": lines,
            "month_form": MonthForm(initial={"month": period.strftime("%Y-%m")}),
            "has_errors": any(line["form"].errors for line in lines),
        },
    )


@login_required
def kpi_history(request, enterprise_pk, indicator_code):
    """Every recorded version of an enterprise's values of one indicator: who, when, what."""
    enterprise = enterprise_get(user=request.user, pk=enterprise_pk)
    require(can_see_measurements(request.user), _("Brands see KPI results, not raw values."))
    indicator = indicators().filter(code=indicator_code).first()
    if indicator is None:
        raise Http404(_("No such indicator."))
    records = list(
        KpiMeasurement.history.filter(enterprise_id=enterprise.pk, indicator_id=indicator.pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[:HISTORY_LIMIT]
    )
    previous = {}
    for record in reversed(records):
        record.previous_value = previous.get(record.id)
        previous[record.id] = record.value
    return render(
        request,
        "reports/kpi_measurement_history.html",
        {
            "enterprise": enterprise,
            "indicator": indicator,
            "records": records,
            "truncated": len(records) == HISTORY_LIMIT,
        },
    )
