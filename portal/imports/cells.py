"""Read one cell of a spreadsheet row into a Python value, or say in words what is wrong.

Cells come as text (CSV) or typed (XLSX: numbers, dates, booleans). These functions
check shape only; the services decide whether a value is allowed.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django.utils.translation import gettext as _
from django_countries import countries

TRUE_WORDS = {"yes", "y", "true", "1", "x", "oui", "sí", "si", "是"}
FALSE_WORDS = {"no", "n", "false", "0", "", "non", "否"}
MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?$")


class CellError(ValueError):
    pass


def text(value, *, max_length: int | None = None) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    result = "" if value is None else str(value).strip()
    if max_length is not None and len(result) > max_length:
        raise CellError(_("At most %(count)s characters.") % {"count": max_length})
    return result


def required_text(value, *, max_length: int | None = None) -> str:
    result = text(value, max_length=max_length)
    if not result:
        raise CellError(_("This column is required."))
    return result


def integer(value, *, required: bool = True) -> int | None:
    if value in ("", None):
        if required:
            raise CellError(_("This column is required."))
        return None
    if isinstance(value, bool):
        raise CellError(_("Give a whole number."))
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    try:
        return int(str(value).strip().replace(" ", ""))
    except ValueError:
        raise CellError(_("Give a whole number.")) from None


def decimal(value) -> Decimal:
    if value in ("", None):
        raise CellError(_("This column is required."))
    if isinstance(value, bool):
        raise CellError(_("Give a number."))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # repr gives the shortest text that reads back as the same float: 12.5, not 12.4999…
        return Decimal(repr(value))
    cleaned = str(value).strip().replace(" ", "").replace("\u00a0", "")
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")  # a decimal comma, as many countries write
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise CellError(_("Give a number, like 12.5.")) from None
    if not number.is_finite():
        raise CellError(_("Give a number, like 12.5."))
    return number


def boolean(value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError(_("Write yes or no."))


def choice(value, choices, *, required: bool = True, default: str = "") -> str:
    """A choice by its code or its label, in any case: 'garments' or 'Garments and textiles'."""
    word = text(value).lower()
    if not word:
        if required and not default:
            raise CellError(_("This column is required."))
        return default
    # Codes first: labels are translated strings, costly to render on every row.
    for code, _label in choices:
        if word == str(code).lower():
            return code
    for code, label in choices:
        if word == str(label).lower():
            return code
    raise CellError(
        _("Unknown value “%(value)s”; use one of: %(choices)s.")
        % {"value": text(value), "choices": ", ".join(str(code) for code, _label in choices)}
    )


def country(value) -> str:
    word = required_text(value)
    code = word.upper() if len(word) == 2 and word.upper() in countries else _country_named(word)
    if not code:
        raise CellError(
            _("Unknown country “%(value)s”; give its ISO code, like CN.") % {"value": word}
        )
    return code


@lru_cache(maxsize=512)
def _country_named(name: str) -> str:
    # Looking a name up walks every country's translated name: worth remembering.
    return countries.by_name(name)


def month(value) -> datetime.date:
    """A month: 2024-03, 2024-03-01, or an Excel date (any day is taken as given)."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    word = required_text(value)
    match = MONTH_PATTERN.match(word)
    if not match:
        raise CellError(_("Give the month as YYYY-MM, like 2024-03."))
    year, month_number, day = match.groups()
    try:
        return datetime.date(int(year), int(month_number), int(day or 1))
    except ValueError:
        raise CellError(_("Give the month as YYYY-MM, like 2024-03.")) from None
