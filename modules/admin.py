from django.contrib import admin

from enterprises.permissions import can_record_progress
from modules import services
from modules.models import (
    Attendance,
    ClassroomSession,
    ConsultationVisit,
    Enrolment,
    ImprovementProject,
    TrainingModule,
)
from modules.permissions import can_manage_training_modules
from modules.selectors import (
    attendance_visible_to,
    classroom_sessions_visible_to,
    enrolments_visible_to,
    improvement_projects_visible_to,
    visits_visible_to,
)
from score_platform.admin import (
    ScoreHistoryAdmin,
    ScoreModelAdmin,
    ScoreStackedInline,
    ScoreTabularInline,
)


def partner_id_of(obj):
    """The partner serving the object's enterprise (or running its session), if known."""
    if isinstance(obj, ClassroomSession):
        return obj.partner_id
    if isinstance(obj, Attendance):
        return obj.session.partner_id
    if isinstance(obj, Enrolment):
        return obj.enterprise.partner_id
    if isinstance(obj, ConsultationVisit | ImprovementProject):
        return obj.enrolment.enterprise.partner_id
    return None


class ProgressRights:
    """Progress data: ILO officers may change it too (access.md)."""

    def may_change(self, user, obj=None):
        return can_record_progress(user, partner_id=partner_id_of(obj))


@admin.register(TrainingModule)
class TrainingModuleAdmin(ScoreModelAdmin):
    list_display = (
        "code",
        "name",
        "order",
        "classroom_days",
        "recommended_visits",
        "is_foundation",
        "is_active",
    )
    list_filter = ("is_foundation", "is_active")
    search_fields = ("code", "name")
    fields = (
        "code",
        "name",
        "description",
        "order",
        "classroom_days",
        "recommended_visits",
        "is_foundation",
        "is_active",
    )

    def may_change(self, user, obj=None):
        return can_manage_training_modules(user)

    def validate_instance(self, instance, *, form):
        services.training_module_validate(instance)

    def create_instance(self, request, data, *, form):
        return services.training_module_create(actor=request.user, **data)

    def update_instance(self, request, instance, changes, *, form):
        return services.training_module_update(
            actor=request.user, training_module=instance, **changes
        )

    def delete_instance(self, request, instance):
        services.training_module_delete(actor=request.user, training_module=instance)


# --- visits and improvement projects (their own admins and inlines on an enrolment) -------


class VisitHooks(ProgressRights):
    frozen_fields = ("enrolment",)

    def validate_instance(self, instance, *, form):
        services.visit_validate(instance)

    def create_instance(self, request, data, *, form):
        return services.visit_create(actor=request.user, **data)

    def update_instance(self, request, instance, changes, *, form):
        return services.visit_update(actor=request.user, visit=instance, **changes)

    def delete_instance(self, request, instance):
        services.visit_delete(actor=request.user, visit=instance)


class ImprovementProjectHooks(ProgressRights):
    frozen_fields = ("enrolment",)

    def validate_instance(self, instance, *, form):
        services.improvement_project_validate(instance)

    def create_instance(self, request, data, *, form):
        return services.improvement_project_create(actor=request.user, **data)

    def update_instance(self, request, instance, changes, *, form):
        return services.improvement_project_update(actor=request.user, project=instance, **changes)

    def delete_instance(self, request, instance):
        services.improvement_project_delete(actor=request.user, project=instance)


class ConsultationVisitInline(VisitHooks, ScoreStackedInline):
    model = ConsultationVisit
    fields = (
        ("kind", "visited_on", "duration_hours"),
        ("trainer", "eit_members_present"),
        "summary",
        "next_steps",
    )
    autocomplete_fields = ("trainer",)
    ordering = ("-visited_on",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("trainer")


class ImprovementProjectInline(ImprovementProjectHooks, ScoreStackedInline):
    model = ImprovementProject
    fields = (
        ("title", "status", "due_on"),
        ("owner_name", "indicator"),
        ("savings_estimate", "savings_realised", "savings_currency"),
        "description",
    )
    autocomplete_fields = ("indicator",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("indicator")


@admin.register(ConsultationVisit)
class ConsultationVisitAdmin(VisitHooks, ScoreModelAdmin):
    selector = visits_visible_to
    list_display = ("enrolment", "kind", "trainer", "visited_on", "duration_hours")
    list_select_related = ("enrolment__enterprise", "enrolment__module", "trainer")
    list_filter = ("kind", "enrolment__module", "enrolment__partner")
    search_fields = ("enrolment__enterprise__name", "trainer__full_name")
    autocomplete_fields = ("enrolment", "trainer")
    date_hierarchy = "visited_on"
    show_full_result_count = False
    fields = (
        "enrolment",
        "kind",
        "trainer",
        "visited_on",
        "duration_hours",
        "eit_members_present",
        "summary",
        "next_steps",
    )


@admin.register(ImprovementProject)
class ImprovementProjectAdmin(ImprovementProjectHooks, ScoreModelAdmin):
    selector = improvement_projects_visible_to
    list_display = ("title", "enrolment", "status", "due_on", "indicator", "owner_name")
    list_select_related = ("enrolment__enterprise", "enrolment__module", "indicator")
    list_filter = ("status", "indicator", "enrolment__module")
    search_fields = ("title", "owner_name", "enrolment__enterprise__name")
    autocomplete_fields = ("enrolment", "indicator")
    date_hierarchy = "due_on"
    show_full_result_count = False
    fields = (
        "enrolment",
        "title",
        "description",
        "owner_name",
        "due_on",
        "status",
        "indicator",
        "savings_estimate",
        "savings_realised",
        "savings_currency",
        "created_by",
    )
    readonly_fields = ("created_by",)


# --- enrolments ---------------------------------------------------------------------------


@admin.register(Enrolment)
class EnrolmentAdmin(ProgressRights, ScoreHistoryAdmin):
    selector = enrolments_visible_to
    list_display = (
        "enterprise",
        "module",
        "partner",
        "status",
        "started_on",
        "completed_on",
        "lead_trainer",
        "paid_by",
    )
    list_select_related = ("enterprise", "module", "partner", "lead_trainer")
    list_filter = ("status", "module", "partner", "paid_by")
    search_fields = ("enterprise__name", "lead_trainer__full_name")
    autocomplete_fields = ("enterprise", "module", "lead_trainer")
    date_hierarchy = "started_on"
    show_full_result_count = False
    fields = (
        "enterprise",
        "module",
        "partner",
        "status",
        "started_on",
        "completed_on",
        "lead_trainer",
        ("fee_amount", "fee_currency"),
        "paid_by",
    )
    # The enterprise's own partner delivers the enrolment (enrolment_create sets it).
    readonly_fields = ("partner",)
    frozen_fields = ("enterprise", "module")
    inlines = (ConsultationVisitInline, ImprovementProjectInline)

    def validate_instance(self, instance, *, form):
        if instance._state.adding:
            # What enrolment_create does with an enrolment that names no partner.
            instance.partner_id = instance.enterprise.partner_id
            services.enrolment_validate(instance)
        else:
            services.enrolment_validate(
                instance,
                previous_status=form.initial.get("status"),
                changed=form.changed_data,
            )

    def create_instance(self, request, data, *, form):
        return services.enrolment_create(actor=request.user, **data)

    def update_instance(self, request, instance, changes, *, form):
        return services.enrolment_update(actor=request.user, enrolment=instance, **changes)

    def delete_instance(self, request, instance):
        services.enrolment_delete(actor=request.user, enrolment=instance)


# --- classroom sessions and attendance ----------------------------------------------------


class AttendanceHooks(ProgressRights):
    frozen_fields = ("session", "participant")

    def validate_instance(self, instance, *, form):
        services.attendance_validate(instance)

    def create_instance(self, request, data, *, form):
        return services.attendance_record(actor=request.user, **data)

    def update_instance(self, request, instance, changes, *, form):
        return services.attendance_record(
            actor=request.user,
            session=instance.session,
            participant=instance.participant,
            days_attended=changes.get("days_attended", instance.days_attended),
        )

    def delete_instance(self, request, instance):
        services.attendance_remove(actor=request.user, attendance=instance)


class AttendanceInline(AttendanceHooks, ScoreTabularInline):
    model = Attendance
    fields = ("participant", "days_attended")
    autocomplete_fields = ("participant",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("participant")


@admin.register(ClassroomSession)
class ClassroomSessionAdmin(ProgressRights, ScoreModelAdmin):
    selector = classroom_sessions_visible_to
    list_display = ("__str__", "module", "partner", "starts_on", "ends_on", "venue", "country")
    list_select_related = ("module", "partner")
    list_filter = ("module", "partner")
    search_fields = ("venue", "city")
    autocomplete_fields = ("module", "partner", "trainers")
    date_hierarchy = "starts_on"
    fields = (
        "module",
        "partner",
        "trainers",
        ("starts_on", "ends_on"),
        "venue",
        "city",
        "country",
    )
    frozen_fields = ("module", "partner")
    inlines = (AttendanceInline,)

    def validate_instance(self, instance, *, form):
        trainers = form.cleaned_data.get("trainers")
        if instance._state.adding:
            services.classroom_session_validate(instance, trainers=trainers)
            return
        changed = set(form.changed_data)
        services.classroom_session_validate(
            instance,
            # As classroom_session_update: the trainers are checked again when they or the
            # start date change.
            trainers=trainers if {"trainers", "starts_on"} & changed else None,
            check_licence=bool({"starts_on", "country"} & changed),
        )

    def create_instance(self, request, data, *, form):
        return services.classroom_session_create(actor=request.user, **data)

    def update_instance(self, request, instance, changes, *, form):
        return services.classroom_session_update(actor=request.user, session=instance, **changes)

    def delete_instance(self, request, instance):
        services.classroom_session_delete(actor=request.user, session=instance)


@admin.register(Attendance)
class AttendanceAdmin(AttendanceHooks, ScoreModelAdmin):
    selector = attendance_visible_to
    list_display = ("participant", "enterprise", "session", "days_attended")
    list_select_related = ("participant__enterprise", "session__module")
    list_filter = ("session__module", "session__partner", "days_attended")
    search_fields = ("participant__full_name", "participant__enterprise__name")
    autocomplete_fields = ("session", "participant")
    date_hierarchy = "session__starts_on"
    show_full_result_count = False
    fields = ("session", "participant", "days_attended")

    @admin.display(description=Enrolment._meta.get_field("enterprise").verbose_name)
    def enterprise(self, attendance):
        return attendance.participant.enterprise
