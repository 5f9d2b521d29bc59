from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from enterprises.permissions import can_record_progress, can_see_personal_data
from enterprises.selectors import enterprise_get
from modules import services
from modules.filters import EnrolmentFilter
from modules.forms import EnrolmentAdvanceForm, EnrolmentCreateForm, EnrolmentUpdateForm
from modules.models import ConsultationVisit, Enrolment, ImprovementProject
from modules.selectors import (
    classroom_sessions_visible_to,
    enrolment_status_timelines,
    enrolments_visible_to,
    enrolments_with_overdue_follow_up,
    improvement_projects_visible_to,
    training_modules,
    visits_visible_to,
)
from score_platform.exports import Column
from score_platform.forms import add_service_errors
from score_platform.pages import export_requested, export_response, paginate
from score_platform.permissions import require
from score_platform.selectors import get_visible_or_404
from trainers.selectors import trainers_visible_to

EXPORT_COLUMNS = [
    Column(gettext_lazy("id"), lambda enrolment: enrolment.pk),
    Column(gettext_lazy("enterprise_id"), lambda enrolment: enrolment.enterprise_id),
    Column(gettext_lazy("enterprise"), lambda enrolment: enrolment.enterprise.name),
    Column(gettext_lazy("module"), lambda enrolment: enrolment.module.code),
    Column(gettext_lazy("status"), lambda enrolment: enrolment.status),
    Column(gettext_lazy("started_on"), lambda enrolment: enrolment.started_on),
    Column(gettext_lazy("completed_on"), lambda enrolment: enrolment.completed_on),
    Column(
        gettext_lazy("lead_trainer"),
        lambda enrolment: enrolment.lead_trainer.full_name if enrolment.lead_trainer else "",
    ),
    Column(gettext_lazy("fee_amount"), lambda enrolment: enrolment.fee_amount),
    Column(gettext_lazy("fee_currency"), lambda enrolment: enrolment.fee_currency),
    Column(gettext_lazy("paid_by"), lambda enrolment: enrolment.paid_by),
]


def forward_statuses(enrolment: Enrolment) -> list:
    """The statuses an enrolment may move on to (the cycle goes forward only)."""
    if enrolment.status == Enrolment.Status.WITHDRAWN:
        return []
    order = Enrolment.STATUS_ORDER
    return [Enrolment.Status(status) for status in order[order.index(enrolment.status) + 1 :]]


def _partner_trainers(user, enrolment_partner_id):
    return trainers_visible_to(user).filter(organisation_id=enrolment_partner_id)


def visible_enrolment(request, pk) -> Enrolment:
    enrolment = get_visible_or_404(enrolments_visible_to(request.user), pk=pk)
    # Brands see an enrolment's status on the enterprise page, not the visits and projects.
    require(can_see_personal_data(request.user), _("This page is for partners and ILO staff."))
    return enrolment


@login_required
def enrolment_list(request):
    # Brands read their suppliers' progress on the enterprise page and their dashboard.
    require(can_see_personal_data(request.user), _("This page is for partners and ILO staff."))
    filterset = EnrolmentFilter(request.GET, queryset=enrolments_visible_to(request.user))
    queryset = filterset.qs
    if not request.GET.get("ordering"):
        queryset = queryset.order_by("-started_on", "id")
    if export_requested(request):
        return export_response(
            request,
            filename="enrolments",
            title=_("Enrolments"),
            columns=EXPORT_COLUMNS,
            queryset=queryset,
        )
    context = {"filter": filterset, **paginate(request, queryset)}
    page_ids = [enrolment.pk for enrolment in context["object_list"]]
    context["overdue_ids"] = set(
        enrolments_with_overdue_follow_up(
            enrolments_visible_to(request.user).filter(pk__in=page_ids)
        ).values_list("pk", flat=True)
    )
    return render(request, "modules/enrolment_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def enrolment_create(request, enterprise_pk):
    enterprise = enterprise_get(user=request.user, pk=enterprise_pk)
    require(
        can_record_progress(request.user, partner_id=enterprise.partner_id),
        _("You may not enrol this enterprise."),
    )
    form = EnrolmentCreateForm(
        request.POST or None,
        modules=training_modules().filter(is_active=True),
        trainers=_partner_trainers(request.user, enterprise.partner_id),
    )
    if request.method == "POST" and form.is_valid():
        try:
            enrolment = services.enrolment_create(
                actor=request.user, enterprise=enterprise, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(enterprise)s is enrolled in %(module)s.")
                % {"enterprise": enterprise.name, "module": enrolment.module.name},
            )
            return redirect("modules:enrolment-detail", pk=enrolment.pk)
    return render(request, "modules/enrolment_form.html", {"form": form, "enterprise": enterprise})


@login_required
def enrolment_detail(request, pk):
    user = request.user
    enrolment = visible_enrolment(request, pk)
    projects = list(
        improvement_projects_visible_to(user).filter(enrolment=enrolment).order_by("due_on", "id")
    )
    visits = list(visits_visible_to(user).filter(enrolment=enrolment).order_by("visited_on", "id"))
    follow_ups = sum(1 for visit in visits if visit.kind == ConsultationVisit.Kind.FOLLOW_UP)
    return render(
        request,
        "modules/enrolment_detail.html",
        {
            "enrolment": enrolment,
            "enterprise": enrolment.enterprise,
            "can_record": can_record_progress(user, partner_id=enrolment.enterprise.partner_id),
            "timeline": enrolment_status_timelines([enrolment.pk]).get(enrolment.pk, []),
            "forward_statuses": forward_statuses(enrolment),
            "advance_form": EnrolmentAdvanceForm(),
            "visits": visits,
            "follow_ups": follow_ups,
            "is_overdue": enrolments_with_overdue_follow_up(
                enrolments_visible_to(user).filter(pk=enrolment.pk)
            ).exists(),
            "projects_by_status": [
                (status, [project for project in projects if project.status == status])
                for status in ImprovementProject.Status
            ],
            "sessions": list(
                classroom_sessions_visible_to(user)
                .filter(
                    module_id=enrolment.module_id,
                    attendance__participant__enterprise_id=enrolment.enterprise_id,
                )
                .distinct()
                .order_by("starts_on")
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def enrolment_update(request, pk):
    enrolment = visible_enrolment(request, pk)
    require(
        can_record_progress(request.user, partner_id=enrolment.enterprise.partner_id),
        _("You may not change this enrolment."),
    )
    form = EnrolmentUpdateForm(
        request.POST or None,
        instance=enrolment,
        trainers=_partner_trainers(request.user, enrolment.partner_id),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.enrolment_update(actor=request.user, enrolment=enrolment, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The enrolment is saved."))
            return redirect("modules:enrolment-detail", pk=enrolment.pk)
    return render(
        request,
        "modules/enrolment_form.html",
        {"form": form, "enterprise": enrolment.enterprise, "enrolment": enrolment},
    )


@login_required
@require_POST
def enrolment_advance(request, pk):
    """Move the enrolment forward in its cycle, or withdraw it."""
    enrolment = visible_enrolment(request, pk)
    require(
        can_record_progress(request.user, partner_id=enrolment.enterprise.partner_id),
        _("You may not change this enrolment."),
    )
    form = EnrolmentAdvanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status."))
        return redirect("modules:enrolment-detail", pk=enrolment.pk)
    status = form.cleaned_data["status"]
    try:
        if status == Enrolment.Status.WITHDRAWN:
            services.enrolment_withdraw(actor=request.user, enrolment=enrolment)
        else:
            services.enrolment_advance(
                actor=request.user,
                enrolment=enrolment,
                status=status,
                on=form.cleaned_data["completed_on"],
            )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("The enrolment is now %(status)s.") % {"status": Enrolment.Status(status).label},
        )
    return redirect("modules:enrolment-detail", pk=enrolment.pk)
