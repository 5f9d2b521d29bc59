"""Classroom sessions: create with certified trainers, then the attendance grid (htmx)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from enterprises.permissions import can_record_progress, can_see_personal_data
from enterprises.selectors import participants_visible_to
from modules import services
from modules.filters import ClassroomSessionFilter
from modules.forms import AttendanceForm, ClassroomSessionForm, SessionParticipantForm
from modules.models import ClassroomSession
from modules.selectors import (
    attendance_visible_to,
    classroom_sessions_visible_to,
    enterprises_for_session,
    session_attendance_grid,
    training_modules,
)
from partners.access import principal_of
from partners.selectors import partners_served_by
from score_platform.exports import Column
from score_platform.forms import add_service_errors
from score_platform.pages import export_requested, export_response, paginate
from score_platform.permissions import require
from score_platform.selectors import get_visible_or_404
from trainers.models import Trainer
from trainers.selectors import trainers_certified_for, trainers_visible_to

EXPORT_COLUMNS = [
    Column(gettext_lazy("id"), lambda session: session.pk),
    Column(gettext_lazy("module"), lambda session: session.module.code),
    Column(gettext_lazy("partner"), lambda session: session.partner.name),
    Column(gettext_lazy("starts_on"), lambda session: session.starts_on),
    Column(gettext_lazy("ends_on"), lambda session: session.ends_on),
    Column(gettext_lazy("venue"), lambda session: session.venue),
    Column(gettext_lazy("city"), lambda session: session.city),
    Column(gettext_lazy("country"), lambda session: session.country.code),
    Column(gettext_lazy("participants"), lambda session: session.participant_count),
]


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _visible_session(request, pk) -> ClassroomSession:
    return get_visible_or_404(
        classroom_sessions_visible_to(request.user).prefetch_related("trainers"), pk=pk
    )


def _require_recording(request, session: ClassroomSession) -> None:
    require(
        can_record_progress(request.user, partner_id=session.partner_id),
        _("You may not record attendance for this session."),
    )


def certified_trainers(user, *, partner_id, module_id, starts_on):
    """The partner's trainers who may lead the module on the start date (none until both are
    known)."""
    if not (partner_id and module_id and starts_on):
        return Trainer.objects.none()
    return trainers_certified_for(
        trainers_visible_to(user).filter(organisation_id=partner_id),
        module_id=module_id,
        on=starts_on,
    )


def _chosen(data, name):
    """A submitted id, or None when absent or malformed (the form reports it)."""
    value = (data.get(name) or "").strip()
    return int(value) if value.isdigit() else None


def _chosen_date(data, name):
    try:
        return parse_date((data.get(name) or "").strip())
    except ValueError:
        return None


def _session_form(request, data, *, instance=None, choices=None, initial=None):
    """The session form, offering the trainers certified for what was chosen so far.

    ``choices`` is where the partner, module and start date are read from (the posted
    data, or the htmx request that refreshes the trainers while the form is filled in).
    """
    principal = principal_of(request.user)
    choose = principal.is_ilo and instance is None
    choices = data if choices is None else choices
    if instance is not None:
        partner_id, module_id = instance.partner_id, instance.module_id
    elif choices is not None:
        partner_id = _chosen(choices, "partner") if choose else principal.organisation_id
        module_id = _chosen(choices, "module")
    else:
        partner_id = module_id = None
    if choices is not None and "starts_on" in choices:
        starts_on = _chosen_date(choices, "starts_on")
    else:
        starts_on = getattr(instance, "starts_on", None)
    form = ClassroomSessionForm(
        data,
        instance=instance,
        initial=initial,
        partners=partners_served_by(request.user),
        modules=training_modules().filter(is_active=True),
        trainers=certified_trainers(
            request.user, partner_id=partner_id, module_id=module_id, starts_on=starts_on
        ),
        choose_partner=choose,
    )
    if instance is not None:
        form.fields["module"].disabled = True
    return form


@login_required
def session_list(request):
    require(can_see_personal_data(request.user), _("This page is for partners and ILO staff."))
    sessions = classroom_sessions_visible_to(request.user).annotate(
        participant_count=Count("attendance")
    )
    filterset = ClassroomSessionFilter(request.GET, queryset=sessions)
    queryset = filterset.qs
    if not request.GET.get("ordering"):
        queryset = queryset.order_by("-starts_on", "id")
    if export_requested(request):
        return export_response(
            request,
            filename="classroom-sessions",
            title=_("Classroom sessions"),
            columns=EXPORT_COLUMNS,
            queryset=queryset,
        )
    principal = principal_of(request.user)
    return render(
        request,
        "modules/classroom_session_list.html",
        {
            "filter": filterset,
            "can_create": principal.is_ilo or principal.is_partner,
            **paginate(request, queryset),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_create(request):
    principal = principal_of(request.user)
    require(
        principal.is_ilo or principal.is_partner,
        _("Only partners and ILO staff record sessions."),
    )
    form = _session_form(request, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        partner = (
            data.pop("partner")
            if "partner" in form.fields
            else partners_served_by(request.user).get()
        )
        try:
            session = services.classroom_session_create(
                actor=request.user,
                partner=partner,
                module=data.pop("module"),
                trainers=data.pop("trainers"),
                **data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The session is saved; now record its attendance."))
            return redirect("modules:classroom-session-detail", pk=session.pk)
    return render(request, "modules/classroom_session_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def session_update(request, pk):
    session = _visible_session(request, pk)
    require(
        can_record_progress(request.user, partner_id=session.partner_id),
        _("You may not change this session."),
    )
    form = _session_form(
        request, request.POST if request.method == "POST" else None, instance=session
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("module", None)
        try:
            services.classroom_session_update(
                actor=request.user, session=session, trainers=data.pop("trainers"), **data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The session is saved."))
            return redirect("modules:classroom-session-detail", pk=session.pk)
    return render(
        request, "modules/classroom_session_form.html", {"form": form, "session": session}
    )


@login_required
@require_GET
def session_trainer_options(request):
    """The trainers field for the module, partner and start date chosen so far (htmx)."""
    pk = _chosen(request.GET, "session")
    instance = _visible_session(request, pk) if pk else None
    form = _session_form(
        request,
        None,
        instance=instance,
        choices=request.GET,
        initial={"trainers": request.GET.getlist("trainers")},
    )
    return render(request, "modules/classroom_session_trainer_options.html", {"form": form})


@login_required
def session_detail(request, pk):
    session = _visible_session(request, pk)
    grid = session_attendance_grid(request.user, session=session)
    in_session = [block.enterprise.pk for block in grid]
    return render(
        request,
        "modules/classroom_session_detail.html",
        {
            "session": session,
            "grid": grid,
            "can_record": can_record_progress(request.user, partner_id=session.partner_id),
            "addable_enterprises": enterprises_for_session(request.user, session=session).exclude(
                pk__in=in_session
            ),
            "days": range(session.module.classroom_days + 1),
            "participant_form": SessionParticipantForm(days=session.module.classroom_days),
        },
    )


def _block_response(request, session, enterprise_pk, *, participant_form=None):
    blocks = session_attendance_grid(
        request.user, session=session, extra_enterprise_ids=[enterprise_pk]
    )
    block = next((block for block in blocks if block.enterprise.pk == enterprise_pk), None)
    if block is None:
        raise Http404(_("This enterprise is not in the session."))
    return render(
        request,
        "modules/attendance_block.html",
        {
            "session": session,
            "block": block,
            "can_record": True,
            "days": range(session.module.classroom_days + 1),
            "participant_form": participant_form
            or SessionParticipantForm(days=session.module.classroom_days),
        },
    )


@login_required
@require_GET
def session_attendance_enterprise(request, pk):
    """One enterprise's block of the grid, added to the session without saving anything yet."""
    session = _visible_session(request, pk)
    _require_recording(request, session)
    enterprise_pk = _chosen(request.GET, "enterprise")
    enterprise = get_visible_or_404(
        enterprises_for_session(request.user, session=session), pk=enterprise_pk
    )
    return _block_response(request, session, enterprise.pk)


@login_required
@require_POST
def attendance_record(request, pk):
    """Save one participant's days attended (blank takes them off the list); htmx row."""
    session = _visible_session(request, pk)
    _require_recording(request, session)
    form = AttendanceForm(
        request.POST,
        participants=participants_visible_to(request.user).filter(
            enterprise__partner_id=session.partner_id
        ),
        days=session.module.classroom_days,
    )
    error = None
    if not form.is_valid():
        if "participant" in form.errors:
            # Another partner's participant reads exactly like one that does not exist.
            raise Http404(_("No such participant."))
        error = " ".join(form.errors.get("days_attended", []))
        participant = form.cleaned_data["participant"]
    else:
        participant = form.cleaned_data["participant"]
        days = form.cleaned_data["days_attended"]
        existing = (
            attendance_visible_to(request.user)
            .filter(session=session, participant=participant)
            .first()
        )
        try:
            if days is None:
                if existing is not None:
                    services.attendance_remove(actor=request.user, attendance=existing)
            else:
                services.attendance_record(
                    actor=request.user,
                    session=session,
                    participant=participant,
                    days_attended=days,
                )
        except ValidationError as problem:
            error = " ".join(problem.messages)
    if not is_htmx(request):
        if error:
            messages.error(request, error)
        return redirect("modules:classroom-session-detail", pk=session.pk)
    attendance = (
        attendance_visible_to(request.user).filter(session=session, participant=participant).first()
    )
    return render(
        request,
        "modules/attendance_row.html",
        {
            "session": session,
            "participant": participant,
            "attendance": attendance,
            "can_record": True,
            "days": range(session.module.classroom_days + 1),
            "error": error,
            "saved": error is None,
        },
    )


@login_required
@require_POST
def session_participant_create(request, pk, enterprise_pk):
    """A new participant added inline to an enterprise's block, with their attendance."""
    session = _visible_session(request, pk)
    _require_recording(request, session)
    enterprise = get_visible_or_404(
        enterprises_for_session(request.user, session=session), pk=enterprise_pk
    )
    form = SessionParticipantForm(request.POST, days=session.module.classroom_days)
    if form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.attendance_record_new_participant(
                actor=request.user,
                session=session,
                enterprise=enterprise,
                days_attended=data.pop("days_attended"),
                **data,
            )
        except ValidationError as error:
            add_service_errors(form, error, field_names={"participant": "full_name"})
        else:
            form = None
    if not is_htmx(request):
        if form is not None:
            messages.error(
                request, " ".join(form.errors.get("__all__", [])) or _("Check the form.")
            )
        return redirect("modules:classroom-session-detail", pk=session.pk)
    return _block_response(request, session, enterprise.pk, participant_form=form)
