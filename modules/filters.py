"""Filters of the training lists (the querysets are already scoped by the selectors)."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from modules.models import ClassroomSession, Enrolment, ImprovementProject
from modules.selectors import enrolments_with_overdue_follow_up, training_modules
from score_platform.countries import country_choices
from score_platform.forms import DateInput
from score_platform.widgets import QuickSelect

IN_PROGRESS = "in_progress"
LIVE_STATUSES = [Enrolment.Status.PLANNED, Enrolment.Status.CLASSROOM, Enrolment.Status.CONSULTING]


class EnrolmentFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label=_("Enterprise"))
    module = django_filters.ModelChoiceFilter(
        queryset=training_modules(), to_field_name="code", label=_("Module")
    )
    status = django_filters.ChoiceFilter(
        choices=[(IN_PROGRESS, _("In progress")), *Enrolment.Status.choices],
        method="filter_status",
        label=_("Status"),
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        label=_("Follow-up visits overdue"),
        widget=django_filters.widgets.BooleanWidget(),
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("enterprise__name", "enterprise"),
            ("module__order", "module"),
            ("status", "status"),
            ("started_on", "started_on"),
        )
    )

    class Meta:
        model = Enrolment
        fields = ["search", "module", "status", "overdue"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(enterprise__name__icontains=value) if value else queryset

    def filter_status(self, queryset, name, value):
        if value == IN_PROGRESS:
            return queryset.filter(status__in=LIVE_STATUSES)
        return queryset.filter(status=value) if value else queryset

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = enrolments_with_overdue_follow_up(queryset).values("pk")
        return queryset.filter(pk__in=overdue) if value else queryset.exclude(pk__in=overdue)


class ClassroomSessionFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label=_("Venue or city"))
    module = django_filters.ModelChoiceFilter(
        queryset=training_modules(), to_field_name="code", label=_("Module")
    )
    country = django_filters.ChoiceFilter(
        choices=country_choices, label=_("Country"), widget=QuickSelect
    )
    starts_after = django_filters.DateFilter(
        field_name="starts_on",
        lookup_expr="gte",
        label=_("Starts on or after"),
        widget=DateInput(),
    )
    ordering = django_filters.OrderingFilter(
        fields=(("starts_on", "starts_on"), ("module__order", "module"), ("city", "city"))
    )

    class Meta:
        model = ClassroomSession
        fields = ["search", "module", "country", "starts_after"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(venue__icontains=value) | Q(city__icontains=value))


class ImprovementProjectFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label=_("Search"))
    module = django_filters.ModelChoiceFilter(
        field_name="enrolment__module",
        queryset=training_modules(),
        to_field_name="code",
        label=_("Module"),
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        label=_("Past due"),
        widget=django_filters.widgets.BooleanWidget(),
    )

    class Meta:
        model = ImprovementProject
        fields = ["search", "module", "overdue"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value)
            | Q(owner_name__icontains=value)
            | Q(enrolment__enterprise__name__icontains=value)
        )

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        past_due = Q(due_on__lt=timezone.localdate()) & Q(
            status__in=[ImprovementProject.Status.OPEN, ImprovementProject.Status.IN_PROGRESS]
        )
        return queryset.filter(past_due) if value else queryset.exclude(past_due)
