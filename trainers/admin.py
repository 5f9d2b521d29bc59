from django.contrib import admin

from score_platform.admin import ScoreHistoryAdmin, ScoreModelAdmin, ScoreTabularInline
from trainers import services
from trainers.models import Certification, Trainer
from trainers.permissions import can_manage_certifications, can_manage_trainer
from trainers.selectors import certifications_visible_to, trainers_visible_to


class CertificationHooks:
    """The certification services, shared by the certification admin and the trainer inline."""

    frozen_fields = ("trainer", "module")

    def may_change(self, user, obj=None):
        return can_manage_certifications(user)

    def validate_instance(self, instance, *, form):
        services.certification_validate(instance)

    def create_instance(self, request, data, *, form):
        return services.certification_award(actor=request.user, **data)

    def update_instance(self, request, instance, changes, *, form):
        return services.certification_update(actor=request.user, certification=instance, **changes)

    def delete_instance(self, request, instance):
        services.certification_delete(actor=request.user, certification=instance)


class CertificationInline(CertificationHooks, ScoreTabularInline):
    model = Certification
    fields = ("module", "level", "awarded_on", "expires_on", "awarded_by")
    readonly_fields = ("awarded_by",)
    autocomplete_fields = ("module",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("module", "awarded_by")


@admin.register(Trainer)
class TrainerAdmin(ScoreModelAdmin):
    selector = trainers_visible_to
    list_display = ("full_name", "email", "organisation", "gender", "countries", "user")
    list_select_related = ("organisation", "user")
    list_filter = ("organisation", "gender")
    search_fields = ("full_name", "email")
    autocomplete_fields = ("organisation", "user")
    fields = ("full_name", "email", "organisation", "countries", "languages", "gender", "user")
    frozen_fields = ("organisation",)
    inlines = (CertificationInline,)

    def may_change(self, user, obj=None):
        return can_manage_trainer(user, organisation_id=getattr(obj, "organisation_id", None))

    def validate_instance(self, instance, *, form):
        services.trainer_validate(instance)

    def create_instance(self, request, data, *, form):
        return services.trainer_create(actor=request.user, **data)

    def update_instance(self, request, instance, changes, *, form):
        return services.trainer_update(actor=request.user, trainer=instance, **changes)

    def delete_instance(self, request, instance):
        services.trainer_delete(actor=request.user, trainer=instance)


@admin.register(Certification)
class CertificationAdmin(CertificationHooks, ScoreHistoryAdmin):
    selector = certifications_visible_to
    list_display = ("trainer", "module", "level", "awarded_on", "expires_on", "awarded_by")
    list_select_related = ("trainer", "module", "awarded_by")
    list_filter = ("level", "module", "trainer__organisation")
    search_fields = ("trainer__full_name", "trainer__email")
    autocomplete_fields = ("trainer", "module")
    date_hierarchy = "awarded_on"
    fields = ("trainer", "module", "level", "awarded_on", "expires_on", "awarded_by")
    readonly_fields = ("awarded_by",)
