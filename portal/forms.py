from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from portal.models import ImportJob


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"))
    organisation = forms.ModelChoiceField(
        label=_("Partner"),
        queryset=None,
        required=False,
        help_text=_("For enterprises: the partner that serves them."),
    )
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args, kinds, partners=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            (value, label) for value, label in ImportJob.Kind.choices if value in kinds
        ]
        if partners is None:
            del self.fields["organisation"]
        else:
            self.fields["organisation"].queryset = partners
        self.fields["file"].help_text = _(
            "CSV (UTF-8) or XLSX, up to %(size)s MB, with the template's first row."
        ) % {"size": settings.IMPORT_MAX_UPLOAD_BYTES // (1024 * 1024)}
