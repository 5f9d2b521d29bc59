from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise, Participant
from score_platform.forms import ServiceModelForm


class EnterpriseForm(ServiceModelForm):
    """Register or edit an enterprise; ILO staff also choose the serving partner."""

    class Meta:
        model = Enterprise
        fields = [
            "name",
            "partner",
            "country",
            "city",
            "sector",
            "employees_total",
            "employees_female",
            "registration_number",
            "os_id",
            "status",
        ]

    def __init__(self, *args, partners=None, creating: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if partners is None:
            # A partner registers for itself: nothing to choose.
            del self.fields["partner"]
        else:
            self.fields["partner"].queryset = partners
        if creating:
            del self.fields["status"]
        self.fields["employees_female"].help_text = _("At most the total number of employees.")


class ParticipantForm(ServiceModelForm):
    class Meta:
        model = Participant
        fields = ["full_name", "role", "gender", "contract", "is_eit_member"]
