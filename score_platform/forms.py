"""Shared helpers of the web forms."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


def add_service_errors(
    form: forms.BaseForm, error: ValidationError, *, field_names: dict[str, str] | None = None
) -> None:
    """Show a service's ValidationError on the form: each message beside its field.

    The services name the model's fields; ``field_names`` maps those names to the form's
    where they differ. A message for a field the form does not show goes to the top.
    """
    field_names = field_names or {}
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for field, errors in error.error_dict.items():
        name = None if field == NON_FIELD_ERRORS else field_names.get(field, field)
        target = name if name in form.fields else None
        for message in ValidationError(errors).messages:
            form.add_error(target, message)


class DateInput(forms.DateInput):
    """A native date picker; the value travels as ISO 8601 whatever the language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m")


class ServiceModelForm(forms.ModelForm):
    """A model form that checks only the shape of the input; the service decides the rest.

    It borrows the model's labels, choices and widgets, but skips the model validation a
    ModelForm runs in ``is_valid()``: the service validates (domain rules and database
    constraints, in words) when it saves, so running it here too would check twice and
    could disagree. The view passes ``cleaned_data`` to the service and shows its
    ValidationError with :func:`add_service_errors`.
    """

    def _post_clean(self):
        pass
