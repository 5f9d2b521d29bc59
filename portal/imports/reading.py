"""Open an uploaded CSV or XLSX after checking what it really is, and read it row by row.

The content decides the type, not the name: an XLSX is a zip archive (it starts with
``PK\\x03\\x04``) that openpyxl can open; a CSV is text that decodes as UTF-8.
"""

import csv
import datetime
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

XLSX_SIGNATURE = b"PK\x03\x04"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls
EXTENSIONS = {".csv": "csv", ".xlsx": "xlsx"}
CSV_DELIMITERS = (",", ";", "\t")


class ImportFileError(Exception):
    """The file cannot be read as a table; the message says why, for the person uploading."""


@dataclass
class Table:
    file_format: str
    headers: list[str]
    rows: Iterator[tuple[int, list]]  # (row number as a spreadsheet shows it, cells)
    estimated_rows: int | None


def normalise_header(value) -> str:
    """'Employees total *' → 'employees_total'."""
    text = "" if value is None else str(value)
    return text.strip().rstrip("*").strip().lower().replace(" ", "_").replace("-", "_")


def sniff_format(head: bytes, filename: str) -> str:
    extension = ("." + filename.rsplit(".", 1)[-1].lower()) if "." in filename else ""
    if extension not in EXTENSIONS:
        raise ImportFileError(_("Upload a .csv or .xlsx file."))
    if head.startswith(OLE_SIGNATURE):
        raise ImportFileError(
            _("This is an old Excel file (.xls); save it as .xlsx or as CSV (UTF-8).")
        )
    actual = "xlsx" if head.startswith(XLSX_SIGNATURE) else "csv"
    if actual != EXTENSIONS[extension]:
        if actual == "xlsx":
            raise ImportFileError(_("The file is named .csv but is an Excel workbook."))
        raise ImportFileError(_("The file is named .xlsx but is not an Excel workbook."))
    if actual == "csv" and b"\x00" in head:
        raise ImportFileError(_("This file is not text; upload a CSV (UTF-8) or an XLSX."))
    return actual


def open_table(handle, filename: str) -> Table:
    """The table in the uploaded file (a binary file object), or ImportFileError."""
    handle.seek(0)
    head = handle.read(8)
    file_format = sniff_format(head, filename)
    handle.seek(0)
    if file_format == "xlsx":
        return _open_xlsx(handle)
    return _open_csv(handle.read())


def _open_csv(data: bytes) -> Table:
    if b"\x00" in data:
        raise ImportFileError(_("This file is not text; upload a CSV (UTF-8) or an XLSX."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            _(
                "The file is not UTF-8 text (byte %(position)s). In Excel choose "
                "“Save as… CSV UTF-8”, or upload the workbook as .xlsx."
            )
            % {"position": error.start}
        ) from error
    first_line = text.split("\n", 1)[0]
    delimiter = max(CSV_DELIMITERS, key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = next(reader)
    except StopIteration:
        raise ImportFileError(_("The file is empty.")) from None
    except csv.Error as error:
        raise ImportFileError(
            _("The file is not valid CSV: %(error)s") % {"error": error}
        ) from None

    def rows():
        try:
            for cells in reader:
                if any(cell.strip() for cell in cells):
                    yield reader.line_num, cells
        except csv.Error as error:
            raise ImportFileError(
                _("Row %(row)s is not valid CSV: %(error)s")
                % {"row": reader.line_num, "error": error}
            ) from None

    estimated = max(text.count("\n") - 1, 0)
    return Table("csv", [normalise_header(cell) for cell in headers], rows(), estimated)


def _open_xlsx(handle) -> Table:
    try:
        workbook = load_workbook(handle, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        iterator = sheet.iter_rows(values_only=True)
        headers = next(iterator, None)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, IndexError):
        raise ImportFileError(
            _("The workbook cannot be read; open it in Excel and save it again as .xlsx.")
        ) from None
    if headers is None:
        raise ImportFileError(_("The first sheet of the workbook is empty."))
    estimated = (sheet.max_row - 1) if sheet.max_row else None

    def rows():
        number = 1
        try:
            for number, cells in enumerate(iterator, start=2):
                values = [_xlsx_value(cell) for cell in cells]
                if any(value != "" for value in values):
                    yield number, values
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
            raise ImportFileError(
                _("The workbook cannot be read past row %(row)s.") % {"row": number}
            ) from error
        finally:
            workbook.close()

    return Table("xlsx", [normalise_header(cell) for cell in headers], rows(), estimated)


def _xlsx_value(cell):
    if cell is None:
        return ""
    if isinstance(cell, datetime.datetime):
        return cell.date() if cell.time() == datetime.time(0) else cell
    if isinstance(cell, str):
        return cell.strip()
    return cell
