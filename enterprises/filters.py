"""Filters of the enterprise list (the queryset is already scoped by the selector)."""

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise, Sector
from modules.models import Enrolment
from modules.selectors import training_modules
from reports.selectors import enterprises_missing_kpis, previous_month
from score_platform.countries import country_choices
from score_platform.widgets import QuickSelect


class EnterpriseFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(
        method="filter_search",
        label=_("Search"),
        help_text=_("Name, city, registration number or Open Supply Hub ID"),
    )
    country = django_filters.ChoiceFilter(
        choices=country_choices, label=_("Country"), widget=QuickSelect
    )
    sector = django_filters.ChoiceFilter(choices=Sector.choices, label=_("Sector"))
    module = django_filters.ModelChoiceFilter(
        queryset=training_modules(),
        method="filter_module",
        label=_("Module"),
        to_field_name="code",
    )
    status = django_filters.ChoiceFilter(choices=Enterprise.Status.choices, label=_("Status"))
    kpis_missing = django_filters.BooleanFilter(
        method="filter_kpis_missing",
        label=_("Missing last month's KPIs"),
        widget=django_filters.widgets.BooleanWidget(),
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("name", "name"),
            ("country", "country"),
            ("city", "city"),
            ("sector", "sector"),
            ("employees_total", "employees_total"),
            ("partner__name", "partner"),
            ("created_at", "created_at"),
        ),
        label=_("Sort by"),
    )

    class Meta:
        model = Enterprise
        fields = ["search", "country", "sector", "module", "status", "kpis_missing"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value)
            | Q(city__icontains=value)
            | Q(registration_number__iexact=value)
            | Q(os_id__iexact=value)
        )

    def filter_module(self, queryset, name, value):
        if not value:
            return queryset
        live = Enrolment.objects.filter(enterprise_id=OuterRef("pk"), module=value).exclude(
            status=Enrolment.Status.WITHDRAWN
        )
        return queryset.filter(Exists(live))

    def filter_kpis_missing(self, queryset, name, value):
        if value is None:
            return queryset
        missing = enterprises_missing_kpis(queryset, period=previous_month())
        return missing if value else queryset.exclude(pk__in=missing.values("pk"))
