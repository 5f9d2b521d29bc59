"""Pages of enterprises and their participants: parse, authorize, call a service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from enterprises import services
from enterprises.filters import EnterpriseFilter
from enterprises.forms import EnterpriseForm, ParticipantForm
from enterprises.permissions import (
    can_manage_enterprise,
    can_record_progress,
    can_see_personal_data,
)
from enterprises.selectors import (
    enterprise_change_history,
    enterprise_get,
    enterprises_visible_to,
    improvement_team_composition,
    participants_visible_to,
)
from modules.models import Enrolment, ImprovementProject
from modules.selectors import (
    enrolment_status_timelines,
    enrolments_visible_to,
    enrolments_with_overdue_follow_up,
    improvement_projects_visible_to,
    visits_visible_to,
)
from partners.access import principal_of
from partners.selectors import partners_served_by
from reports.selectors import enterprise_kpi_table, previous_month
from score_platform.exports import Column
from score_platform.forms import add_service_errors
from score_platform.pages import export_requested, export_response, paginate
from score_platform.permissions import require
from score_platform.selectors import get_visible_or_404

EXPORT_COLUMNS = [
    Column(gettext_lazy("id"), lambda enterprise: enterprise.pk),
    Column(gettext_lazy("name"), lambda enterprise: enterprise.name),
    Column(gettext_lazy("country"), lambda enterprise: enterprise.country.code),
    Column(gettext_lazy("city"), lambda enterprise: enterprise.city),
    Column(gettext_lazy("sector"), lambda enterprise: enterprise.sector),
    Column(gettext_lazy("employees_total"), lambda enterprise: enterprise.employees_total),
    Column(gettext_lazy("employees_female"), lambda enterprise: enterprise.employees_female),
    Column(gettext_lazy("registration_number"), lambda enterprise: enterprise.registration_number),
    Column(gettext_lazy("os_id"), lambda enterprise: enterprise.os_id),
    Column(gettext_lazy("partner"), lambda enterprise: enterprise.partner.name),
    Column(gettext_lazy("status"), lambda enterprise: enterprise.status),
    Column(
        gettext_lazy("modules"),
        lambda enterprise: " ".join(
            f"{enrolment.module.code}:{enrolment.status}"
            for enrolment in enterprise.live_enrolments
        ),
    ),
]


def _with_live_enrolments(queryset):
    return queryset.select_related("partner").prefetch_related(
        Prefetch(
            "enrolments",
            queryset=Enrolment.objects.exclude(status=Enrolment.Status.WITHDRAWN)
            .select_related("module")
            .order_by("module__order"),
            to_attr="live_enrolments",
        )
    )


def _detail_url(enterprise, section: str = "") -> str:
    url = reverse("enterprises:enterprise-detail", args=[enterprise.pk])
    return f"{url}#{section}" if section else url


@login_required
def enterprise_list(request):
    enterprises = enterprises_visible_to(request.user)
    filterset = EnterpriseFilter(request.GET, queryset=enterprises, request=request)
    queryset = _with_live_enrolments(filterset.qs)
    if not request.GET.get("ordering"):
        queryset = queryset.order_by("name", "id")
    if export_requested(request):
        return export_response(
            request,
            filename="enterprises",
            title=_("Enterprises"),
            columns=EXPORT_COLUMNS,
            queryset=queryset,
        )
    principal = principal_of(request.user)
    return render(
        request,
        "enterprises/enterprise_list.html",
        {
            "filter": filterset,
            "show_partner": principal.is_ilo,
            "can_register": principal.is_ilo or principal.is_partner_manager,
            **paginate(request, queryset),
        },
    )


@login_required
def enterprise_detail(request, pk):
    user = request.user
    enterprise = enterprise_get(user=user, pk=pk)
    enrolments = enrolments_visible_to(user).filter(enterprise=enterprise)
    enrolment_list = list(
        enrolments.annotate(visit_count=Count("visits")).order_by("module__order", "started_on")
    )
    personal = can_see_personal_data(user)
    context = {
        "enterprise": enterprise,
        "enrolments": enrolment_list,
        "timelines": enrolment_status_timelines(enrolment.pk for enrolment in enrolment_list),
        "overdue_ids": set(
            enrolments_with_overdue_follow_up(enrolments).values_list("pk", flat=True)
        ),
        "can_manage": can_manage_enterprise(user, partner_id=enterprise.partner_id),
        "can_record": can_record_progress(user, partner_id=enterprise.partner_id),
        "personal": personal,
        # Brands see how many visits there were, not who made them or what they found.
        "visit_count": sum(enrolment.visit_count for enrolment in enrolment_list),
        "reporting_month": previous_month(),
    }
    if personal:
        projects = list(
            improvement_projects_visible_to(user)
            .filter(enrolment__enterprise=enterprise)
            .order_by("due_on", "id")
        )
        kpi_rows = enterprise_kpi_table(user, enterprise=enterprise)
        context.update(
            participants=list(participants_visible_to(user).filter(enterprise=enterprise)),
            visits=list(
                visits_visible_to(user)
                .filter(enrolment__enterprise=enterprise)
                .order_by("-visited_on", "id")
            ),
            team=improvement_team_composition(enterprise=enterprise),
            projects_by_status=[
                (status, [project for project in projects if project.status == status])
                for status in ImprovementProject.Status
            ],
            kpi_rows=kpi_rows,
            kpi_series={row.indicator.code: row.series for row in kpi_rows},
            change_history=enterprise_change_history(user=user, enterprise=enterprise),
        )
    return render(request, "enterprises/enterprise_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_create(request):
    principal = principal_of(request.user)
    require(
        principal.is_ilo or principal.is_partner_manager,
        _("Only partner managers and ILO staff register enterprises."),
    )
    partners = partners_served_by(request.user)
    choose = principal.is_ilo
    form = EnterpriseForm(
        request.POST or None, partners=partners if choose else None, creating=True
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        partner = data.pop("partner") if choose else partners.get()
        try:
            enterprise = services.enterprise_register(actor=request.user, partner=partner, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s is registered.") % {"name": enterprise.name})
            return redirect("enterprises:enterprise-detail", pk=enterprise.pk)
    return render(request, "enterprises/enterprise_form.html", {"form": form, "creating": True})


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_update(request, pk):
    enterprise = enterprise_get(user=request.user, pk=pk)
    require(
        can_manage_enterprise(request.user, partner_id=enterprise.partner_id),
        _("You may not change this enterprise."),
    )
    choose = principal_of(request.user).is_ilo
    form = EnterpriseForm(
        request.POST or None,
        instance=enterprise,
        partners=partners_served_by(request.user) if choose else None,
        creating=False,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.enterprise_update(
                actor=request.user, enterprise=enterprise, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": enterprise.name})
            return redirect("enterprises:enterprise-detail", pk=enterprise.pk)
    return render(
        request,
        "enterprises/enterprise_form.html",
        {"form": form, "creating": False, "enterprise": enterprise},
    )


@login_required
@require_http_methods(["GET", "POST"])
def participant_create(request, enterprise_pk):
    enterprise = enterprise_get(user=request.user, pk=enterprise_pk)
    require(
        can_record_progress(request.user, partner_id=enterprise.partner_id),
        _("You may not add participants to this enterprise."),
    )
    form = ParticipantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            participant = services.participant_create(
                actor=request.user, enterprise=enterprise, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s is added.") % {"name": participant.full_name})
            if "add_another" in request.POST:
                return redirect("enterprises:participant-create", enterprise_pk=enterprise.pk)
            return redirect(_detail_url(enterprise, "participants"))
    return render(
        request,
        "enterprises/participant_form.html",
        {"form": form, "enterprise": enterprise, "creating": True},
    )


@login_required
@require_http_methods(["GET", "POST"])
def participant_update(request, pk):
    participant = get_visible_or_404(participants_visible_to(request.user), pk=pk)
    enterprise = participant.enterprise
    require(
        can_record_progress(request.user, partner_id=enterprise.partner_id),
        _("You may not change this participant."),
    )
    form = ParticipantForm(request.POST or None, instance=participant)
    if request.method == "POST" and form.is_valid():
        try:
            services.participant_update(
                actor=request.user, participant=participant, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": participant.full_name})
            return redirect(_detail_url(enterprise, "participants"))
    return render(
        request,
        "enterprises/participant_form.html",
        {"form": form, "enterprise": enterprise, "participant": participant, "creating": False},
    )
