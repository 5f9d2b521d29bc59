"""The dashboard filters: period, country, sector and module (and the breakdowns' indicator)."""

from datetime import date

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from dashboards.selectors.results import Filters
from enterprises.models import Sector
from score_platform.countries import country_names
from score_platform.widgets import QuickSelect


class DashboardFilterForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), required=False)
    country = forms.ChoiceField(label=_("Country"), required=False, widget=QuickSelect)
    sector = forms.ChoiceField(label=_("Sector"), required=False)
    module = forms.ChoiceField(label=_("Module"), required=False)
    indicator = forms.ChoiceField(label=_("Indicator of the breakdowns"), required=False)

    def __init__(
        self,
        data=None,
        *,
        months,
        country_codes,
        modules,
        indicators,
        one_group_at_a_time=False,
        **kwargs,
    ):
        super().__init__(data, **kwargs)
        self.one_group_at_a_time = one_group_at_a_time
        self.fields["period"].choices = [("", _("Latest month"))] + [
            (month.strftime("%Y-%m"), formats.date_format(month, "YEAR_MONTH_FORMAT"))
            for month in months
        ]
        names = country_names()
        self.fields["country"].choices = [("", _("All countries"))] + sorted(
            ((code, names.get(code, code)) for code in country_codes), key=lambda pair: pair[1]
        )
        self.fields["sector"].choices = [("", _("All sectors"))] + list(Sector.choices)
        self.fields["module"].choices = [("", _("All modules"))] + [
            (module.code, module.label) for module in modules
        ]
        self.fields["indicator"].choices = [
            (indicator.code, indicator.label) for indicator in indicators
        ]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"

    def clean(self):
        cleaned = super().clean()
        chosen = [name for name in ("country", "sector", "module") if cleaned.get(name)]
        if self.one_group_at_a_time and len(chosen) > 1:
            for name in chosen[1:]:
                self.add_error(
                    name,
                    _(
                        "Programme figures are computed per country, sector or module: "
                        "choose one of them at a time."
                    ),
                )
        return cleaned

    def filters(self) -> Filters:
        """The valid filters; an invalid form filters nothing."""
        if not self.is_bound or not self.is_valid():
            return Filters()
        period = self.cleaned_data.get("period")
        return Filters(
            period=date(int(period[:4]), int(period[5:7]), 1) if period else None,
            country=self.cleaned_data.get("country") or "",
            sector=self.cleaned_data.get("sector") or "",
            module=self.cleaned_data.get("module") or "",
            indicator=self.cleaned_data.get("indicator") or "",
        )


class SupplierLinkRequestForm(forms.Form):
    """A brand asks to see a supplier by its platform id or its Open Supply Hub ID."""

    enterprise_id = forms.IntegerField(
        label=_("Enterprise id on the platform"), required=False, min_value=1
    )
    os_id = forms.CharField(label=_("Open Supply Hub ID"), required=False, max_length=32)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("enterprise_id") and not (cleaned.get("os_id") or "").strip():
            raise forms.ValidationError(
                _("Give the enterprise's id or its Open Supply Hub ID."), code="required"
            )
        return cleaned
