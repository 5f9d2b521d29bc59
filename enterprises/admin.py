from django.contrib import admin
from django_countries.filters import CountryFilter

from enterprises import services
from enterprises.models import Enterprise, Participant
from enterprises.permissions import can_manage_enterprise, can_record_progress
from enterprises.selectors import enterprises_visible_to, participants_visible_to
from reports.admin import KpiMeasurementInline
from score_platform.admin import ScoreHistoryAdmin, ScoreModelAdmin, ScoreTabularInline


class ParticipantHooks:
    """The participant services, shared by the participant admin and the enterprise inline."""

    frozen_fields = ("enterprise",)

    def may_change(self, user, obj=None):
        enterprise = getattr(obj, "enterprise", obj)
        return can_record_progress(user, partner_id=getattr(enterprise, "partner_id", None))

    def validate_instance(self, instance, *, form):
        services.participant_validate(instance)

    def create_instance(self, request, data, *, form):
        return services.participant_create(actor=request.user, **data)

    def update_instance(self, request, instance, changes, *, form):
        return services.participant_update(actor=request.user, participant=instance, **changes)

    def delete_instance(self, request, instance):
        services.participant_delete(actor=request.user, participant=instance)


class ParticipantInline(ParticipantHooks, ScoreTabularInline):
    model = Participant
    fields = ("full_name", "role", "gender", "contract", "is_eit_member")


@admin.register(Enterprise)
class EnterpriseAdmin(ScoreHistoryAdmin):
    selector = enterprises_visible_to
    list_display = (
        "name",
        "country",
        "city",
        "sector",
        "partner",
        "employees_total",
        "employees_female",
        "status",
    )
    list_select_related = ("partner",)
    list_filter = ("status", "sector", "partner", ("country", CountryFilter))
    search_fields = ("name", "city", "=os_id", "=registration_number")
    autocomplete_fields = ("partner",)
    # A hundred thousand enterprises: no second count of the whole table on a filtered page.
    show_full_result_count = False
    fields = (
        "name",
        "partner",
        "country",
        "city",
        "sector",
        "os_id",
        "registration_number",
        "employees_total",
        "employees_female",
        "status",
    )
    inlines = (ParticipantInline, KpiMeasurementInline)

    def may_change(self, user, obj=None):
        return can_manage_enterprise(user, partner_id=getattr(obj, "partner_id", None))

    def validate_instance(self, instance, *, form):
        services.enterprise_validate(
            instance,
            check_licence=instance._state.adding
            or bool({"country", "partner"} & set(form.changed_data)),
        )

    def create_instance(self, request, data, *, form):
        return services.enterprise_register(actor=request.user, **data)

    def update_instance(self, request, instance, changes, *, form):
        return services.enterprise_update(actor=request.user, enterprise=instance, **changes)

    def delete_instance(self, request, instance):
        services.enterprise_delete(actor=request.user, enterprise=instance)


@admin.register(Participant)
class ParticipantAdmin(ParticipantHooks, ScoreModelAdmin):
    selector = participants_visible_to
    list_display = ("full_name", "enterprise", "role", "gender", "contract", "is_eit_member")
    list_select_related = ("enterprise",)
    list_filter = ("role", "gender", "contract", "is_eit_member", "enterprise__partner")
    search_fields = ("full_name", "enterprise__name")
    autocomplete_fields = ("enterprise",)
    show_full_result_count = False
    fields = ("enterprise", "full_name", "role", "gender", "contract", "is_eit_member")
