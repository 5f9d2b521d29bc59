"""REST API of the KPI catalogue and KPI measurements (api.md)."""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.reverse import reverse

from enterprises.selectors import enterprises_visible_to
from reports import services
from reports.models import AggregationRun, EnterpriseKpiResult, Indicator, KpiMeasurement, Scope
from reports.selectors import (
    aggregation_runs_visible_to,
    enterprise_kpi_results,
    indicators,
    kpi_measurements_visible_to,
    kpi_summary,
    may_read_scope,
    normalised_key,
    reach,
)
from score_platform.api import (
    MONTH_PATTERN,
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


# --- computed results, summaries, reach and the aggregation's runs ----------------------
# Read-only views of the tables the aggregation computes (kpis.md), through the selectors
# of reports.selectors; a rebuild is started only through services.recompute_request.


@extend_schema_field(
    {
        "type": "string",
        "pattern": MONTH_PATTERN,
        "example": "2024-01",
        "format": "month",
        "nullable": True,
    }
)
class NullableMonthField(MonthField):
    """A month that may be absent (no baseline yet, no later value yet)."""


class EnterpriseKpiResultSerializer(serializers.ModelSerializer):
    indicator = serializers.SlugRelatedField(slug_field="code", read_only=True)
    baseline_period = NullableMonthField(read_only=True)
    latest_period = NullableMonthField(read_only=True)

    class Meta:
        model = EnterpriseKpiResult
        fields = [
            "indicator",
            "baseline_value",
            "baseline_period",
            "latest_value",
            "latest_period",
            "improvement_pct",
            "months_observed",
            "computed_at",
        ]
        read_only_fields = fields


class EnterpriseKpiResultsSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField(read_only=True)
    results = EnterpriseKpiResultSerializer(many=True, read_only=True)


ENTERPRISE_RESULTS_EXAMPLE = {
    "enterprise": 12,
    "results": [
        {
            "indicator": "defect_rate",
            "baseline_value": "12.5000",
            "baseline_period": "2023-01",
            "latest_value": "4.5000",
            "latest_period": "2024-03",
            "improvement_pct": 64.0,
            "months_observed": 15,
            "computed_at": "2024-04-02T02:30:11Z",
        },
        {
            "indicator": "productivity",
            "baseline_value": "0.0000",
            "baseline_period": "2023-01",
            "latest_value": "1.8500",
            "latest_period": "2024-03",
            "improvement_pct": None,
            "months_observed": 15,
            "computed_at": "2024-04-02T02:30:11Z",
        },
    ],
}

enterprise_kpi_results_schema = extend_schema(
    summary=_("An enterprise's KPI results, per indicator"),
    description=_(
        "Each indicator's baseline against the latest value, with the improvement signed so "
        "that positive is better; `improvement_pct` is null when it cannot be computed (no "
        "baseline, no later value, or a zero baseline). Brands read these for their granted "
        "suppliers. An enterprise outside your scope answers 404."
    ),
    responses={200: EnterpriseKpiResultsSerializer},
    examples=[
        OpenApiExample(
            "Results of an enterprise",
            value=ENTERPRISE_RESULTS_EXAMPLE,
            response_only=True,
            status_codes=["200"],
        )
    ],
)


def enterprise_kpi_results_response(request, pk) -> Response:
    """The body of ``enterprises/{id}/kpi-results/`` (404 outside the scope)."""
    results = enterprise_kpi_results(request.user, int(pk))
    return Response(
        EnterpriseKpiResultsSerializer(
            {"enterprise": int(pk), "results": list(results)}, context={"request": request}
        ).data
    )


SCOPE_HELP = _(
    "programme, country, partner, brand, module or sector. A partner may ask only for its "
    "own partner group, a brand only for its own brand group; any other group answers 404."
)
KEY_HELP = _(
    "The group within the scope: the country code (CN), the organisation id (partner, "
    "brand), the module code (WCO) or the sector; none for the programme."
)


class ReportQuerySerializer(serializers.Serializer):
    """``?scope=&key=`` of the report endpoints."""

    scope = serializers.ChoiceField(choices=Scope.choices, help_text=SCOPE_HELP)
    key = StrictCharField(required=False, allow_blank=True, max_length=64, help_text=KEY_HELP)

    def validate(self, attrs):
        scope = attrs["scope"]
        key = (attrs.get("key") or "").strip()
        if scope == Scope.PROGRAMME and key:
            raise serializers.ValidationError({"key": [_("The programme scope takes no key.")]})
        if scope != Scope.PROGRAMME and not key:
            raise serializers.ValidationError(
                {"key": [_("Name the group: give the key of the %(scope)s.") % {"scope": scope}]}
            )
        return {**attrs, "key": normalised_key(scope, key)}


class KpiSummaryQuerySerializer(ReportQuerySerializer):
    as_of = MonthField(
        required=False,
        help_text=_('The month, "YYYY-MM"; each indicator\'s latest month when left out.'),
    )


def readable_group(request, query_serializer) -> dict:
    """The validated ``scope``/``key`` (400 when malformed), or 404 outside the user's groups."""
    query = query_serializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    group = query.validated_data
    if not may_read_scope(request.user, group["scope"], group["key"]):
        raise NotFound()
    return group


FIGURES = (
    "enterprises_reporting",
    "median_improvement_pct",
    "mean_improvement_pct",
    "p90_improvement_pct",
    "share_improved",
)


class KpiSummaryRowSerializer(serializers.Serializer):
    """One indicator's summary; a withheld group has `withheld: true` and no figures."""

    indicator = serializers.CharField(source="indicator.code")
    as_of = MonthField(help_text=_("The month the figures stand at the end of."))
    withheld = serializers.BooleanField(
        help_text=_("Fewer than 3 enterprises report: brands get no figures for the group.")
    )
    enterprises_reporting = serializers.IntegerField(required=False)
    median_improvement_pct = serializers.FloatField(required=False)
    mean_improvement_pct = serializers.FloatField(required=False)
    p90_improvement_pct = serializers.FloatField(required=False)
    share_improved = serializers.FloatField(
        required=False, help_text=_("The share of enterprises that improved, from 0 to 1.")
    )

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if instance.withheld:
            for name in FIGURES:
                data.pop(name, None)
        return data


class KpiSummarySerializer(serializers.Serializer):
    scope = serializers.CharField()
    key = serializers.CharField()
    results = KpiSummaryRowSerializer(many=True)


class ReachByRoleSerializer(serializers.Serializer):
    managers = serializers.IntegerField(source="participants_managers")
    workers = serializers.IntegerField(source="participants_workers")


class ReachByGenderSerializer(serializers.Serializer):
    female = serializers.IntegerField(source="participants_female")
    male = serializers.IntegerField(source="participants_male")
    other = serializers.IntegerField(source="participants_other")
    undisclosed = serializers.IntegerField(source="participants_undisclosed")


class ReachParticipantsSerializer(serializers.Serializer):
    trained = serializers.IntegerField(source="participants_trained")
    by_role = ReachByRoleSerializer(source="*")
    by_gender = ReachByGenderSerializer(source="*")


REACH_FIGURE_FIELDS = (
    "enterprises",
    "enterprises_enrolled",
    "enterprises_trained",
    "enterprises_completed",
    "countries",
    "employees_benefiting",
    "participants",
    "classroom_sessions",
    "visits",
    "modules_completed",
)


class ReachSerializer(serializers.Serializer):
    """A group's reach; a withheld group has `withheld: true` and no figures."""

    scope = serializers.CharField()
    key = serializers.CharField()
    as_of = MonthField()
    withheld = serializers.BooleanField(
        help_text=_("Fewer than 3 enterprises in the group: brands get no figures.")
    )
    enterprises = serializers.IntegerField(required=False)
    enterprises_enrolled = serializers.IntegerField(required=False)
    enterprises_trained = serializers.IntegerField(required=False)
    enterprises_completed = serializers.IntegerField(required=False)
    countries = serializers.IntegerField(required=False)
    employees_benefiting = serializers.IntegerField(required=False)
    participants = ReachParticipantsSerializer(source="*", required=False)
    classroom_sessions = serializers.IntegerField(required=False)
    visits = serializers.IntegerField(required=False)
    modules_completed = serializers.IntegerField(required=False)

    def to_representation(self, instance):
        if instance["withheld"]:
            fields = ("scope", "key", "as_of", "withheld")
            return {name: self.fields[name].to_representation(instance[name]) for name in fields}
        return super().to_representation(instance)


def reach_payload(group: dict, reach_row) -> dict:
    return {
        "scope": group["scope"],
        "key": group["key"],
        "as_of": reach_row.as_of,
        "withheld": reach_row.withheld,
        **(reach_row.figures or {}),
    }


KPI_SUMMARY_EXAMPLE = {
    "scope": "brand",
    "key": "7",
    "results": [
        {
            "indicator": "defect_rate",
            "as_of": "2024-03",
            "withheld": False,
            "enterprises_reporting": 41,
            "median_improvement_pct": 38.5,
            "mean_improvement_pct": 33.1,
            "p90_improvement_pct": 64.0,
            "share_improved": 0.83,
        },
        {"indicator": "accidents", "as_of": "2024-03", "withheld": True},
    ],
}

REACH_EXAMPLE = {
    "scope": "country",
    "key": "VN",
    "as_of": "2024-03",
    "withheld": False,
    "enterprises": 212,
    "enterprises_enrolled": 198,
    "enterprises_trained": 176,
    "enterprises_completed": 120,
    "countries": 1,
    "employees_benefiting": 84210,
    "participants": {
        "trained": 1930,
        "by_role": {"managers": 610, "workers": 1320},
        "by_gender": {"female": 1105, "male": 815, "other": 4, "undisclosed": 6},
    },
    "classroom_sessions": 143,
    "visits": 905,
    "modules_completed": 260,
}

REPORT_ERRORS = {
    400: OpenApiResponse(
        response=ERROR_SCHEMA,
        description=_("A scope that does not exist, a missing or superfluous key."),
    ),
    404: OpenApiResponse(
        response=ERROR_SCHEMA, description=_("A group outside your scope (or no reach yet).")
    ),
}


class KpiSummaryView(GenericAPIView):
    """``reports/kpi-summary/?scope=&key=[&as_of=]``: a group's summary per indicator."""

    serializer_class = KpiSummarySerializer
    pagination_class = None
    filter_backends = []

    @extend_schema(
        summary=_("A group's KPI summary, per indicator"),
        description=_(
            "Enterprises reporting, median, mean and 90th percentile improvement and the "
            "share improved, per indicator, for the latest month (or `as_of`). For brands, "
            "an indicator reported by fewer than 3 enterprises is withheld: "
            '`"withheld": true` and no figures. ILO staff read every group; a partner its '
            "own partner group; a brand its own brand group; any other group answers 404."
        ),
        parameters=[KpiSummaryQuerySerializer],
        responses={200: KpiSummarySerializer, **REPORT_ERRORS},
        examples=[
            OpenApiExample(
                "A brand's suppliers",
                value=KPI_SUMMARY_EXAMPLE,
                response_only=True,
                status_codes=["200"],
            ),
            OpenApiExample(
                "An unknown scope",
                value={"scope": ['"galaxy" is not a valid choice.']},
                response_only=True,
                status_codes=["400"],
            ),
        ],
    )
    def get(self, request):
        group = readable_group(request, KpiSummaryQuerySerializer)
        rows = kpi_summary(request.user, group["scope"], group["key"], as_of=group.get("as_of"))
        return Response(
            KpiSummarySerializer(
                {"scope": group["scope"], "key": group["key"], "results": rows},
                context={"request": request},
            ).data
        )


class ReachView(GenericAPIView):
    """``reports/reach/?scope=&key=``: a group's latest reach."""

    serializer_class = ReachSerializer
    pagination_class = None
    filter_backends = []

    @extend_schema(
        summary=_("A group's reach"),
        description=_(
            "Enterprises enrolled, trained and completing a module, countries, employees "
            "benefiting, participants trained by role and gender, classroom sessions, visits "
            "and modules completed, as of the latest computed month. For brands, a group of "
            'fewer than 3 enterprises is withheld: `"withheld": true` and no figures. Who may '
            "read which group is as for the KPI summary; a group without a computed reach "
            "answers 404."
        ),
        parameters=[ReportQuerySerializer],
        responses={200: ReachSerializer, **REPORT_ERRORS},
        examples=[
            OpenApiExample(
                "A country's reach", value=REACH_EXAMPLE, response_only=True, status_codes=["200"]
            ),
            OpenApiExample(
                "A brand's small group",
                value={"scope": "brand", "key": "7", "as_of": "2024-03", "withheld": True},
                response_only=True,
                status_codes=["200"],
            ),
        ],
    )
    def get(self, request):
        group = readable_group(request, ReportQuerySerializer)
        found = reach(request.user, group["scope"], group["key"])
        if found is None:
            raise NotFound()
        return Response(ReachSerializer(reach_payload(group, found)).data)


class AggregationRunSerializer(serializers.ModelSerializer):
    requested_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = AggregationRun
        fields = [
            "id",
            "kind",
            "scope",
            "with_history",
            "status",
            "requested_by",
            "attempts",
            "started_at",
            "finished_at",
            "duration_seconds",
            "rows_read",
            "rows_written",
            "error",
            "created_at",
        ]
        read_only_fields = fields


class RecomputeRequestSerializer(serializers.Serializer):
    history = StrictBooleanField(
        required=False,
        default=False,
        help_text=_("Also rebuild the past 24 months of the programme and country trends."),
    )


AGGREGATION_RUN_EXAMPLE = {
    "id": 381,
    "kind": "full",
    "scope": "Everything, asked for by ilo.admin",
    "with_history": False,
    "status": "queued",
    "requested_by": "ilo.admin",
    "attempts": 0,
    "started_at": None,
    "finished_at": None,
    "duration_seconds": None,
    "rows_read": 0,
    "rows_written": 0,
    "error": "",
    "created_at": "2024-04-02T09:12:44Z",
}


class RecomputeView(GenericAPIView):
    """``reports/recompute/``: ILO staff queue a full rebuild (``services.recompute_request``)."""

    serializer_class = RecomputeRequestSerializer
    pagination_class = None
    filter_backends = []

    @extend_schema(
        summary=_("Start a full recompute (ILO staff)"),
        description=_(
            "Queues a rebuild of every KPI result, summary and reach and answers 202 with the "
            "run, which is then followed at `reports/aggregation-runs/{id}/`. Partners and "
            "brands answer 403."
        ),
        request=RecomputeRequestSerializer,
        responses={
            202: AggregationRunSerializer,
            403: OpenApiResponse(response=ERROR_SCHEMA, description=_("Not ILO staff.")),
        },
        examples=[
            OpenApiExample("With the history", value={"history": True}, request_only=True),
            OpenApiExample(
                "The queued run",
                value=AGGREGATION_RUN_EXAMPLE,
                response_only=True,
                status_codes=["202"],
            ),
        ],
    )
    def post(self, request):
        body = RecomputeRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        run = services.recompute_request(actor=request.user, history=body.validated_data["history"])
        location = reverse("api:aggregation-run-detail", kwargs={"pk": run.pk}, request=request)
        return Response(
            AggregationRunSerializer(run).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": location},
        )


class AggregationRunFilter(StrictFilterSet):
    class Meta:
        model = AggregationRun
        fields = ["kind", "status", "with_history"]


@extend_schema_view(
    list=extend_schema(
        summary=_("The aggregation's runs (ILO staff)"),
        description=_(
            "Every recompute: what ran, when, how long, how many rows and how it ended. The "
            "trace is for ILO staff: for partners and brands the list is empty and a run "
            "answers 404."
        ),
        examples=[
            OpenApiExample(
                "Runs",
                value={
                    "count": 1,
                    "next": None,
                    "previous": None,
                    "results": [
                        {
                            **AGGREGATION_RUN_EXAMPLE,
                            "status": "succeeded",
                            "attempts": 1,
                            "started_at": "2024-04-02T09:12:45Z",
                            "finished_at": "2024-04-02T09:13:20Z",
                            "duration_seconds": 35.2,
                            "rows_read": 10012345,
                            "rows_written": 812400,
                        }
                    ],
                },
                response_only=True,
                status_codes=["200"],
            )
        ],
    ),
    retrieve=extend_schema(summary=_("One aggregation run (ILO staff)")),
)
class AggregationRunViewSet(ScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = AggregationRunSerializer
    http_method_names = ["get", "head", "options"]
    selector = aggregation_runs_visible_to
    filterset_class = AggregationRunFilter
    search_fields = ["scope", "error"]
    ordering_fields = ["created_at", "started_at", "finished_at", "duration_seconds", "id"]
