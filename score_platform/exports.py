"""CSV and XLSX downloads of a list, safe to open in a spreadsheet.

A cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return) would
run as a formula in Excel or LibreOffice; such text is prefixed with an apostrophe, which
spreadsheets read as "this is text" (OWASP, CSV injection). Numbers and dates stay typed.
"""

import csv
import datetime
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.functional import Promise
from openpyxl import Workbook

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    """One exported column: its heading and how to read the value from a row."""

    heading: Any
    value: Callable[[Any], Any]


def safe_cell(value):
    """The value ready for a cell: typed numbers and dates, text defused against formulas."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None)
    if isinstance(value, datetime.date):
        return value
    text = force_str(value) if isinstance(value, Promise) else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def _rows(columns: Sequence[Column], objects: Iterable) -> Iterable[list]:
    for item in objects:
        yield [safe_cell(column.value(item)) for column in columns]


class _Echo:
    """A file-like object whose write returns the line, for a streamed CSV."""

    def write(self, value):
        return value


def csv_response(filename: str, columns: Sequence[Column], objects: Iterable):
    """A streamed CSV (UTF-8 with a byte-order mark so Excel reads the accents)."""
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff" + writer.writerow([safe_cell(column.heading) for column in columns])
        for row in _rows(columns, objects):
            yield writer.writerow(["" if cell == "" else _csv_text(cell) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def _csv_text(cell) -> str:
    if isinstance(cell, datetime.datetime):
        return cell.isoformat(sep=" ", timespec="minutes")
    if isinstance(cell, datetime.date):
        return cell.isoformat()
    return str(cell)


def xlsx_response(filename: str, columns: Sequence[Column], objects: Iterable, *, title: str):
    """An XLSX written row by row (openpyxl's write-only mode) into a temporary file."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(title)[:31])
    sheet.append([safe_cell(column.heading) for column in columns])
    for row in _rows(columns, objects):
        sheet.append(row)
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it once sent
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{filename}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
