"""Shared bases of the REST API: pagination, the error shape, scoped fields and filters.

The viewset base is in ``score_platform.viewsets`` and the schema class in
``score_platform.schema``: this module is loaded by DRF's settings, so it imports no views.
"""

import datetime
import re

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.views import exception_handler as drf_exception_handler


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class LargeTablePagination(CursorPagination):
    """Cursor pages for tables with millions of rows: no COUNT, no deep OFFSET."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
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
        # A bool is an int to Python; it is no id.
        if isinstance(data, bool):
            self.fail("incorrect_type", data_type=type(data).__name__)
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


MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


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


class CountryCodeFilter(django_filters.CharFilter):
    """``?country=CN`` on a single country field or on a multiple one ("CN,IN")."""

    def __init__(self, *args, multiple: bool = False, **kwargs):
        self.multiple = multiple
        kwargs.setdefault("max_length", 2)
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
