"""REST API of enterprises and participants (api.md)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action

from enterprises import services
from enterprises.models import Enterprise, Participant
from enterprises.selectors import enterprises_visible_to, participants_visible_to
from partners.access import principal_of
from partners.api import partners_visible_to
from partners.models import Organisation
from reports.api import enterprise_kpi_results_response, enterprise_kpi_results_schema
from score_platform.api import (
    CountryCodeFilter,
    CountryCodesMixin,
    IdFilter,
    ScopedPrimaryKeyRelatedField,
    StrictFilterSet,
    StrictModelSerializer,
)
from score_platform.viewsets import ScopedViewSet

# --- enterprises ------------------------------------------------------------------------


class EnterpriseSerializer(CountryCodesMixin, StrictModelSerializer):
    partner = ScopedPrimaryKeyRelatedField(
        partners_visible_to,
        required=False,
        help_text=_("The serving partner; a partner's own organisation when left out."),
    )

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "name",
            "country",
            "city",
            "sector",
            "employees_total",
            "employees_female",
            "partner",
            "registration_number",
            "os_id",
            "status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        # Uniqueness (Open Supply Hub ID, registration number) is the service's rule.
        validators = []


class EnterpriseFilter(StrictFilterSet):
    country = CountryCodeFilter(field_name="country")
    partner = IdFilter(field_name="partner_id")

    class Meta:
        model = Enterprise
        fields = ["country", "sector", "status", "partner"]


@extend_schema_view(
    list=extend_schema(summary=_("Enterprises you may see")),
    retrieve=extend_schema(summary=_("One enterprise")),
    create=extend_schema(summary=_("Register an enterprise")),
    partial_update=extend_schema(summary=_("Change an enterprise")),
    destroy=extend_schema(summary=_("Delete an enterprise")),
)
class EnterpriseViewSet(
    ScopedViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
):
    serializer_class = EnterpriseSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    selector = enterprises_visible_to
    update_service = services.enterprise_update
    delete_service = services.enterprise_delete
    instance_argument = "enterprise"
    filterset_class = EnterpriseFilter
    search_fields = ["name", "city", "os_id", "registration_number"]
    ordering_fields = ["name", "country", "city", "employees_total", "created_at", "id"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        partner = data.pop("partner", None)
        if partner is None:
            principal = principal_of(self.request.user)
            partner = Organisation.objects.filter(
                pk=principal.organisation_id, kind=Organisation.Kind.PARTNER
            ).first()
        if partner is None:
            raise serializers.ValidationError({"partner": [_("Name the serving partner.")]})
        serializer.instance = services.enterprise_register(
            actor=self.request.user, partner=partner, **data
        )

    @enterprise_kpi_results_schema
    @action(
        detail=True,
        methods=["get"],
        url_path="kpi-results",
        pagination_class=None,
        filter_backends=[],
    )
    def kpi_results(self, request, pk=None):
        return enterprise_kpi_results_response(request, pk)


# --- participants -----------------------------------------------------------------------


class ParticipantSerializer(StrictModelSerializer):
    enterprise = ScopedPrimaryKeyRelatedField(enterprises_visible_to)

    class Meta:
        model = Participant
        fields = ["id", "enterprise", "full_name", "role", "gender", "contract", "is_eit_member"]
        validators = []


class ParticipantFilter(StrictFilterSet):
    enterprise = IdFilter(field_name="enterprise_id")

    class Meta:
        model = Participant
        fields = ["enterprise", "role", "gender", "contract", "is_eit_member"]


@extend_schema_view(
    list=extend_schema(summary=_("Participants (personal data: never shown to brands)")),
    retrieve=extend_schema(summary=_("One participant")),
    create=extend_schema(summary=_("Add a participant")),
    partial_update=extend_schema(summary=_("Change a participant")),
)
class ParticipantViewSet(
    ScopedViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
):
    serializer_class = ParticipantSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    selector = participants_visible_to
    create_service = services.participant_create
    update_service = services.participant_update
    instance_argument = "participant"
    filterset_class = ParticipantFilter
    search_fields = ["full_name"]
    ordering_fields = ["full_name", "id"]
