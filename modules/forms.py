from django import forms
from django.utils.translation import gettext_lazy as _

from enterprises.models import Participant
from modules.models import ClassroomSession, ConsultationVisit, Enrolment, ImprovementProject
from score_platform.forms import DateInput, ServiceModelForm


class EnrolmentCreateForm(ServiceModelForm):
    class Meta:
        model = Enrolment
        fields = ["module", "started_on", "lead_trainer", "fee_amount", "fee_currency", "paid_by"]
        widgets = {"started_on": DateInput()}

    def __init__(self, *args, modules, trainers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["module"].queryset = modules
        self.fields["lead_trainer"].queryset = trainers
        self.fields["paid_by"].help_text = _(
            "Who pays the fee (SCORE reports the share others cover)."
        )


class EnrolmentUpdateForm(ServiceModelForm):
    class Meta:
        model = Enrolment
        fields = [
            "started_on",
            "completed_on",
            "lead_trainer",
            "fee_amount",
            "fee_currency",
            "paid_by",
        ]
        widgets = {"started_on": DateInput(), "completed_on": DateInput()}

    def __init__(self, *args, trainers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_trainer"].queryset = trainers


class EnrolmentAdvanceForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Enrolment.Status.choices)
    completed_on = forms.DateField(label=_("Completed on"), required=False, widget=DateInput())


class ClassroomSessionForm(ServiceModelForm):
    """Module, dates, place and trainers; only trainers certified on the start date are offered."""

    class Meta:
        model = ClassroomSession
        fields = [
            "partner",
            "module",
            "starts_on",
            "ends_on",
            "venue",
            "city",
            "country",
            "trainers",
        ]
        widgets = {
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "trainers": forms.CheckboxSelectMultiple(),
        }

    def __init__(self, *args, partners, modules, trainers, choose_partner: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners
        if not choose_partner:
            del self.fields["partner"]
        self.fields["module"].queryset = modules
        self.fields["trainers"].queryset = trainers
        self.fields["trainers"].help_text = _(
            "Only trainers certified for the module on the start date are listed."
        )


class AttendanceForm(forms.Form):
    participant = forms.ModelChoiceField(queryset=Participant.objects.none())
    # Blank takes the participant off the session's list.
    days_attended = forms.TypedChoiceField(
        label=_("Days attended"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, participants, days: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participant"].queryset = participants
        self.fields["days_attended"].choices = [("", "—")] + [
            (number, number) for number in range(days + 1)
        ]


class SessionParticipantForm(ServiceModelForm):
    """A new participant added from the attendance grid, with the days attended."""

    days_attended = forms.TypedChoiceField(label=_("Days attended"), coerce=int)

    class Meta:
        model = Participant
        fields = ["full_name", "role", "gender", "contract", "is_eit_member"]

    def __init__(self, *args, days: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days_attended"].choices = [(number, number) for number in range(days + 1)]
        self.fields["days_attended"].initial = days


class VisitForm(ServiceModelForm):
    class Meta:
        model = ConsultationVisit
        fields = [
            "kind",
            "visited_on",
            "trainer",
            "duration_hours",
            "eit_members_present",
            "summary",
            "next_steps",
        ]
        widgets = {
            "visited_on": DateInput(),
            "summary": forms.Textarea(attrs={"rows": 3}),
            "next_steps": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, trainers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trainer"].queryset = trainers


class ImprovementProjectForm(ServiceModelForm):
    class Meta:
        model = ImprovementProject
        fields = [
            "title",
            "description",
            "owner_name",
            "due_on",
            "status",
            "indicator",
            "savings_estimate",
            "savings_realised",
            "savings_currency",
        ]
        widgets = {"due_on": DateInput(), "description": forms.Textarea(attrs={"rows": 3})}


class ProjectMoveForm(forms.Form):
    status = forms.ChoiceField(choices=ImprovementProject.Status.choices)
