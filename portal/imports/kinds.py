"""The three kinds of spreadsheet rows: their columns, how a row is read, and how rows are
saved. Saving goes through the apps' services, so an import obeys the same rules as a form.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enterprises import services as enterprise_services
from enterprises.models import Enterprise, Participant, Sector
from enterprises.selectors import enterprises_visible_to, participants_visible_to
from portal.imports import cells
from portal.imports.reading import ImportFileError
from reports import services as report_services
from reports.models import KpiMeasurement
from reports.selectors import indicators

CHUNK = 1000


@dataclass(frozen=True)
class ImportColumn:
    name: str
    required: bool
    description: object  # lazily translated
    example: object = ""
    choices: tuple = ()  # the codes a cell may hold, listed in the template


@dataclass
class Problem:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ParsedRow:
    row: int  # the row number a spreadsheet shows (the header is row 1)
    values: dict


@dataclass
class RunResult:
    actions: dict[int, str] = field(default_factory=dict)  # row → created/updated/unchanged
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class ImportContext:
    actor: object
    organisation: object | None  # the partner new enterprises are registered for


Progress = Callable[[int, int], None]


def _chunks(values: Sequence, size: int = CHUNK):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def problems_from(error: Exception, row: int, columns: dict[str, str]) -> list[Problem]:
    """A service's refusal of one row, message by message, named by the file's columns."""
    if isinstance(error, PermissionDenied):
        return [Problem(row, "", str(error) or _("You may not make this change."))]
    if hasattr(error, "error_dict"):
        return [
            Problem(
                row,
                "" if name == NON_FIELD_ERRORS else columns.get(name, name),
                message,
            )
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return [Problem(row, "", message) for message in error.messages]


class ImportKind:
    code: str
    label: object
    columns: tuple[ImportColumn, ...] = ()
    # Columns an export of the same list carries that an import ignores.
    ignored_columns: frozenset[str] = frozenset()
    # Service field names → file columns, for messages.
    field_columns: dict[str, str] = {"non_field_errors": ""}

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    def check_headers(self, headers: list[str]) -> None:
        missing = [c.name for c in self.columns if c.required and c.name not in headers]
        known = set(self.column_names) | self.ignored_columns
        unknown = [header for header in headers if header and header not in known]
        duplicated = sorted({header for header in headers if header and headers.count(header) > 1})
        problems = []
        if missing:
            problems.append(_("missing columns: %(columns)s") % {"columns": ", ".join(missing)})
        if unknown:
            problems.append(_("unknown columns: %(columns)s") % {"columns": ", ".join(unknown)})
        if duplicated:
            problems.append(
                _("columns given twice: %(columns)s") % {"columns": ", ".join(duplicated)}
            )
        if problems:
            raise ImportFileError(
                _(
                    "The first row does not match the %(kind)s template (%(problems)s). "
                    "Expected: %(expected)s."
                )
                % {
                    "kind": self.label,
                    "problems": "; ".join(problems),
                    "expected": ", ".join(self.column_names),
                }
            )

    def parse(self, row: int, cells_by_column: dict) -> tuple[dict, list[Problem]]:
        """The row's values by column, read by ``read_<column>`` (absent columns left out)."""
        values, problems = {}, []
        for column in self.columns:
            if column.name not in cells_by_column:
                continue
            reader = getattr(self, f"read_{column.name}")
            try:
                values[column.name] = reader(cells_by_column[column.name])
            except cells.CellError as error:
                problems.append(Problem(row, column.name, str(error)))
        return values, problems

    def prepare(self, context: ImportContext, rows: list[ParsedRow]) -> list[Problem]:
        """Look up what the rows refer to, all at once; problems for rows that point nowhere."""
        return []

    def run(self, context: ImportContext, rows: list[ParsedRow], progress: Progress) -> RunResult:
        raise NotImplementedError


# --- enterprises ------------------------------------------------------------------------

ENTERPRISE_FIELDS = (
    "name",
    "country",
    "city",
    "sector",
    "employees_total",
    "employees_female",
    "registration_number",
    "os_id",
    "status",
)


class EnterpriseImport(ImportKind):
    """Registers new enterprises for the partner, and corrects the ones it already serves.

    A row is the same enterprise as a stored one when it gives its ``id`` (from an export),
    or the same Open Supply Hub ID, or the same registration number in the same country,
    or else the same name in the same country.
    """

    code = "enterprises"
    label = gettext_lazy("Enterprises")
    columns = (
        ImportColumn("id", False, gettext_lazy("The platform's id, to correct an enterprise")),
        ImportColumn("name", True, gettext_lazy("The factory's name"), "Guangzhou Garments No. 2"),
        ImportColumn("country", True, gettext_lazy("ISO code (CN) or English name"), "CN"),
        ImportColumn("city", False, gettext_lazy("City"), "Guangzhou"),
        ImportColumn("sector", True, gettext_lazy("Sector code"), "garments", tuple(Sector.values)),
        ImportColumn("employees_total", True, gettext_lazy("Number of employees"), 250),
        ImportColumn("employees_female", False, gettext_lazy("Of whom women"), 140),
        ImportColumn(
            "registration_number", False, gettext_lazy("Unique in its country"), "9144-0101"
        ),
        ImportColumn("os_id", False, gettext_lazy("Open Supply Hub ID"), "CN2024123ABC"),
        ImportColumn(
            "status", False, gettext_lazy("Status"), "active", tuple(Enterprise.Status.values)
        ),
    )
    ignored_columns = frozenset({"partner", "modules"})

    def read_id(self, value):
        return cells.integer(value, required=False)

    def read_name(self, value):
        return cells.required_text(value, max_length=200)

    def read_country(self, value):
        return cells.country(value)

    def read_city(self, value):
        return cells.text(value, max_length=120)

    def read_sector(self, value):
        return cells.choice(value, Sector.choices)

    def read_employees_total(self, value):
        return cells.integer(value)

    def read_employees_female(self, value):
        return cells.integer(value, required=False) or 0

    def read_registration_number(self, value):
        return cells.text(value, max_length=64)

    def read_os_id(self, value):
        return cells.text(value, max_length=32)

    def read_status(self, value):
        return cells.choice(value, Enterprise.Status.choices, default=Enterprise.Status.ACTIVE)

    def prepare(self, context, rows):
        self._by_id, self._by_os_id, self._by_registration, self._by_name = {}, {}, {}, {}
        visible = enterprises_visible_to(context.actor).select_related("partner")
        ids = {row.values["id"] for row in rows if row.values.get("id")}
        os_ids = {row.values["os_id"] for row in rows if row.values.get("os_id")}
        registrations = {
            row.values["registration_number"]
            for row in rows
            if row.values.get("registration_number")
        }
        names = {row.values["name"] for row in rows if row.values.get("name")}
        found = []
        for chunk in _chunks(ids):
            found += visible.filter(pk__in=chunk)
        for chunk in _chunks(os_ids):
            found += visible.filter(os_id__in=chunk)
        for chunk in _chunks(registrations):
            found += visible.filter(registration_number__in=chunk)
        if context.organisation is not None:
            for chunk in _chunks(names):
                found += visible.filter(partner=context.organisation, name__in=chunk)
        for enterprise in found:
            self._remember(enterprise)
        return [
            Problem(
                row.row, "id", _("No enterprise with id %(id)s in your portfolio.") % row.values
            )
            for row in rows
            if row.values.get("id") and row.values["id"] not in self._by_id
        ]

    def _remember(self, enterprise):
        self._by_id[enterprise.pk] = enterprise
        if enterprise.os_id:
            self._by_os_id[enterprise.os_id] = enterprise
        if enterprise.registration_number:
            self._by_registration[(str(enterprise.country), enterprise.registration_number)] = (
                enterprise
            )
        self._by_name[(enterprise.partner_id, str(enterprise.country), enterprise.name.lower())] = (
            enterprise
        )

    def _match(self, context, values):
        if values.get("id"):
            return self._by_id.get(values["id"])
        if values.get("os_id") and values["os_id"] in self._by_os_id:
            return self._by_os_id[values["os_id"]]
        registration = (values.get("country"), values.get("registration_number"))
        if registration[1] and registration in self._by_registration:
            return self._by_registration[registration]
        if context.organisation is not None:
            return self._by_name.get(
                (context.organisation.pk, values.get("country"), values["name"].lower())
            )
        return None

    def run(self, context, rows, progress):
        result = RunResult()
        for number, row in enumerate(rows, start=1):
            fields = {name: row.values[name] for name in ENTERPRISE_FIELDS if name in row.values}
            existing = self._match(context, row.values)
            try:
                if existing is None:
                    if context.organisation is None:
                        raise ValidationError(_("Choose the partner these enterprises belong to."))
                    enterprise = enterprise_services.enterprise_register(
                        actor=context.actor, partner=context.organisation, **fields
                    )
                    self._remember(enterprise)
                    result.actions[row.row] = "created"
                else:
                    changes = {
                        name: value
                        for name, value in fields.items()
                        if getattr(existing, name) != value
                    }
                    if changes:
                        enterprise_services.enterprise_update(
                            actor=context.actor, enterprise=existing, **changes
                        )
                        result.actions[row.row] = "updated"
                    else:
                        result.actions[row.row] = "unchanged"
            except (ValidationError, PermissionDenied) as error:
                result.problems += problems_from(error, row.row, self.field_columns)
            if number % 100 == 0:
                progress(number, len(rows))
        return result


# --- participants -----------------------------------------------------------------------

PARTICIPANT_FIELDS = ("full_name", "role", "gender", "contract", "is_eit_member")


class ParticipantImport(ImportKind):
    """Adds participants to enterprises of the portfolio; the same enterprise and full name
    is the same person, whose role, gender, contract and team membership are corrected."""

    code = "participants"
    label = gettext_lazy("Participants")
    columns = (
        ImportColumn("enterprise_id", True, gettext_lazy("The enterprise's id on the platform"), 1),
        ImportColumn("full_name", True, gettext_lazy("Full name"), "Wang Fang"),
        ImportColumn("role", True, gettext_lazy("manager or worker"), "worker"),
        ImportColumn("gender", True, gettext_lazy("female, male, other or undisclosed"), "female"),
        ImportColumn("contract", False, gettext_lazy("permanent or temporary"), "permanent"),
        ImportColumn(
            "is_eit_member",
            False,
            gettext_lazy("Enterprise Improvement Team member: yes or no"),
            "yes",
        ),
    )
    field_columns = {"enterprise": "enterprise_id", "non_field_errors": ""}

    def read_enterprise_id(self, value):
        return cells.integer(value)

    def read_full_name(self, value):
        return cells.required_text(value, max_length=200)

    def read_role(self, value):
        return cells.choice(value, Participant.Role.choices)

    def read_gender(self, value):
        return cells.choice(value, Participant.Gender.choices)

    def read_contract(self, value):
        return cells.choice(
            value, Participant.Contract.choices, default=Participant.Contract.PERMANENT
        )

    def read_is_eit_member(self, value):
        return cells.boolean(value)

    def prepare(self, context, rows):
        ids = {row.values["enterprise_id"] for row in rows if "enterprise_id" in row.values}
        self._enterprises, self._participants = {}, {}
        for chunk in _chunks(ids):
            for enterprise in enterprises_visible_to(context.actor).filter(pk__in=chunk):
                self._enterprises[enterprise.pk] = enterprise
            for participant in participants_visible_to(context.actor).filter(
                enterprise_id__in=chunk
            ):
                self._participants[
                    (participant.enterprise_id, participant.full_name.casefold())
                ] = participant
        return _unknown_enterprises(rows, self._enterprises)

    def run(self, context, rows, progress):
        result = RunResult()
        for number, row in enumerate(rows, start=1):
            enterprise = self._enterprises[row.values["enterprise_id"]]
            fields = {name: row.values[name] for name in PARTICIPANT_FIELDS if name in row.values}
            key = (enterprise.pk, fields["full_name"].casefold())
            existing = self._participants.get(key)
            try:
                if existing is None:
                    participant = enterprise_services.participant_create(
                        actor=context.actor, enterprise=enterprise, **fields
                    )
                    self._participants[key] = participant
                    result.actions[row.row] = "created"
                else:
                    changes = {
                        name: value
                        for name, value in fields.items()
                        if name != "full_name" and getattr(existing, name) != value
                    }
                    if changes:
                        enterprise_services.participant_update(
                            actor=context.actor, participant=existing, **changes
                        )
                        result.actions[row.row] = "updated"
                    else:
                        result.actions[row.row] = "unchanged"
            except (ValidationError, PermissionDenied) as error:
                result.problems += problems_from(error, row.row, self.field_columns)
            if number % 100 == 0:
                progress(number, len(rows))
        return result


def _unknown_enterprises(rows, enterprises) -> list[Problem]:
    # The same words whether the id does not exist or belongs to another partner.
    return [
        Problem(
            row.row,
            "enterprise_id",
            _("No enterprise with id %(id)s in your portfolio.")
            % {"id": row.values["enterprise_id"]},
        )
        for row in rows
        if row.values.get("enterprise_id") not in enterprises
    ]


# --- KPI measurements -------------------------------------------------------------------


class KpiMeasurementImport(ImportKind):
    """Monthly KPI values through reports.services.measurements_bulk_upsert: the same rules
    as the KPI form, checked against the whole file, and written set by set."""

    code = "kpi_measurements"
    label = gettext_lazy("KPI measurements")
    columns = (
        ImportColumn("enterprise_id", True, gettext_lazy("The enterprise's id on the platform"), 1),
        ImportColumn(
            "indicator", True, gettext_lazy("Indicator code, e.g. defect_rate"), "defect_rate"
        ),
        ImportColumn("period", True, gettext_lazy("The month, YYYY-MM"), "2024-03"),
        ImportColumn("value", True, gettext_lazy("A number ≥ 0; percentages at most 100"), 4.5),
        ImportColumn(
            "is_baseline", False, gettext_lazy("yes for the baseline month, else no"), "no"
        ),
        ImportColumn(
            "source",
            False,
            gettext_lazy("How good the number is"),
            "records",
            tuple(KpiMeasurement.Source.values),
        ),
        ImportColumn("note", False, gettext_lazy("Optional note"), ""),
    )
    field_columns = {"enterprise": "enterprise_id", "verified_by": "", "non_field_errors": ""}

    def __init__(self):
        self._indicators = None
        self._source_choices = KpiMeasurement.Source.choices  # built once, not per row

    def _indicator_lookup(self):
        if self._indicators is None:
            self._indicators = {}
            for indicator in indicators():
                self._indicators[indicator.code.lower()] = indicator
                self._indicators[indicator.name.lower()] = indicator
        return self._indicators

    def read_enterprise_id(self, value):
        return cells.integer(value)

    def read_indicator(self, value):
        code = cells.required_text(value).lower()
        indicator = self._indicator_lookup().get(code)
        if indicator is None:
            raise cells.CellError(
                _("Unknown indicator “%(value)s”; use one of: %(codes)s.")
                % {
                    "value": cells.text(value),
                    "codes": ", ".join(sorted({i.code for i in self._indicator_lookup().values()})),
                }
            )
        return indicator

    def read_period(self, value):
        return cells.month(value)

    def read_value(self, value):
        return cells.decimal(value)

    def read_is_baseline(self, value):
        return cells.boolean(value)

    def read_source(self, value):
        return cells.choice(value, self._source_choices, default=KpiMeasurement.Source.RECORDS)

    def read_note(self, value):
        return cells.text(value, max_length=1000)

    def prepare(self, context, rows):
        ids = {row.values["enterprise_id"] for row in rows if "enterprise_id" in row.values}
        self._enterprises = {}
        for chunk in _chunks(ids):
            for enterprise in enterprises_visible_to(context.actor).filter(pk__in=chunk):
                self._enterprises[enterprise.pk] = enterprise
        return _unknown_enterprises(rows, self._enterprises)

    def run(self, context, rows, progress):
        batch = []
        for row in rows:
            values = dict(row.values)
            values["enterprise"] = self._enterprises[values.pop("enterprise_id")]
            batch.append(values)
        result = RunResult()
        try:
            outcome = report_services.measurements_bulk_upsert(
                actor=context.actor, rows=batch, on_progress=progress
            )
        except report_services.BulkValidationError as error:
            for index, field_errors in error.rows.items():
                result.problems += problems_from(
                    ValidationError(field_errors), rows[index].row, self.field_columns
                )
            return result
        except PermissionDenied as error:
            result.problems.append(Problem(rows[0].row if rows else 0, "", str(error)))
            return result
        for row, action in zip(rows, outcome.actions, strict=True):
            result.actions[row.row] = action
        return result


KINDS: dict[str, type[ImportKind]] = {
    kind.code: kind for kind in (EnterpriseImport, ParticipantImport, KpiMeasurementImport)
}


def import_kind(code: str) -> ImportKind:
    return KINDS[code]()
