"""REST API of trainers and certifications (api.md)."""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers

from modules.selectors import training_modules
from partners.access import principal_of
from partners.api import partners_visible_to
from partners.models import Organisation
from score_platform.api import (
    CodeRelatedField,
    CountryCodeFilter,
    CountryCodesMixin,
    IdFilter,
    ScopedPrimaryKeyRelatedField,
    StrictCharField,
    StrictFilterSet,
    StrictModelSerializer,
)
from score_platform.viewsets import ScopedViewSet
from trainers import services
from trainers.models import Certification, Trainer
from trainers.selectors import certifications_visible_to, trainers_visible_to

# --- trainers ---------------------------------------------------------------------------


class TrainerSerializer(CountryCodesMixin, StrictModelSerializer):
    organisation = ScopedPrimaryKeyRelatedField(
        partners_visible_to,
        required=False,
        help_text=_("The trainer's partner; a partner's own organisation when left out."),
    )
    languages = serializers.ListField(
        child=StrictCharField(min_length=2, max_length=8),
        max_length=30,
        required=False,
        help_text=_("Language codes, e.g. en, zh, es."),
    )

    class Meta:
        model = Trainer
        fields = ["id", "full_name", "email", "organisation", "countries", "languages", "gender"]
        validators = []
        extra_kwargs = {"email": {"validators": []}}


class TrainerFilter(StrictFilterSet):
    organisation = IdFilter(field_name="organisation_id")
    country = CountryCodeFilter(field_name="countries", multiple=True)

    class Meta:
        model = Trainer
        fields = ["organisation", "gender"]


@extend_schema_view(
    list=extend_schema(summary=_("Trainers you may see")),
    retrieve=extend_schema(summary=_("One trainer")),
    create=extend_schema(summary=_("Add a trainer (partner managers, ILO administrators)")),
    partial_update=extend_schema(summary=_("Change a trainer's profile")),
)
class TrainerViewSet(
    ScopedViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
):
    serializer_class = TrainerSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    selector = trainers_visible_to
    update_service = services.trainer_update
    instance_argument = "trainer"
    filterset_class = TrainerFilter
    search_fields = ["full_name", "email"]
    ordering_fields = ["full_name", "id"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        organisation = data.pop("organisation", None)
        if organisation is None:
            principal = principal_of(self.request.user)
            organisation = Organisation.objects.filter(
                pk=principal.organisation_id, kind=Organisation.Kind.PARTNER
            ).first()
        if organisation is None:
            raise serializers.ValidationError(
                {"organisation": [_("Name the trainer's partner organisation.")]}
            )
        serializer.instance = services.trainer_create(
            actor=self.request.user, organisation=organisation, **data
        )


# --- certifications ---------------------------------------------------------------------


class CertificationSerializer(StrictModelSerializer):
    trainer = ScopedPrimaryKeyRelatedField(trainers_visible_to)
    module = CodeRelatedField(queryset=training_modules())

    class Meta:
        model = Certification
        fields = ["id", "trainer", "module", "level", "awarded_on", "expires_on"]
        validators = []


class CertificationFilter(StrictFilterSet):
    trainer = IdFilter(field_name="trainer_id")
    module = django_filters.CharFilter(field_name="module__code")

    class Meta:
        model = Certification
        fields = ["trainer", "module", "level"]


@extend_schema_view(
    list=extend_schema(summary=_("Certifications you may see")),
    retrieve=extend_schema(summary=_("One certification")),
    create=extend_schema(summary=_("Award a certification (ILO administrators)")),
    partial_update=extend_schema(summary=_("Change a certification (ILO administrators)")),
)
class CertificationViewSet(
    ScopedViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
):
    serializer_class = CertificationSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    selector = certifications_visible_to
    create_service = services.certification_award
    update_service = services.certification_update
    instance_argument = "certification"
    filterset_class = CertificationFilter
    search_fields = ["trainer__full_name"]
    ordering_fields = ["awarded_on", "expires_on", "id"]
