"""REST API of training modules, enrolments, classroom sessions, visits and projects (api.md)."""

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers

from enterprises.selectors import enterprises_visible_to, participants_visible_to
from modules import services
from modules.models import (
    Attendance,
    ClassroomSession,
    ConsultationVisit,
    Enrolment,
    ImprovementProject,
    TrainingModule,
)
from modules.selectors import (
    classroom_sessions_visible_to,
    enrolments_visible_to,
    improvement_projects_visible_to,
    training_modules,
    visits_visible_to,
)
from partners.access import principal_of
from partners.api import partners_visible_to
from partners.models import Organisation
from reports.selectors import indicators
from score_platform.api import (
    CodeRelatedField,
    CountryCodeFilter,
    CountryCodesMixin,
    IdFilter,
    ScopedPrimaryKeyRelatedField,
    StrictCharField,
    StrictFilterSet,
    StrictIntegerField,
    StrictModelSerializer,
    validation_error_detail,
)
from score_platform.viewsets import ScopedViewSet
from trainers.selectors import trainers_visible_to

# Free text is generous but bounded: a megabyte of "summary" is a mistake or an attack.
TEXT_MAX_LENGTH = 10_000


def all_modules(user):
    return training_modules()


# --- training modules -------------------------------------------------------------------


class TrainingModuleSerializer(StrictModelSerializer):
    class Meta:
        model = TrainingModule
        fields = [
            "id",
            "code",
            "name",
            "description",
            "order",
            "classroom_days",
            "recommended_visits",
            "is_foundation",
            "is_active",
        ]
        read_only_fields = fields


class TrainingModuleFilter(StrictFilterSet):
    class Meta:
        model = TrainingModule
        fields = ["code", "is_foundation", "is_active"]


@extend_schema_view(
    list=extend_schema(summary=_("The training modules")),
    retrieve=extend_schema(summary=_("One training module")),
)
class TrainingModuleViewSet(ScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = TrainingModuleSerializer
    selector = all_modules
    filterset_class = TrainingModuleFilter
    search_fields = ["code", "name"]
    ordering_fields = ["order", "code", "name", "id"]


# --- enrolments -------------------------------------------------------------------------


class EnrolmentSerializer(StrictModelSerializer):
    enterprise = ScopedPrimaryKeyRelatedField(enterprises_visible_to)
    module = CodeRelatedField(queryset=training_modules())
    lead_trainer = ScopedPrimaryKeyRelatedField(
        trainers_visible_to, required=False, allow_null=True
    )

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "enterprise",
            "module",
            "partner",
            "lead_trainer",
            "status",
            "started_on",
            "completed_on",
            "fee_amount",
            "fee_currency",
            "paid_by",
        ]
        read_only_fields = ["partner"]
        validators = []


class BrandEnrolmentSerializer(StrictModelSerializer):
    """What a brand sees of its suppliers' training: the module and how far it has got."""

    module = CodeRelatedField(read_only=True)

    class Meta:
        model = Enrolment
        fields = ["id", "enterprise", "module", "partner", "status", "started_on", "completed_on"]
        read_only_fields = fields


class EnrolmentFilter(StrictFilterSet):
    enterprise = IdFilter(field_name="enterprise_id")
    module = django_filters.CharFilter(field_name="module__code")
    partner = IdFilter(field_name="partner_id")
    started_from = django_filters.DateFilter(field_name="started_on", lookup_expr="gte")
    started_to = django_filters.DateFilter(field_name="started_on", lookup_expr="lte")

    class Meta:
        model = Enrolment
        fields = ["enterprise", "module", "partner", "status", "paid_by"]


@extend_schema_view(
    list=extend_schema(
        summary=_("Enrolments you may see"),
        description=_(
            "Brands see the module, partner, status and dates only; fees and trainers are left out."
        ),
    ),
    retrieve=extend_schema(summary=_("One enrolment")),
    create=extend_schema(summary=_("Enrol an enterprise in a module")),
    partial_update=extend_schema(summary=_("Change an enrolment (status moves forward only)")),
)
class EnrolmentViewSet(
    ScopedViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
):
    serializer_class = EnrolmentSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    selector = enrolments_visible_to
    create_service = services.enrolment_create
    update_service = services.enrolment_update
    instance_argument = "enrolment"
    filterset_class = EnrolmentFilter
    search_fields = ["enterprise__name"]
    ordering_fields = ["started_on", "completed_on", "status", "id"]

    def get_serializer_class(self):
        reading = self.action in ("list", "retrieve")
        if reading and self.request is not None and principal_of(self.request.user).is_brand:
            return BrandEnrolmentSerializer
        return EnrolmentSerializer


# --- classroom sessions -----------------------------------------------------------------


class AttendanceSerializer(StrictModelSerializer):
    participant = ScopedPrimaryKeyRelatedField(participants_visible_to)
    days_attended = StrictIntegerField(min_value=0, max_value=10)

    class Meta:
        model = Attendance
        fields = ["participant", "days_attended"]
        validators = []


class ClassroomSessionSerializer(CountryCodesMixin, StrictModelSerializer):
    module = CodeRelatedField(queryset=training_modules())
    partner = ScopedPrimaryKeyRelatedField(
        partners_visible_to,
        required=False,
        help_text=_("The partner running it; a partner's own organisation when left out."),
    )
    trainers = ScopedPrimaryKeyRelatedField(trainers_visible_to, many=True)
    attendance = AttendanceSerializer(many=True, required=False, max_length=500)

    class Meta:
        model = ClassroomSession
        fields = [
            "id",
            "module",
            "partner",
            "trainers",
            "starts_on",
            "ends_on",
            "venue",
            "city",
            "country",
            "attendance",
        ]
        validators = []

    def validate_attendance(self, rows):
        participants = [row["participant"].pk for row in rows]
        if len(participants) != len(set(participants)):
            raise serializers.ValidationError(_("A participant is listed twice."))
        return rows


class ClassroomSessionFilter(StrictFilterSet):
    module = django_filters.CharFilter(field_name="module__code")
    partner = IdFilter(field_name="partner_id")
    country = CountryCodeFilter(field_name="country")
    starts_from = django_filters.DateFilter(field_name="starts_on", lookup_expr="gte")
    starts_to = django_filters.DateFilter(field_name="starts_on", lookup_expr="lte")

    class Meta:
        model = ClassroomSession
        fields = ["module", "partner", "country"]


@extend_schema_view(
    list=extend_schema(summary=_("Classroom sessions you may see")),
    retrieve=extend_schema(summary=_("One classroom session with its attendance")),
    create=extend_schema(summary=_("Record a classroom session and its attendance")),
    partial_update=extend_schema(
        summary=_("Change a classroom session"),
        description=_("Giving `attendance` replaces the session's attendance list."),
    ),
)
class ClassroomSessionViewSet(
    ScopedViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
):
    serializer_class = ClassroomSessionSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    selector = classroom_sessions_visible_to
    filterset_class = ClassroomSessionFilter
    search_fields = ["venue", "city"]
    ordering_fields = ["starts_on", "id"]

    def get_queryset(self):
        return super().get_queryset().prefetch_related("trainers", "attendance")

    @transaction.atomic
    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        attendance = data.pop("attendance", [])
        partner = data.pop("partner", None)
        if partner is None:
            principal = principal_of(self.request.user)
            partner = Organisation.objects.filter(
                pk=principal.organisation_id, kind=Organisation.Kind.PARTNER
            ).first()
        if partner is None:
            raise serializers.ValidationError({"partner": [_("Name the partner running it.")]})
        session = services.classroom_session_create(
            actor=self.request.user, partner=partner, **data
        )
        self._record_attendance(session, attendance)
        serializer.instance = session

    @transaction.atomic
    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        attendance = data.pop("attendance", None)
        session = services.classroom_session_update(
            actor=self.request.user, session=serializer.instance, **data
        )
        if attendance is not None:
            self._record_attendance(session, attendance, replace=True)
        serializer.instance = ClassroomSession.objects.prefetch_related(
            "trainers", "attendance"
        ).get(pk=session.pk)

    def _record_attendance(self, session, rows, *, replace=False):
        errors = [{} for _row in rows]
        for index, row in enumerate(rows):
            try:
                services.attendance_record(
                    actor=self.request.user,
                    session=session,
                    participant=row["participant"],
                    days_attended=row["days_attended"],
                )
            except DjangoValidationError as error:
                errors[index] = validation_error_detail(error)
        if any(errors):
            raise serializers.ValidationError({"attendance": errors})
        if replace:
            kept = {row["participant"].pk for row in rows}
            for attendance in session.attendance.exclude(participant_id__in=kept):
                services.attendance_remove(actor=self.request.user, attendance=attendance)


# --- consultation visits ----------------------------------------------------------------


class VisitSerializer(StrictModelSerializer):
    enrolment = ScopedPrimaryKeyRelatedField(enrolments_visible_to)
    trainer = ScopedPrimaryKeyRelatedField(trainers_visible_to)
    summary = StrictCharField(required=False, allow_blank=True, max_length=TEXT_MAX_LENGTH)
    next_steps = StrictCharField(required=False, allow_blank=True, max_length=TEXT_MAX_LENGTH)

    class Meta:
        model = ConsultationVisit
        fields = [
            "id",
            "enrolment",
            "kind",
            "trainer",
            "visited_on",
            "duration_hours",
            "eit_members_present",
            "summary",
            "next_steps",
        ]
        validators = []


class VisitFilter(StrictFilterSet):
    enrolment = IdFilter(field_name="enrolment_id")
    enterprise = IdFilter(field_name="enrolment__enterprise_id")
    module = django_filters.CharFilter(field_name="enrolment__module__code")
    trainer = IdFilter(field_name="trainer_id")
    visited_from = django_filters.DateFilter(field_name="visited_on", lookup_expr="gte")
    visited_to = django_filters.DateFilter(field_name="visited_on", lookup_expr="lte")

    class Meta:
        model = ConsultationVisit
        fields = ["enrolment", "enterprise", "module", "trainer", "kind"]


@extend_schema_view(
    list=extend_schema(summary=_("Consultation visits you may see")),
    retrieve=extend_schema(summary=_("One consultation visit")),
    create=extend_schema(summary=_("Log a consultation visit")),
    partial_update=extend_schema(summary=_("Change a consultation visit")),
)
class VisitViewSet(
    ScopedViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
):
    serializer_class = VisitSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    selector = visits_visible_to
    create_service = services.visit_create
    update_service = services.visit_update
    instance_argument = "visit"
    filterset_class = VisitFilter
    search_fields = ["summary", "enrolment__enterprise__name"]
    ordering_fields = ["visited_on", "id"]


# --- improvement projects ---------------------------------------------------------------


class ImprovementProjectSerializer(StrictModelSerializer):
    enrolment = ScopedPrimaryKeyRelatedField(enrolments_visible_to)
    indicator = CodeRelatedField(queryset=indicators(), required=False, allow_null=True)
    description = StrictCharField(required=False, allow_blank=True, max_length=TEXT_MAX_LENGTH)

    class Meta:
        model = ImprovementProject
        fields = [
            "id",
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
        ]
        validators = []


class ImprovementProjectFilter(StrictFilterSet):
    enrolment = IdFilter(field_name="enrolment_id")
    enterprise = IdFilter(field_name="enrolment__enterprise_id")
    indicator = django_filters.CharFilter(field_name="indicator__code")

    class Meta:
        model = ImprovementProject
        fields = ["enrolment", "enterprise", "indicator", "status"]


@extend_schema_view(
    list=extend_schema(summary=_("Improvement projects you may see")),
    retrieve=extend_schema(summary=_("One improvement project")),
    create=extend_schema(summary=_("Add an improvement project to an enrolment")),
    partial_update=extend_schema(summary=_("Change an improvement project")),
)
class ImprovementProjectViewSet(
    ScopedViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
):
    serializer_class = ImprovementProjectSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    selector = improvement_projects_visible_to
    create_service = services.improvement_project_create
    update_service = services.improvement_project_update
    instance_argument = "project"
    filterset_class = ImprovementProjectFilter
    search_fields = ["title", "owner_name"]
    ordering_fields = ["due_on", "status", "title", "id"]
