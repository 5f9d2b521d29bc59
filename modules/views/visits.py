"""Consultation visits and improvement projects, per enrolment, and the projects board."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from enterprises.permissions import can_record_progress, can_see_personal_data
from modules import services
from modules.filters import ImprovementProjectFilter
from modules.forms import ImprovementProjectForm, ProjectMoveForm, VisitForm
from modules.models import ImprovementProject
from modules.selectors import improvement_projects_visible_to, visits_visible_to
from modules.views.enrolments import visible_enrolment
from reports.selectors import indicators
from score_platform.forms import add_service_errors
from score_platform.permissions import require
from score_platform.selectors import get_visible_or_404
from trainers.models import Certification
from trainers.selectors import trainers_visible_to

BOARD_COLUMN_LENGTH = 50


def _visit_trainers(user, enrolment):
    """The partner's trainers holding a leading certification of the module; the service
    checks it is valid on the visit's date."""
    return (
        trainers_visible_to(user)
        .filter(
            organisation_id=enrolment.partner_id,
            certifications__module_id=enrolment.module_id,
            certifications__level__in=Certification.LEADING_LEVELS,
        )
        .distinct()
    )


def _require_progress(request, enrolment, message):
    require(can_record_progress(request.user, partner_id=enrolment.enterprise.partner_id), message)


@login_required
@require_http_methods(["GET", "POST"])
def visit_create(request, enrolment_pk):
    enrolment = visible_enrolment(request, enrolment_pk)
    _require_progress(request, enrolment, _("You may not log visits for this enrolment."))
    form = VisitForm(request.POST or None, trainers=_visit_trainers(request.user, enrolment))
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_create(actor=request.user, enrolment=enrolment, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The visit is logged."))
            return redirect("modules:enrolment-detail", pk=enrolment.pk)
    return render(request, "modules/visit_form.html", {"form": form, "enrolment": enrolment})


@login_required
@require_http_methods(["GET", "POST"])
def visit_update(request, pk):
    visit = get_visible_or_404(visits_visible_to(request.user), pk=pk)
    enrolment = visit.enrolment
    _require_progress(request, enrolment, _("You may not change this visit."))
    form = VisitForm(
        request.POST or None, instance=visit, trainers=_visit_trainers(request.user, enrolment)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_update(actor=request.user, visit=visit, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The visit is saved."))
            return redirect("modules:enrolment-detail", pk=enrolment.pk)
    return render(
        request,
        "modules/visit_form.html",
        {"form": form, "enrolment": enrolment, "visit": visit},
    )


def _project_form(request, *, instance=None):
    form = ImprovementProjectForm(request.POST or None, instance=instance)
    form.fields["indicator"].queryset = indicators()
    return form


@login_required
@require_http_methods(["GET", "POST"])
def improvement_project_create(request, enrolment_pk):
    enrolment = visible_enrolment(request, enrolment_pk)
    _require_progress(request, enrolment, _("You may not add projects to this enrolment."))
    form = _project_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            services.improvement_project_create(
                actor=request.user, enrolment=enrolment, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The project is added to the improvement plan."))
            return redirect("modules:enrolment-detail", pk=enrolment.pk)
    return render(
        request, "modules/improvement_project_form.html", {"form": form, "enrolment": enrolment}
    )


@login_required
@require_http_methods(["GET", "POST"])
def improvement_project_update(request, pk):
    project = get_visible_or_404(improvement_projects_visible_to(request.user), pk=pk)
    enrolment = project.enrolment
    _require_progress(request, enrolment, _("You may not change this project."))
    form = _project_form(request, instance=project)
    if request.method == "POST" and form.is_valid():
        try:
            services.improvement_project_update(
                actor=request.user, project=project, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The project is saved."))
            return redirect("modules:enrolment-detail", pk=enrolment.pk)
    return render(
        request,
        "modules/improvement_project_form.html",
        {"form": form, "enrolment": enrolment, "project": project},
    )


@login_required
@require_POST
def improvement_project_move(request, pk):
    """Move a project to another column of the board (its status)."""
    project = get_visible_or_404(improvement_projects_visible_to(request.user), pk=pk)
    _require_progress(request, project.enrolment, _("You may not change this project."))
    form = ProjectMoveForm(request.POST)
    if form.is_valid():
        try:
            services.improvement_project_update(
                actor=request.user, project=project, status=form.cleaned_data["status"]
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("%(title)s is now %(status)s.")
                % {"title": project.title, "status": project.get_status_display()},
            )
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("modules:enrolment-detail", pk=project.enrolment_id)


@login_required
def improvement_project_board(request):
    """Every visible project in columns by status, past-due ones first and highlighted."""
    require(can_see_personal_data(request.user), _("This page is for partners and ILO staff."))
    filterset = ImprovementProjectFilter(
        request.GET, queryset=improvement_projects_visible_to(request.user)
    )
    projects = filterset.qs.order_by("due_on", "id")
    totals = dict(
        projects.order_by()
        .values_list("status")
        .annotate(total=Count("id"))
        .values_list("status", "total")
    )
    return render(
        request,
        "modules/improvement_project_board.html",
        {
            "filter": filterset,
            # The most urgent of each column; the badge tells how many there are in all.
            "projects_by_status": [
                (status, list(projects.filter(status=status)[:BOARD_COLUMN_LENGTH]))
                for status in ImprovementProject.Status
            ],
            "column_totals": {
                status.value: totals.get(status.value, 0) for status in ImprovementProject.Status
            },
            "show_enterprise": True,
            "can_record": True,
        },
    )
