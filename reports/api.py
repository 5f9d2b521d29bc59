"""REST API of the KPI catalogue and KPI measurements (api.md)."""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from enterprises.selectors import enterprises_visible_to
from reports import services
from reports.models import Indicator, KpiMeasurement
from reports.selectors import indicators, kpi_measurements_visible_to
from score_platform.api import (
    CodeRelatedField,
    IdFilter,
    LargeTablePagination,
    MonthField,
    MonthFilter,
    ScopedPrimaryKeyRelatedField,
    StrictBooleanField,
    StrictCharField,
    StrictDecimalField,
    StrictFilterSet,
    StrictIntegerField,
    StrictModelSerializer,
)
from score_platform.schema import ERROR_SCHEMA
from score_platform.viewsets import ScopedViewSet
from trainers.selectors import trainers_visible_to

NOTE_MAX_LENGTH = 10_000
# A month of KPIs for a partner's enterprises is a few thousand rows; beyond this, split it.
BULK_MAX_ROWS = 10_000


def all_indicators(user):
    return indicators()


# --- indicators -------------------------------------------------------------------------


class IndicatorSerializer(StrictModelSerializer):
    class Meta:
        model = Indicator
        fields = ["id", "code", "name", "unit", "direction", "is_percentage", "definition", "order"]
        read_only_fields = fields


class IndicatorFilter(StrictFilterSet):
    class Meta:
        model = Indicator
        fields = ["code", "direction", "is_percentage"]


@extend_schema_view(
    list=extend_schema(summary=_("The KPI catalogue")),
    retrieve=extend_schema(summary=_("One indicator")),
)
class IndicatorViewSet(ScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = IndicatorSerializer
    selector = all_indicators
    filterset_class = IndicatorFilter
    search_fields = ["code", "name"]
    ordering_fields = ["order", "code", "name", "id"]


# --- KPI measurements -------------------------------------------------------------------

MEASUREMENT_EXAMPLE = {
    "enterprise": 12,
    "indicator": "defect_rate",
    "period": "2024-03",
    "value": "4.5000",
    "is_baseline": False,
    "source": "records",
    "verified_by": 7,
    "note": "Rework counted at the end of line 2.",
}


class KpiMeasurementSerializer(StrictModelSerializer):
    enterprise = ScopedPrimaryKeyRelatedField(enterprises_visible_to)
    indicator = CodeRelatedField(queryset=indicators())
    period = MonthField(help_text=_('The month, "YYYY-MM".'))
    verified_by = ScopedPrimaryKeyRelatedField(trainers_visible_to, required=False, allow_null=True)
    note = StrictCharField(required=False, allow_blank=True, max_length=NOTE_MAX_LENGTH)

    class Meta:
        model = KpiMeasurement
        fields = [
            "id",
            "enterprise",
            "indicator",
            "period",
            "value",
            "is_baseline",
            "source",
            "verified_by",
            "reported_by",
            "note",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["reported_by", "created_at", "updated_at"]
        validators = []


class KpiMeasurementBulkRowSerializer(serializers.Serializer):
    """One row of a batch; ids and codes are resolved for the whole batch at once."""

    enterprise = StrictIntegerField(min_value=1, max_value=2**63 - 1)
    indicator = StrictCharField(max_length=32)
    period = MonthField(help_text=_('The month, "YYYY-MM".'))
    value = StrictDecimalField(max_digits=14, decimal_places=4)
    is_baseline = StrictBooleanField(required=False, default=False)
    source = serializers.ChoiceField(
        choices=KpiMeasurement.Source.choices, required=False, default="records"
    )
    verified_by = StrictIntegerField(
        required=False, allow_null=True, min_value=1, max_value=2**63 - 1
    )
    note = StrictCharField(required=False, allow_blank=True, max_length=NOTE_MAX_LENGTH)


class KpiMeasurementFilter(StrictFilterSet):
    enterprise = IdFilter(field_name="enterprise_id")
    indicator = django_filters.CharFilter(field_name="indicator__code")
    period_from = MonthFilter(field_name="period", lookup_expr="gte")
    period_to = MonthFilter(field_name="period", lookup_expr="lte")

    class Meta:
        model = KpiMeasurement
        fields = ["enterprise", "indicator", "is_baseline", "source"]


BULK_RESULT = inline_serializer(
    "KpiMeasurementBulkResult",
    fields={
        "created": StrictIntegerField(),
        "ids": serializers.ListField(child=StrictIntegerField()),
    },
)


@extend_schema_view(
    list=extend_schema(
        summary=_("KPI measurements you may see (ILO and the serving partner)"),
        description=_(
            "Cursor-paginated (follow `next`; there is no `count`). Brands read results and "
            "summaries, never raw values: their list is empty."
        ),
    ),
    retrieve=extend_schema(summary=_("One KPI measurement")),
    create=extend_schema(
        summary=_("Report one month's value of one indicator"),
        examples=[
            OpenApiExample(
                "A monthly value",
                value=MEASUREMENT_EXAMPLE,
                request_only=True,
            ),
            OpenApiExample(
                "The recorded measurement",
                value={
                    "id": 3051,
                    **MEASUREMENT_EXAMPLE,
                    "reported_by": 4,
                    "created_at": "2024-04-02T08:15:00Z",
                    "updated_at": "2024-04-02T08:15:00Z",
                },
                response_only=True,
                status_codes=["201"],
            ),
            OpenApiExample(
                "A rule broken",
                value={"period": ["The period cannot be in the future."]},
                response_only=True,
                status_codes=["400"],
            ),
        ],
    ),
    partial_update=extend_schema(summary=_("Correct a KPI measurement")),
    destroy=extend_schema(summary=_("Delete a KPI measurement")),
)
class KpiMeasurementViewSet(
    ScopedViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
):
    serializer_class = KpiMeasurementSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    pagination_class = LargeTablePagination
    selector = kpi_measurements_visible_to
    create_service = services.measurement_record
    update_service = services.measurement_update
    delete_service = services.measurement_delete
    instance_argument = "measurement"
    filterset_class = KpiMeasurementFilter
    search_fields = ["enterprise__name"]
    # Cursor pages need a unique, indexed order.
    ordering_fields = ["id"]

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "list":
            # A list shows the enterprise's id only: no need to read its row for each value.
            return queryset.select_related(None).select_related("indicator")
        return queryset

    @extend_schema(
        summary=_("Report many measurements at once: all saved or none"),
        description=_(
            "A JSON list of measurements (at most %(rows)s). Every row follows the rules of a "
            "single measurement, checked against the stored values and the other rows. If any "
            "row breaks one, nothing is saved and the answer names each bad row by its index "
            "in the list (from 0): "
            '`{"errors": [{"row": 3, "period": ["…"]}]}`.'
        )
        % {"rows": BULK_MAX_ROWS},
        request=KpiMeasurementBulkRowSerializer(many=True),
        responses={
            201: BULK_RESULT,
            400: OpenApiResponse(response=ERROR_SCHEMA, description=_("Rows breaking a rule.")),
        },
        examples=[
            OpenApiExample(
                "A month of KPIs",
                value=[
                    {
                        "enterprise": 12,
                        "indicator": "defect_rate",
                        "period": "2024-03",
                        "value": "4.5",
                    },
                    {
                        "enterprise": 12,
                        "indicator": "absenteeism",
                        "period": "2024-03",
                        "value": "3.2",
                        "source": "records",
                    },
                    {
                        "enterprise": 14,
                        "indicator": "productivity",
                        "period": "2024-03",
                        "value": "1.85",
                        "is_baseline": True,
                        "note": "Baseline from the intake visit.",
                    },
                ],
                request_only=True,
            ),
            OpenApiExample(
                "All saved",
                value={"created": 3, "ids": [3051, 3052, 3053]},
                response_only=True,
                status_codes=["201"],
            ),
            OpenApiExample(
                "Nothing saved: rows breaking a rule",
                value={
                    "errors": [
                        {
                            "row": 1,
                            "value": ["Absenteeism is a percentage: the value is at most 100."],
                        },
                        {"row": 2, "indicator": ["Object with code=productivty does not exist."]},
                    ]
                },
                response_only=True,
                status_codes=["400"],
            ),
        ],
    )
    @action(detail=False, methods=["post"], url_path="bulk")
    def bulk(self, request):
        data = request.data
        if not isinstance(data, list) or not data:
            return _bulk_errors([{"row": None, "non_field_errors": [_LIST_EXPECTED]}])
        if len(data) > BULK_MAX_ROWS:
            return _bulk_errors(
                [
                    {
                        "row": None,
                        "non_field_errors": [
                            _("Send at most %(rows)s rows at once.") % {"rows": BULK_MAX_ROWS}
                        ],
                    }
                ]
            )
        rows = KpiMeasurementBulkRowSerializer(data=data, many=True)
        if not rows.is_valid():
            return _bulk_errors(_row_errors(rows.errors))
        resolved, errors = _resolve_rows(request.user, rows.validated_data)
        if errors:
            return _bulk_errors(errors)
        try:
            created = services.measurements_record_bulk(actor=request.user, rows=resolved)
        except services.BulkValidationError as error:
            return _bulk_errors(
                [{"row": index, **messages} for index, messages in error.rows.items()]
            )
        return Response(
            {"created": len(created), "ids": [measurement.pk for measurement in created]},
            status=status.HTTP_201_CREATED,
        )


_LIST_EXPECTED = _("Send a non-empty JSON list of measurements.")


def _row_errors(errors):
    if isinstance(errors, dict):
        return [{"row": None, **errors}]
    return [
        {"row": index, **(row if isinstance(row, dict) else {"non_field_errors": row})}
        for index, row in enumerate(errors)
        if row
    ]


def _bulk_errors(errors):
    return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)


def _resolve_rows(user, rows):
    """Turn ids and codes into objects with one scoped query per kind, not one per row.

    An id outside the user's scope reads exactly like one that does not exist.
    """
    enterprises = enterprises_visible_to(user).in_bulk({row["enterprise"] for row in rows})
    catalogue = {
        indicator.code: indicator
        for indicator in indicators().filter(code__in={row["indicator"] for row in rows})
    }
    trainer_ids = {row["verified_by"] for row in rows if row.get("verified_by")}
    trainers = trainers_visible_to(user).in_bulk(trainer_ids) if trainer_ids else {}
    resolved, errors = [], []
    for index, row in enumerate(rows):
        row_errors = {}
        enterprise = enterprises.get(row["enterprise"])
        if enterprise is None:
            row_errors["enterprise"] = [
                _('Invalid pk "%(pk)s" - object does not exist.') % {"pk": row["enterprise"]}
            ]
        indicator = catalogue.get(row["indicator"])
        if indicator is None:
            row_errors["indicator"] = [
                _("Object with code=%(code)s does not exist.") % {"code": row["indicator"]}
            ]
        verifier = None
        if row.get("verified_by"):
            verifier = trainers.get(row["verified_by"])
            if verifier is None:
                row_errors["verified_by"] = [
                    _('Invalid pk "%(pk)s" - object does not exist.') % {"pk": row["verified_by"]}
                ]
        if row_errors:
            errors.append({"row": index, **row_errors})
            continue
        resolved.append(
            {**row, "enterprise": enterprise, "indicator": indicator, "verified_by": verifier}
        )
    return resolved, errors
