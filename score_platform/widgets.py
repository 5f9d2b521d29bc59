"""Form widgets of the pages."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe


class QuickSelect(forms.Select):
    """A ``<select>`` written in Python, with the markup of Django's own.

    Django renders every ``<option>`` through a template of its own; a list of all the
    world's countries (250 options) cost a filtered list page about 100 ms, more than its
    queries. Used for the long choice lists of the filter forms.
    """

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        final_attrs["name"] = name
        selected = set(self.format_value(value))
        options = []
        for option_value, option_label in self.choices:
            if isinstance(option_label, list | tuple):
                inner = "".join(self._option(v, label, selected) for v, label in option_label)
                options.append(format_html('<optgroup label="{}">', option_value))
                options.append(mark_safe(inner))  # noqa: S308 - built by format_html
                options.append(mark_safe("</optgroup>"))
            else:
                options.append(self._option(option_value, option_label, selected))
        body = "".join(options)
        return mark_safe(f"<select{flatatt(final_attrs)}>{body}</select>")  # noqa: S308

    def _option(self, value, label, selected: set[str]) -> str:
        value = "" if value is None else str(value)
        if value in selected:
            return format_html('<option value="{}" selected>{}</option>', value, label)
        return format_html('<option value="{}">{}</option>', value, label)
