from django import forms
from django.utils.translation import gettext_lazy as _

from reports.models import KpiMeasurement


class MeasurementEntryForm(forms.Form):
    """One indicator's line of the monthly KPI form (prefixed with the indicator's code).

    Only the shape is checked here; the rules of kpis.md (percentages at most 100, one
    baseline, nothing before it, no future month) come from reports.services.
    """

    value = forms.DecimalField(
        label=_("Value"), required=False, max_digits=14, decimal_places=4, localize=False
    )
    source = forms.ChoiceField(
        label=_("Source"), choices=KpiMeasurement.Source.choices, initial="records"
    )
    is_baseline = forms.BooleanField(label=_("Baseline"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)

    def __init__(self, *args, indicator, **kwargs):
        self.indicator = indicator
        super().__init__(*args, prefix=indicator.code, **kwargs)
        self.fields["value"].label = indicator.name

    def entry(self) -> dict | None:
        """What the service records for this indicator, or None to clear the month's value."""
        if self.cleaned_data.get("value") is None:
            return None
        return {
            "value": self.cleaned_data["value"],
            "source": self.cleaned_data["source"],
            "is_baseline": self.cleaned_data["is_baseline"],
            "note": self.cleaned_data["note"],
        }


class MonthForm(forms.Form):
    month = forms.DateField(label=_("Month"), input_formats=["%Y-%m"])
