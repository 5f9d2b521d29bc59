"""REST API of organisations, licences and supplier links (api.md)."""

import django_filters
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from modules.selectors import training_modules
from partners import services
from partners.access import principal_of
from partners.models import Licence, Organisation, SupplierLink
from partners.selectors import (
    api_tokens_visible_to,
    licences_visible_to,
    organisations_visible_to,
    supplier_links_visible_to,
)
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
)
from score_platform.drf import JSONParser
from score_platform.security import client_address, serialized_login, username_of
from score_platform.viewsets import ScopedViewSet


def partners_visible_to(user):
    return organisations_visible_to(user).filter(kind=Organisation.Kind.PARTNER)


# --- auth -------------------------------------------------------------------------------


class TokenView(ObtainAuthToken):
    """Exchange a username and password for the user's API token.

    django-axes watches the attempt on Django's own request (its lockout answer comes from
    its middleware), and attempts for one username from one address run one at a time.
    """

    parser_classes = [JSONParser]

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "request": self.request._request}

    def post(self, request, *args, **kwargs):
        with serialized_login(username_of(request), client_address(request)):
            serializer = self.get_serializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            user = serializer.validated_data["user"]
            token = services.api_token_issue(actor=user, request=request)
            # A token obtained is a login: axes resets the count, the security log records it.
            user_logged_in.send(sender=type(user), request=request._request, user=user)
        return Response({"token": token.key})


class ApiTokenSerializer(serializers.Serializer):
    id = serializers.SerializerMethodField(help_text=_("The token's first characters."))
    created = serializers.DateTimeField(read_only=True)

    def get_id(self, token) -> str:
        return token.key[:TOKEN_ID_LENGTH]


TOKEN_ID_LENGTH = 8


@extend_schema_view(
    list=extend_schema(summary=_("Your API tokens")),
    destroy=extend_schema(summary=_("Revoke one of your API tokens")),
)
class ApiTokenViewSet(viewsets.GenericViewSet, mixins.ListModelMixin):
    """The caller's own API tokens (ILO administrators revoke anyone's in the admin)."""

    serializer_class = ApiTokenSerializer
    pagination_class = None
    filter_backends = []
    lookup_field = "key"
    lookup_value_regex = f"[0-9a-f]{{{TOKEN_ID_LENGTH}}}"

    def get_queryset(self):
        return api_tokens_visible_to(self.request.user).filter(user=self.request.user)

    def get_object(self):
        prefix = self.kwargs["key"]
        token = self.get_queryset().filter(key__startswith=prefix).first()
        if token is None:
            raise NotFound()
        return token

    def destroy(self, request, *args, **kwargs):
        services.api_token_revoke(actor=request.user, token=self.get_object(), request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- organisations ----------------------------------------------------------------------


class OrganisationSerializer(CountryCodesMixin, StrictModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "short_name", "kind", "countries", "website"]
        # The rules (uniqueness included) are the services'; they answer only those allowed.
        validators = []
        extra_kwargs = {"name": {"validators": []}}


class OrganisationFilter(StrictFilterSet):
    country = CountryCodeFilter(field_name="countries", multiple=True)

    class Meta:
        model = Organisation
        fields = ["kind"]


@extend_schema_view(
    list=extend_schema(summary=_("Organisations you may see")),
    retrieve=extend_schema(summary=_("One organisation")),
    create=extend_schema(summary=_("Add an organisation (ILO administrators)")),
    partial_update=extend_schema(summary=_("Change an organisation (ILO administrators)")),
)
class OrganisationViewSet(
    ScopedViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
):
    serializer_class = OrganisationSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    selector = organisations_visible_to
    create_service = services.organisation_create
    update_service = services.organisation_update
    instance_argument = "organisation"
    filterset_class = OrganisationFilter
    search_fields = ["name", "short_name"]
    ordering_fields = ["name", "kind", "id"]


# --- licences ---------------------------------------------------------------------------


class LicenceSerializer(CountryCodesMixin, StrictModelSerializer):
    partner = ScopedPrimaryKeyRelatedField(partners_visible_to)
    modules = CodeRelatedField(many=True, queryset=training_modules())

    class Meta:
        model = Licence
        fields = [
            "id",
            "partner",
            "reference",
            "countries",
            "modules",
            "valid_from",
            "valid_until",
            "status",
        ]
        validators = []
        extra_kwargs = {"reference": {"validators": []}}


class LicenceFilter(StrictFilterSet):
    partner = IdFilter(field_name="partner_id")
    country = CountryCodeFilter(field_name="countries", multiple=True)
    module = django_filters.CharFilter(field_name="modules__code", distinct=True)

    class Meta:
        model = Licence
        fields = ["partner", "status"]


@extend_schema_view(
    list=extend_schema(summary=_("Licences you may see")),
    retrieve=extend_schema(summary=_("One licence")),
    create=extend_schema(summary=_("Sign a licence (ILO administrators)")),
    partial_update=extend_schema(summary=_("Change a licence (ILO administrators)")),
)
class LicenceViewSet(
    ScopedViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
):
    serializer_class = LicenceSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    selector = licences_visible_to
    create_service = services.licence_create
    update_service = services.licence_update
    instance_argument = "licence"
    filterset_class = LicenceFilter
    search_fields = ["reference", "partner__name"]
    ordering_fields = ["reference", "valid_from", "valid_until", "id"]


# --- supplier links ---------------------------------------------------------------------


class SupplierLinkSerializer(StrictModelSerializer):
    """A link as its reader may see it.

    A brand sees the enterprise only once the link is granted; before that it sees what
    it asked for (``requested_enterprise_id`` / ``requested_os_id``) and nothing that would
    tell it whether such an enterprise exists.
    """

    enterprise = serializers.SerializerMethodField()

    class Meta:
        model = SupplierLink
        fields = [
            "id",
            "brand",
            "enterprise",
            "requested_enterprise_id",
            "requested_os_id",
            "status",
            "requested_at",
            "decided_at",
        ]
        read_only_fields = fields

    def get_enterprise(self, link) -> int | None:
        principal = principal_of(self.context["request"].user)
        if principal.is_brand and link.status != SupplierLink.Status.GRANTED:
            return None
        return link.enterprise_id


class SupplierLinkRequestSerializer(serializers.Serializer):
    """A brand's request: the platform id or the Open Supply Hub ID of an enterprise."""

    # A plain number, not a related field: the answer must not depend on whether it exists.
    enterprise = StrictIntegerField(
        required=False, min_value=1, max_value=2**63 - 1, allow_null=True
    )
    os_id = StrictCharField(required=False, max_length=32, allow_blank=True)

    def validate(self, attrs):
        if attrs.get("enterprise") is None and not (attrs.get("os_id") or "").strip():
            raise serializers.ValidationError(
                {"enterprise": [_("Give the enterprise's id or its Open Supply Hub ID.")]}
            )
        return attrs


class SupplierLinkFilter(StrictFilterSet):
    brand = IdFilter(field_name="brand_id")
    enterprise = IdFilter(method="filter_enterprise")

    class Meta:
        model = SupplierLink
        fields = ["brand", "status"]

    def filter_enterprise(self, queryset, name, value):
        # A brand filters by what it asked for until the link is granted.
        if principal_of(self.request.user).is_brand:
            return queryset.filter(
                status=SupplierLink.Status.GRANTED, enterprise_id=value
            ) | queryset.filter(requested_enterprise_id=value)
        return queryset.filter(enterprise_id=value)


@extend_schema_view(
    list=extend_schema(summary=_("Supplier links you may see")),
    retrieve=extend_schema(summary=_("One supplier link")),
    create=extend_schema(
        summary=_("Request a supplier link (brands)"),
        description=_(
            "Give `enterprise` (the platform id) or `os_id` (the Open Supply Hub ID). The "
            "request is recorded whether or not such an enterprise exists, and the answer is "
            "the same either way."
        ),
        request=SupplierLinkRequestSerializer,
        responses={201: SupplierLinkSerializer},
    ),
    grant=extend_schema(
        summary=_("Grant a supplier link (the enterprise's partner manager or ILO)"),
        request=None,
        responses={200: SupplierLinkSerializer},
    ),
    revoke=extend_schema(
        summary=_("Revoke a supplier link (the enterprise's partner manager or ILO)"),
        request=None,
        responses={200: SupplierLinkSerializer},
    ),
)
class SupplierLinkViewSet(ScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = SupplierLinkSerializer
    http_method_names = ["get", "post", "head", "options"]
    selector = supplier_links_visible_to
    filterset_class = SupplierLinkFilter
    search_fields = ["requested_os_id"]
    ordering_fields = ["requested_at", "decided_at", "status", "id"]

    def get_serializer_class(self):
        if self.action == "create":
            return SupplierLinkRequestSerializer
        return SupplierLinkSerializer

    def create(self, request, *args, **kwargs):
        serializer = SupplierLinkRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        actor = request.user
        principal = principal_of(actor)
        brand = Organisation.objects.filter(
            pk=principal.organisation_id, kind=Organisation.Kind.BRAND
        ).first()
        link = services.supplier_link_request(
            actor=actor,
            brand=brand if brand is not None else Organisation(),
            enterprise_id=serializer.validated_data.get("enterprise"),
            os_id=serializer.validated_data.get("os_id") or "",
        )
        return Response(
            SupplierLinkSerializer(link, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @action(detail=True, methods=["post"])
    def grant(self, request, pk=None):
        link = services.supplier_link_grant(actor=request.user, link=self.get_object())
        return Response(SupplierLinkSerializer(link, context=self.get_serializer_context()).data)

    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        link = services.supplier_link_revoke(actor=request.user, link=self.get_object())
        return Response(SupplierLinkSerializer(link, context=self.get_serializer_context()).data)
