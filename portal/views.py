from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from enterprises.selectors import enterprises_visible_to
from partners.access import principal_of
from partners.selectors import api_tokens_visible_to, partners_served_by
from portal import selectors, services
from portal.forms import ImportUploadForm
from portal.imports.templates import template_csv, template_xlsx
from portal.models import ImportJob
from portal.permissions import can_import, can_run_import
from score_platform.forms import add_service_errors
from score_platform.pages import paginate
from score_platform.permissions import require
from score_platform.selectors import get_visible_or_404


@login_required
def home(request):
    """What needs doing, for the role of whoever signs in."""
    principal = principal_of(request.user)
    context = {"principal": principal}
    if principal.is_ilo or principal.is_partner:
        context.update(selectors.home_work_kept(request.user))
    if principal.is_ilo:
        from reports.selectors import aggregation_status

        context["aggregation"] = aggregation_status(request.user)
    elif principal.is_brand:
        context["supplier_count"] = enterprises_visible_to(request.user).count()
    return render(request, "portal/home.html", context)


# --- spreadsheet imports ----------------------------------------------------------------


def _importable_kinds(user) -> list[str]:
    return [kind for kind in ImportJob.Kind.values if can_import(user, kind)]


@login_required
def import_list(request):
    kinds = _importable_kinds(request.user)
    require(bool(kinds), _("Only partners and ILO staff import spreadsheets."))
    jobs = selectors.import_jobs_visible_to(request.user).order_by("-created_at", "-id")
    return render(
        request,
        "portal/import_list.html",
        {"kinds": [ImportJob.Kind(kind) for kind in kinds], **paginate(request, jobs)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_create(request):
    kinds = _importable_kinds(request.user)
    require(bool(kinds), _("Only partners and ILO staff import spreadsheets."))
    principal = principal_of(request.user)
    form = ImportUploadForm(
        request.POST or None,
        request.FILES or None,
        kinds=kinds,
        partners=partners_served_by(request.user) if principal.is_ilo else None,
        initial={"kind": request.GET.get("kind")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            job = services.import_job_upload(
                actor=request.user,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                organisation=form.cleaned_data.get("organisation"),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("portal:import-detail", pk=job.pk)
    return render(
        request,
        "portal/import_form.html",
        {"form": form, "kinds": [ImportJob.Kind(kind) for kind in kinds]},
    )


def _visible_job(request, pk) -> ImportJob:
    return get_visible_or_404(selectors.import_jobs_visible_to(request.user), pk=pk)


@login_required
def import_detail(request, pk):
    job = _visible_job(request, pk)
    return render(
        request,
        "portal/import_detail.html",
        {
            "job": job,
            "progress": services.import_progress(job.pk) if job.is_running else None,
            "can_run": can_run_import(request.user, job),
        },
    )


@login_required
@require_GET
def import_progress(request, pk):
    """The progress bar, polled by htmx; once the job is no longer running the page reloads."""
    job = _visible_job(request, pk)
    if not job.is_running:
        response = HttpResponse("")
        response["HX-Refresh"] = "true"
        return response
    return render(
        request,
        "portal/import_progress.html",
        {"job": job, "progress": services.import_progress(job.pk)},
    )


@login_required
@require_POST
def import_commit(request, pk):
    job = _visible_job(request, pk)
    try:
        services.import_job_request_commit(actor=request.user, job=job)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("portal:import-detail", pk=job.pk)


@login_required
@require_GET
def import_template(request, kind, file_format):
    if kind not in ImportJob.Kind.values or file_format not in ("csv", "xlsx"):
        raise Http404(_("No such template."))
    require(can_import(request.user, kind), _("You may not import this kind of data."))
    if file_format == "csv":
        content, content_type = template_csv(kind), "text/csv; charset=utf-8"
    else:
        content = template_xlsx(kind)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="score-{kind}-template.{file_format}"'
    return response


# --- the user's API tokens --------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request):
    """The signed-in user's API tokens: listed, issued, revoked."""
    from partners.services import api_token_issue

    own_tokens = api_tokens_visible_to(request.user).filter(user=request.user)
    new_key = None
    if request.method == "POST":
        existed = own_tokens.exists()
        token = api_token_issue(actor=request.user, request=request)
        if existed:
            messages.info(request, _("You already have a token; revoke it to get a new one."))
        else:
            new_key = token.key
    return render(
        request,
        "registration/api_tokens.html",
        {"tokens": list(own_tokens), "new_key": new_key},
    )


@login_required
@require_POST
def api_token_revoke(request, token_id):
    from partners.services import api_token_revoke as revoke

    token = (
        api_tokens_visible_to(request.user)
        .filter(user=request.user, key__startswith=token_id)
        .first()
    )
    if token is None or len(token_id) < 8:
        raise Http404
    revoke(actor=request.user, token=token, request=request)
    messages.success(request, _("The token is revoked: clients using it are refused from now on."))
    return redirect("portal:api-tokens")
