"""Cells of CSV and XLSX exports are safe to open in a spreadsheet."""

import datetime
from decimal import Decimal

import pytest

from score_platform.exports import safe_cell


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
        ("+1 555 0100", "'+1 555 0100"),
        ("-2", "'-2"),
        ("@cmd", "'@cmd"),
        ("\tTab", "'\tTab"),
        ("\rReturn", "'\rReturn"),
        ("Plain text", "Plain text"),
        ("a=b", "a=b"),
        (-2, -2),
        (Decimal("-1.5"), Decimal("-1.5")),
        (None, ""),
        (True, "yes"),
        (datetime.date(2024, 3, 1), datetime.date(2024, 3, 1)),
    ],
)
def test_text_that_a_spreadsheet_would_run_as_a_formula_is_defused(value, cell):
    assert safe_cell(value) == cell


def test_aware_times_are_written_in_local_time_without_a_zone(settings):
    moment = datetime.datetime(2024, 3, 1, 12, 0, tzinfo=datetime.UTC)
    assert safe_cell(moment).tzinfo is None
