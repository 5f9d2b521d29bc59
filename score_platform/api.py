"""Shared bases of the REST API: pagination, the error shape, scoped fields and filters.

The viewset base is in ``score_platform.viewsets`` and the schema class in
``score_platform.schema``: this module is loaded by DRF's settings, so it imports no views.
"""

import datetime
import operator
import re

import django_filters
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.serializer_fields import CountryField
from django_countries.serializers import CountryFieldMixin
from django_filters.constants import EMPTY_VALUES
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, filters, serializers
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.relations import PKOnlyObject
from rest_framework.views import exception_handler as drf_exception_handler

from score_platform.pages import DeepPaginator

MAX_PAGE_SIZE = 500
# The largest id the database holds (a signed 64-bit integer); a larger one is no id at all.
MAX_ID = 2**63 - 1


class StrictPageSizeMixin:
    """``?page_size=`` between 1 and 500, or a 400: a typo never silently means 50."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not re.fullmatch(r"[0-9]{1,3}", raw) or not 1 <= int(raw) <= self.max_page_size:
            raise exceptions.ValidationError(
                {
                    self.page_size_query_param: [
                        _("Give a whole number from 1 to %(max)s.") % {"max": self.max_page_size}
                    ]
                }
            )
        return int(raw)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                }
        return parameters


class StandardPagination(StrictPageSizeMixin, PageNumberPagination):
    django_paginator_class = DeepPaginator

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param)
        # DRF reads an empty ?page= as page 1; a malformed page is no page.
        if raw is not None and not re.fullmatch(r"[0-9]{1,9}|last", raw):
            raise exceptions.NotFound(_("Invalid page."))
        return super().get_page_number(request, paginator)


class SearchFilter(filters.SearchFilter):
    """DRF's search, answering a malformed term in the API's error shape."""

    def get_search_terms(self, request):
        try:
            return super().get_search_terms(request)
        except exceptions.ValidationError as error:
            raise exceptions.ValidationError({self.search_param: error.detail}) from error


class OrderingFilter(filters.OrderingFilter):
    """``?ordering=`` from the view's whitelist only: an unknown field is a 400, not ignored."""

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params is not None:
            terms = [term.strip() for term in params.split(",")]
            valid = {
                name for name, _label in self.get_valid_fields(queryset, view, {"request": request})
            }
            unknown = [term for term in terms if term.lstrip("-") not in valid]
            if unknown or not all(terms):
                raise exceptions.ValidationError(
                    {
                        self.ordering_param: [
                            _("Order by one of: %(fields)s.") % {"fields": ", ".join(sorted(valid))}
                        ]
                    }
                )
        return super().get_ordering(request, queryset, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        fields = getattr(view, "ordering_fields", None)
        if isinstance(fields, list | tuple):
            for parameter in parameters:
                parameter["schema"] = {
                    "type": "string",
                    "enum": [f"{sign}{field}" for field in fields for sign in ("", "-")],
                }
        return parameters


NO_NUL_PATTERN = "^[^\\u0000]*$"


def document_query_strings(result, generator, request, public):
    """Spectacular post-processing: free-text query parameters never hold a NUL character.

    The database cannot store one, so the API rejects it; the schema says so.
    """
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                schema = parameter.get("schema", {})
                if (
                    parameter.get("in") == "query"
                    and schema.get("type") == "string"
                    and "pattern" not in schema
                    and "enum" not in schema
                    and "format" not in schema
                ):
                    schema["pattern"] = NO_NUL_PATTERN
    return result


class LargeTablePagination(StrictPageSizeMixin, CursorPagination):
    """Cursor pages for tables with millions of rows: no COUNT, no deep OFFSET."""

    ordering = "id"


def validation_error_detail(error: DjangoValidationError):
    """A Django ValidationError in DRF's shape: {"field": ["message"]} or non_field_errors."""
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): [
                str(message) for message in DjangoValidationError(messages).messages
            ]
            for field, messages in error.error_dict.items()
        }
    return {"non_field_errors": [str(message) for message in error.messages]}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_error_detail(exc))
    return drf_exception_handler(exc, context)


# --- fields -----------------------------------------------------------------------------
# JSON types as the schema states them: DRF's own fields also take 5 for "5", "5" for 5 and
# "yes" for true, which would let a malformed client pass unnoticed.


class StrictCharField(serializers.CharField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictDecimalField(serializers.DecimalField):
    """Decimals travel as strings (api.md), so no float ever rounds a KPI."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictDateField(serializers.DateField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(data)


def _representer(field):
    """How one readable field's value is read and shown: a getter and a converter.

    A foreign key shown as its id reads the column (``enterprise_id``), as DRF's
    pk-only optimisation does, without building a stand-in object per row. Anything
    else (dotted or whole-object sources, method fields) goes through DRF's own path.
    """
    source = field.source
    if field.source_attrs != [source] or source == "*":
        return None
    if isinstance(field, serializers.ManyRelatedField | serializers.SerializerMethodField):
        return None
    if isinstance(field, serializers.PrimaryKeyRelatedField):
        descriptor = getattr(field.parent.Meta.model, source, None)
        column = getattr(getattr(descriptor, "field", None), "attname", None)
        if column is None or field.pk_field is not None:
            return None
        return operator.attrgetter(column), None
    return operator.attrgetter(source), field.to_representation


class FastRepresentationMixin:
    """The same JSON as DRF's ``Serializer.to_representation``, cheaper per row.

    DRF resolves every field's attribute through its generic machinery on every row (a
    page of 50 with a dozen fields is 600 such calls); here each field's getter and
    converter are worked out once per serializer and then applied directly.
    """

    def _representers(self):
        plan = getattr(self, "_representation_plan", None)
        if plan is None:
            plan = []
            for field in self._readable_fields:
                plan.append((field.field_name, field, _representer(field)))
            self._representation_plan = plan
        return plan

    def to_representation(self, instance):
        result = {}
        for name, field, representer in self._representers():
            if representer is None:
                attribute = field.get_attribute(instance)
                check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
                result[name] = None if check is None else field.to_representation(attribute)
                continue
            getter, convert = representer
            value = getter(instance)
            result[name] = value if value is None or convert is None else convert(value)
        return result


class StrictModelSerializer(FastRepresentationMixin, serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.EmailField: serializers.EmailField,
        models.URLField: serializers.URLField,
        models.SlugField: serializers.SlugField,
        models.IntegerField: StrictIntegerField,
        models.PositiveIntegerField: StrictIntegerField,
        models.PositiveSmallIntegerField: StrictIntegerField,
        models.SmallIntegerField: StrictIntegerField,
        models.BigIntegerField: StrictIntegerField,
        models.DecimalField: StrictDecimalField,
        models.BooleanField: StrictBooleanField,
        models.DateField: StrictDateField,
    }


def request_user(field):
    request = field.context.get("request")
    return getattr(request, "user", None)


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key whose choices are the asking user's selector.

    An id outside the scope answers exactly like an id that does not exist, so a
    writable field never confirms that another organisation's object exists.
    """

    def __init__(self, selector, **kwargs):
        self.selector = selector
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.selector(request_user(self))

    def to_internal_value(self, data):
        # Ids are JSON integers: not a bool (an int to Python), a float or a string.
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 1 <= data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class CodeRelatedField(serializers.SlugRelatedField):
    """A catalogue entry (module, indicator) referred to by its code."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "code")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


MONTH_PATTERN = r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])$"


@extend_schema_field(
    {"type": "string", "pattern": MONTH_PATTERN, "example": "2024-01", "format": "month"}
)
class MonthField(serializers.Field):
    """A reporting month as "YYYY-MM", stored as its first day."""

    default_error_messages = {"invalid": _('Give the month as "YYYY-MM".')}

    def to_internal_value(self, data):
        if not isinstance(data, str) or not re.fullmatch(MONTH_PATTERN, data):
            self.fail("invalid")
        year, month = (int(part) for part in data.split("-"))
        try:
            return datetime.date(year, month, 1)
        except ValueError:
            self.fail("invalid")

    def to_representation(self, value):
        return value.strftime("%Y-%m")


class StrictCountryField(CountryField):
    """An ISO 3166-1 alpha-2 code as a string, exactly as the schema lists it."""

    def to_internal_value(self, data):
        if not isinstance(data, str) or data not in self.choices:
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class CountryCodesMixin(CountryFieldMixin):
    """Countries in and out as ISO alpha-2 codes only (no names, no numeric codes)."""

    def build_standard_field(self, field_name, model_field):
        field_class, field_kwargs = super().build_standard_field(field_name, model_field)
        if field_class is CountryField:
            field_class = StrictCountryField
        elif isinstance(field_kwargs.get("child"), CountryField):
            child = field_kwargs["child"]
            field_kwargs["child"] = StrictCountryField(countries=child.countries)
            if model_field.blank:
                field_kwargs["required"] = False
        return field_class, field_kwargs


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """``?enterprise=12``: an id, filtering the scoped list (a foreign id finds nothing)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


BOOLEAN_VALUES = {"true", "false"}


class StrictFilterSet(django_filters.FilterSet):
    """A typed filter given an empty, malformed or repeated value is a 400, not silently
    ignored."""

    def is_valid(self):
        valid = super().is_valid()
        for name, filter_ in self.filters.items():
            if name not in self.data:
                continue
            # Every filter takes one value: ?enterprise=1&enterprise=2 is ambiguous, not the last.
            getlist = getattr(self.data, "getlist", None)
            if getlist is not None and len(getlist(name)) > 1:
                self.form.add_error(name, _("Give one value."))
                valid = False
                continue
            raw = self.data.get(name)
            free_text = isinstance(filter_, django_filters.CharFilter) and not isinstance(
                filter_, MonthFilter
            )
            if raw == "" and not free_text:
                self.form.add_error(name, _("Give a value or leave the parameter out."))
                valid = False
            elif isinstance(filter_, django_filters.BooleanFilter) and raw not in BOOLEAN_VALUES:
                self.form.add_error(name, _('Give "true" or "false".'))
                valid = False
        return valid


class CountryCodeFilter(django_filters.CharFilter):
    """``?country=CN`` on a single country field or on a multiple one ("CN,IN")."""

    def __init__(self, *args, multiple: bool = False, **kwargs):
        self.multiple = multiple
        kwargs.setdefault("help_text", _("ISO 3166-1 alpha-2 code, e.g. CN."))
        super().__init__(*args, **kwargs)

    def filter(self, queryset, value):
        if value in EMPTY_VALUES:
            return queryset
        code = str(value).upper()
        name = self.field_name
        if not self.multiple:
            return queryset.filter(**{name: code})
        return queryset.filter(
            Q(**{name: code})
            | Q(**{f"{name}__startswith": f"{code},"})
            | Q(**{f"{name}__endswith": f",{code}"})
            | Q(**{f"{name}__contains": f",{code},"})
        )


@extend_schema_field({"type": "string", "pattern": MONTH_PATTERN})
class MonthFilter(django_filters.CharFilter):
    """``?period_from=2024-01``: a month bound on a date field holding first days."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("help_text", _('A month, "YYYY-MM".'))
        super().__init__(*args, **kwargs)

    def filter(self, queryset, value):
        if value in EMPTY_VALUES:
            return queryset
        if not re.fullmatch(MONTH_PATTERN, value):
            raise serializers.ValidationError(
                {self.field_name: [_('Give the month as "YYYY-MM".')]}
            )
        year, month = (int(part) for part in value.split("-"))
        try:
            day = datetime.date(year, month, 1)
        except ValueError as error:
            raise serializers.ValidationError(
                {self.field_name: [_('Give the month as "YYYY-MM".')]}
            ) from error
        return queryset.filter(**{f"{self.field_name}__{self.lookup_expr}": day})
