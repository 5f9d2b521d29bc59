"""The downloadable template of each kind: the header row and, in the workbook, a sheet
that explains every column with an example (no example row to import by mistake)."""

import csv
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from portal.imports.kinds import import_kind
from reports.selectors import indicators


def template_csv(kind_code: str) -> bytes:
    kind = import_kind(kind_code)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(kind.column_names)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def template_xlsx(kind_code: str) -> bytes:
    kind = import_kind(kind_code)
    workbook = Workbook()
    data = workbook.active
    data.title = str(kind.label)[:31]
    data.append(kind.column_names)
    for cell in data[1]:
        cell.font = Font(bold=True)
    instructions = workbook.create_sheet(_("Instructions")[:31])
    instructions.append(
        [_("column"), _("required"), _("what to write"), _("allowed values"), _("example")]
    )
    for cell in instructions[1]:
        cell.font = Font(bold=True)
    for column in kind.columns:
        instructions.append(
            [
                column.name,
                _("yes") if column.required else _("no"),
                str(column.description),
                ", ".join(column.choices),
                column.example,
            ]
        )
    if kind_code == "kpi_measurements":
        instructions.append([])
        instructions.append([_("indicator"), _("name"), _("unit"), _("what is reported")])
        for indicator in indicators():
            instructions.append(
                [indicator.code, indicator.name, indicator.unit, indicator.definition]
            )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
