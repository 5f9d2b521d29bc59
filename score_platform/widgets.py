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


def filter_field(field) -> str:
    """One field of a list page's filter form in Bootstrap's markup: label, control, errors
    and help text, as crispy-forms writes them, without its templates (which cost a list
    page about 30 ms for six filters). Plain selects are written by QuickSelect."""
    widget = field.field.widget
    is_select = isinstance(widget, forms.Select)
    classes = "form-select" if is_select else "form-control"
    described_by = []
    if field.errors:
        classes += " is-invalid"
        described_by.append(f"{field.auto_id}_error")
    if field.help_text:
        described_by.append(f"{field.auto_id}_helptext")
    attrs = {"class": classes}
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    quick = None
    if type(widget) is forms.Select:
        quick = QuickSelect(attrs=widget.attrs, choices=widget.choices)
    control = field.as_widget(widget=quick, attrs=attrs)
    errors = "".join(
        format_html('<p id="error_{}_{}"><strong>{}</strong></p>', number, field.auto_id, message)
        for number, message in enumerate(field.errors, start=1)
    )
    error_block = help_block = ""
    if errors:
        error_block = format_html(
            '<div id="{}_error" class="invalid-feedback">{}</div>',
            field.auto_id,
            mark_safe(errors),  # noqa: S308 - each part built by format_html
        )
    if field.help_text:
        help_block = format_html(
            '<div id="{}_helptext" class="form-text">{}</div>', field.auto_id, field.help_text
        )
    return format_html(
        '<div id="div_{}" class="mb-3"><label for="{}" class="form-label">{}</label>{}{}{}</div>',
        field.auto_id,
        field.id_for_label,
        field.label,
        control,
        error_block,
        help_block,
    )
