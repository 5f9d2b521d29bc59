"""Country names in the active language, for choices and labels.

django-countries translates and sorts its 250 names each time its list is read: about
1,300 translation lookups for one filter form. Each language's names are built once per
process here.
"""

from django.utils.translation import get_language
from django_countries import countries

_CHOICES: dict[str, list[tuple[str, str]]] = {}
_NAMES: dict[str, dict[str, str]] = {}


def country_choices() -> list[tuple[str, str]]:
    """Every country as (code, name), sorted by name."""
    language = get_language() or ""
    choices = _CHOICES.get(language)
    if choices is None:
        choices = _CHOICES[language] = [(code, str(name)) for code, name in countries]
    return choices


def country_names() -> dict[str, str]:
    """Every country's name by its code."""
    language = get_language() or ""
    names = _NAMES.get(language)
    if names is None:
        names = _NAMES[language] = dict(country_choices())
    return names
