from django import forms
from django.contrib import admin
from django.db import models
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from enterprises.permissions import can_record_progress
from reports import services
from reports.models import Indicator, KpiMeasurement
from reports.selectors import kpi_measurements_visible_to
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
