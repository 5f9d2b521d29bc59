from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.functional import lazy
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enterprises.permissions import can_record_progress
from reports import services
from reports.models import (
    AggregationRun,
    EnterpriseKpiResult,
    Indicator,
    KpiMeasurement,
    KpiSummary,
    ReachSummary,
)
from reports.permissions import can_request_recompute
from reports.selectors import aggregation_runs_visible_to, kpi_measurements_visible_to
from score_platform.admin import (
    RecentFirstInlineFormSet,
    ScoreHistoryAdmin,
    ScoreModelAdmin,
    ScoreTabularInline,
)


@admin.register(Indicator)
class IndicatorAdmin(ScoreModelAdmin):
    list_display = ("code", "name", "unit", "direction", "is_percentage", "order")
    list_filter = ("direction", "is_percentage")
    search_fields = ("code", "name")
    fields = ("code", "name", "unit", "direction", "is_percentage", "definition", "order")

    def validate_instance(self, instance, *, form):
        services.indicator_validate(instance)

    def create_instance(self, request, data, *, form):
        return services.indicator_save(actor=request.user, indicator=Indicator(**data))

    def update_instance(self, request, instance, changes, *, form):
        for name, value in changes.items():
            setattr(instance, name, value)
        return services.indicator_save(actor=request.user, indicator=instance)

    def delete_instance(self, request, instance):
        services.indicator_delete(actor=request.user, indicator=instance)


class MeasurementHooks:
    """The KPI services, shared by the measurement admin and the inline on an enterprise."""

    frozen_fields = ("enterprise", "indicator")

    def may_change(self, user, obj=None):
        enterprise = getattr(obj, "enterprise", obj)
        return can_record_progress(user, partner_id=getattr(enterprise, "partner_id", None))

    def validate_instance(self, instance, *, form):
        services.measurement_validate(instance)

    def create_instance(self, request, data, *, form):
        return services.measurement_record(actor=request.user, **data)

    def update_instance(self, request, instance, changes, *, form):
        return services.measurement_update(actor=request.user, measurement=instance, **changes)

    def delete_instance(self, request, instance):
        services.measurement_delete(actor=request.user, measurement=instance)


@admin.register(KpiMeasurement)
class KpiMeasurementAdmin(MeasurementHooks, ScoreHistoryAdmin):
    selector = kpi_measurements_visible_to
    list_display = (
        "enterprise",
        "indicator",
        "period",
        "value",
        "is_baseline",
        "source",
        "verified_by",
    )
    list_select_related = ("enterprise", "indicator", "verified_by")
    list_filter = ("indicator", "is_baseline", "source", "enterprise__partner")
    search_fields = ("enterprise__name",)
    autocomplete_fields = ("enterprise", "indicator", "verified_by")
    date_hierarchy = "period"
    # Ten million rows: no second count of the whole table on a filtered page.
    show_full_result_count = False
    fields = (
        "enterprise",
        "indicator",
        "period",
        "value",
        "is_baseline",
        "source",
        "verified_by",
        "note",
        "reported_by",
    )
    readonly_fields = ("reported_by",)


class KpiMeasurementInline(MeasurementHooks, ScoreTabularInline):
    model = KpiMeasurement
    formset = RecentFirstInlineFormSet
    fields = ("indicator", "period", "value", "is_baseline", "source", "verified_by", "note")
    autocomplete_fields = ("indicator", "verified_by")
    formfield_overrides = {models.TextField: {"widget": forms.TextInput(attrs={"size": 30})}}
    ordering = ("-period", "indicator__order")
    verbose_name_plural = lazy(
        lambda: (
            _("KPI measurements (the newest %(count)s; the KPI measurement list has them all)")
            % {"count": RecentFirstInlineFormSet.limit}
        ),
        str,
    )()

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("indicator", "verified_by")


# --- the computed tables: read-only (the aggregation writes them) ------------------------
# These admins name no service hooks, so the role rights offer no add, change or delete:
# ILO staff look at the computed rows; a rebuild starts from the runs' "Recompute now".


@admin.register(EnterpriseKpiResult)
class EnterpriseKpiResultAdmin(ScoreModelAdmin):
    list_display = (
        "enterprise",
        "indicator",
        "baseline_value",
        "baseline_period",
        "latest_value",
        "latest_period",
        "improvement_pct",
        "months_observed",
        "computed_at",
    )
    list_select_related = ("enterprise", "indicator")
    list_filter = ("indicator", "enterprise__country", "enterprise__partner")
    search_fields = ("enterprise__name",)
    ordering = ("enterprise__name", "indicator__order")
    # One row per enterprise and indicator (hundreds of thousands): no second full count.
    show_full_result_count = False


@admin.register(KpiSummary)
class KpiSummaryAdmin(ScoreModelAdmin):
    list_display = (
        "scope",
        "scope_key",
        "indicator",
        "as_of",
        "enterprises_reporting",
        "median_improvement_pct",
        "mean_improvement_pct",
        "p90_improvement_pct",
        "share_improved",
        "computed_at",
    )
    list_select_related = ("indicator",)
    list_filter = ("scope", "indicator", "as_of")
    search_fields = ("scope_key",)
    date_hierarchy = "as_of"


@admin.register(ReachSummary)
class ReachSummaryAdmin(ScoreModelAdmin):
    list_display = (
        "scope",
        "scope_key",
        "as_of",
        "enterprises",
        "enterprises_enrolled",
        "enterprises_trained",
        "employees_benefiting",
        "participants_trained",
        "classroom_sessions",
        "visits",
        "modules_completed",
        "computed_at",
    )
    list_filter = ("scope", "as_of")
    search_fields = ("scope_key",)
    date_hierarchy = "as_of"


@admin.register(AggregationRun)
class AggregationRunAdmin(ScoreModelAdmin):
    """Every run of the aggregation; "Recompute now" queues a full rebuild."""

    selector = aggregation_runs_visible_to
    list_display = (
        "created_at",
        "kind",
        "status",
        "with_history",
        "requested_by",
        "started_at",
        "duration_seconds",
        "rows_read",
        "rows_written",
        "attempts",
        "short_error",
    )
    list_select_related = ("requested_by",)
    list_filter = ("kind", "status", "with_history")
    search_fields = ("scope", "error", "task_id")
    date_hierarchy = "created_at"
    fields = (
        "kind",
        "scope",
        "with_history",
        "status",
        "requested_by",
        "task_id",
        "attempts",
        "created_at",
        "started_at",
        "finished_at",
        "duration_seconds",
        "rows_read",
        "rows_written",
        "error",
    )
    readonly_fields = fields
    change_list_template = "admin/reports/aggregationrun/change_list.html"

    @admin.display(description=gettext_lazy("error"))
    def short_error(self, run):
        return Truncator(run.error).chars(80)

    def get_urls(self):
        return [
            path(
                "recompute/",
                self.admin_site.admin_view(self.recompute_view),
                name="reports_aggregationrun_recompute",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "may_recompute": can_request_recompute(request.user),
            "recompute_url": reverse("admin:reports_aggregationrun_recompute"),
        }
        return super().changelist_view(request, extra_context)

    def recompute_view(self, request):
        """POST only: queue a full rebuild through the one service that starts one."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not can_request_recompute(request.user):
            raise PermissionDenied
        history = request.POST.get("history") == "1"
        run = services.recompute_request(actor=request.user, history=history)
        self.message_user(
            request,
            _("Recompute queued as run %(id)s; it shows here when the worker takes it.")
            % {"id": run.pk},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:reports_aggregationrun_changelist"))
