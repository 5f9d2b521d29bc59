"""Every write to KPI measurements, with the rules of kpis.md and domain.md in words."""

from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import partial

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises.models import Enterprise
from enterprises.permissions import can_record_progress
from partners.access import principal_of
from reports.models import AggregationRun, Indicator, KpiMeasurement
from reports.permissions import can_request_recompute
from score_platform.permissions import require
from score_platform.services import (
    Errors,
    apply_changes,
    bulk_insert,
    copy_to_history,
    delete_unless_protected,
    save_validated,
)

MEASUREMENT_FIELDS = {"period", "value", "is_baseline", "source", "verified_by", "note"}
# The largest value the column holds (14 digits, 4 after the point).
MAX_VALUE = Decimal("9999999999.9999")


def month_start(day: date) -> date:
    return day.replace(day=1)


def measurement_validate(measurement: KpiMeasurement, *, siblings=None) -> None:
    """Value range, period, one value per month, one baseline, nothing before the baseline.

    ``siblings`` are the enterprise's other values of the same indicator when the caller
    already holds them (a bulk write checks a batch against the stored values and its own
    earlier rows); otherwise they are read from the database, in one query.
    """
    errors = measurement_field_errors(measurement)
    if errors:
        errors.raise_if_any()
    if siblings is None:
        siblings = KpiMeasurement.objects.filter(
            enterprise_id=measurement.enterprise_id, indicator_id=measurement.indicator_id
        ).only("id", "period", "is_baseline")
    others = [
        sibling
        for sibling in siblings
        if sibling is not measurement and (measurement.pk is None or sibling.pk != measurement.pk)
    ]
    _check_against_siblings(measurement, others, errors)
    verifier = measurement.verified_by if measurement.verified_by_id else None
    if verifier is not None and verifier.organisation_id != measurement.enterprise.partner_id:
        errors.add("verified_by", _("The verifying trainer works for another organisation."))
    errors.raise_if_any()


def _check_against_siblings(measurement: KpiMeasurement, others: list, errors: Errors) -> None:
    indicator: Indicator = measurement.indicator
    period = measurement.period
    if period is None:
        return
    if any(sibling.period == period for sibling in others):
        errors.add(
            "period",
            _("%(enterprise)s already has a %(indicator)s value for %(month)s.")
            % {
                "enterprise": measurement.enterprise.name,
                "indicator": indicator.name,
                "month": period.strftime("%Y-%m"),
            },
        )
    baseline = next((sibling for sibling in others if sibling.is_baseline), None)
    if measurement.is_baseline:
        if baseline is not None:
            errors.add(
                "is_baseline",
                _("This enterprise already has a %(indicator)s baseline.")
                % {"indicator": indicator.name},
            )
        elif any(sibling.period < period for sibling in others):
            errors.add(
                "period",
                _("There are %(indicator)s values before this month; the baseline comes first.")
                % {"indicator": indicator.name},
            )
    elif baseline is not None and period < baseline.period:
        errors.add(
            "period",
            _("The %(indicator)s baseline is %(month)s; no value can come before it.")
            % {"indicator": indicator.name, "month": baseline.period.strftime("%Y-%m")},
        )


def measurement_field_errors(measurement: KpiMeasurement) -> Errors:
    """The checks of one measurement that need no other row: value range and period."""
    errors = Errors()
    indicator: Indicator = measurement.indicator
    value = measurement.value
    period = measurement.period
    if value is None:
        errors.add("value", _("Give the value as a number."))
    else:
        try:
            value = Decimal(value)
        except (InvalidOperation, TypeError, ValueError):
            errors.add("value", _("Give the value as a number."))
            errors.raise_if_any()
        if not value.is_finite():
            errors.add("value", _("Give the value as a number."))
        elif value < 0:
            errors.add("value", _("A KPI value cannot be negative."))
        elif indicator.is_percentage and value > 100:
            errors.add(
                "value",
                _("%(indicator)s is a percentage: the value is at most 100.")
                % {"indicator": indicator.name},
            )
        elif value > MAX_VALUE:
            errors.add("value", _("This value is too large."))
    if period is None:
        errors.add("period", _("Give the month of the value (YYYY-MM-01)."))
    elif period.day != 1:
        errors.add("period", _("A period is a month; give its first day (YYYY-MM-01)."))
    elif period > month_start(timezone.localdate()):
        errors.add("period", _("The period cannot be in the future."))
    return errors


@transaction.atomic
def measurement_record(
    *,
    actor,
    enterprise: Enterprise,
    indicator: Indicator,
    period: date,
    value,
    **fields,
) -> KpiMeasurement:
    require(
        can_record_progress(actor, partner_id=enterprise.partner_id),
        _("You may not report KPIs for this enterprise."),
    )
    measurement = KpiMeasurement(
        enterprise=enterprise,
        indicator=indicator,
        period=period,
        value=value,
        reported_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    apply_changes(measurement, fields, allowed=MEASUREMENT_FIELDS - {"period", "value"})
    measurement_validate(measurement)
    save_validated(measurement, actor=actor)
    results_stale(enterprise.pk, reach=False)
    return measurement


@transaction.atomic
def measurement_update(*, actor, measurement: KpiMeasurement, **changes) -> KpiMeasurement:
    require(
        can_record_progress(actor, partner_id=measurement.enterprise.partner_id),
        _("You may not change KPIs of this enterprise."),
    )
    apply_changes(
        measurement, changes, allowed=MEASUREMENT_FIELDS, frozen={"enterprise", "indicator"}
    )
    measurement_validate(measurement)
    save_validated(measurement, actor=actor)
    results_stale(measurement.enterprise_id, reach=False)
    return measurement


@transaction.atomic
def measurement_delete(*, actor, measurement: KpiMeasurement) -> None:
    require(
        can_record_progress(actor, partner_id=measurement.enterprise.partner_id),
        _("You may not delete KPIs of this enterprise."),
    )
    measurement._history_user = actor
    enterprise_id = measurement.enterprise_id
    measurement.delete()
    results_stale(enterprise_id, reach=False)


# --- the indicator catalogue (used by the ILO admin) ------------------------------------


def indicator_validate(indicator: Indicator) -> None:
    errors = Errors()
    if not (indicator.code or "").strip():
        errors.add("code", _("Give the indicator a code such as defect_rate."))
    if (
        indicator.pk
        and indicator.is_percentage
        and KpiMeasurement.objects.filter(indicator_id=indicator.pk, value__gt=100).exists()
    ):
        errors.add(
            "is_percentage",
            _("Some reported values of this indicator exceed 100; it cannot become a percentage."),
        )
    errors.raise_if_any()


@transaction.atomic
def indicator_save(*, actor, indicator: Indicator) -> Indicator:
    """Add an indicator to the KPI catalogue or change one (kpis.md)."""
    require(principal_of(actor).is_ilo_admin, _("Only ILO administrators manage indicators."))
    indicator.code = (indicator.code or "").strip()
    indicator_validate(indicator)
    save_validated(indicator, actor=actor)
    return indicator


@transaction.atomic
def indicator_delete(*, actor, indicator: Indicator) -> None:
    """Remove an indicator nobody reported; one with measurements stays in the catalogue."""
    require(principal_of(actor).is_ilo_admin, _("Only ILO administrators manage indicators."))
    delete_unless_protected(indicator, actor=actor)


# --- many measurements at once ----------------------------------------------------------


class BulkValidationError(Exception):
    """Rows that break the rules, by index in the batch: ``{3: {"period": ["…"]}}``."""

    def __init__(self, rows: dict[int, dict[str, list[str]]]):
        super().__init__(rows)
        self.rows = rows


BULK_BATCH_SIZE = 1000
# The fields a row may set besides its enterprise, indicator and period.
BULK_FIELDS = ("value", "is_baseline", "source", "note", "verified_by")
# The fields whose shape the model checks (choices, digits, length); the foreign keys are
# the batch's own objects and need no lookup.
_BULK_CHECKED_FIELDS = ("value", "source", "note")
# An IN list of this many ids at most per query (well under SQLite's variable limit).
_ID_CHUNK = 1000


@dataclass(frozen=True)
class BulkOutcome:
    """What a bulk write did, row by row: "created", "updated" or "unchanged"."""

    actions: list[str]
    measurements: list[KpiMeasurement]

    @property
    def created(self) -> int:
        return self.actions.count("created")

    @property
    def updated(self) -> int:
        return self.actions.count("updated")

    @property
    def unchanged(self) -> int:
        return self.actions.count("unchanged")


@transaction.atomic
def measurements_record_bulk(*, actor, rows: list[dict]) -> list[KpiMeasurement]:
    """Record a batch of new measurements: every row is saved, or none is.

    Each row holds what :func:`measurement_record` takes (``enterprise``, ``indicator``,
    ``period``, ``value`` and optional fields). A month that already has a value is an
    error, as it is for measurement_record. The rules are measurement_validate's, checked
    against the stored values and the batch's earlier rows in a few queries rather than
    several per row. A rule broken anywhere raises :class:`BulkValidationError` naming each
    bad row; a row the actor may not write raises PermissionDenied for the whole batch.
    """
    outcome = _bulk_save(actor=actor, rows=rows, correct_stored=False)
    return outcome.measurements


@transaction.atomic
def measurements_bulk_upsert(
    *, actor, rows: Sequence[dict], on_progress: Callable[[int, int], None] | None = None
) -> BulkOutcome:
    """Record or correct many KPI values at once (a spreadsheet import): all, or none.

    Like :func:`measurements_record_bulk`, except that a row for a month that already has a
    value corrects it, and a row that changes nothing is left alone: the same rows sent
    twice write nothing the second time. Fields a row leaves out keep their stored (or
    default) value.
    """
    return _bulk_save(actor=actor, rows=rows, correct_stored=True, on_progress=on_progress)


def _bulk_save(*, actor, rows, correct_stored: bool, on_progress=None) -> BulkOutcome:
    enterprises = {row["enterprise"].pk: row["enterprise"] for row in rows}
    indicators = {row["indicator"].pk: row["indicator"] for row in rows}
    for enterprise in enterprises.values():
        require(
            can_record_progress(actor, partner_id=enterprise.partner_id),
            _("You may not report KPIs for %(enterprise)s.") % {"enterprise": enterprise.name},
        )
    keys = (
        {(row["enterprise"].pk, row["indicator"].pk, row["period"]) for row in rows}
        if correct_stored
        else set()
    )
    stored, by_key = _stored_for_update(enterprises, indicators, keys)
    reporter = actor if getattr(actor, "is_authenticated", False) else None

    actions: list[str] = []
    touched: list[tuple[int, KpiMeasurement]] = []
    row_errors: dict[int, dict[str, list[str]]] = {}
    seen: set[tuple] = set()
    for index, row in enumerate(rows):
        key = (row["enterprise"].pk, row["indicator"].pk, row["period"])
        if key in seen:
            row_errors[index] = {
                "period": [_("This enterprise, indicator and month come twice in the batch.")]
            }
            actions.append("refused")
            continue
        seen.add(key)
        existing = by_key.get(key) if correct_stored else None
        try:
            if existing is None:
                measurement = _new_measurement(row, reporter)
                action = "created"
            else:
                measurement, action = existing, _correct(existing, row)
        except ValidationError as error:
            row_errors[index] = error.message_dict
            actions.append("refused")
            continue
        actions.append(action)
        if action != "unchanged":
            touched.append((index, measurement))

    # Each row is checked against the stored values it leaves alone and the batch's rows
    # before it, so every broken rule is reported once, on the later of the two rows.
    touched_pks = {measurement.pk for _index, measurement in touched if measurement.pk}
    accepted = {
        key: [sibling for sibling in group if sibling.pk not in touched_pks]
        for key, group in stored.items()
    }
    for index, measurement in touched:
        siblings = accepted.setdefault((measurement.enterprise_id, measurement.indicator_id), [])
        try:
            measurement_validate(measurement, siblings=siblings)
            _check_fields(measurement)
        except ValidationError as error:
            row_errors[index] = error.message_dict
            continue
        siblings.append(measurement)
    if row_errors:
        raise BulkValidationError(
            {index: _named(messages) for index, messages in sorted(row_errors.items())}
        )
    written = [measurement for _index, measurement in touched]
    _bulk_write(actor, written, on_progress=on_progress)
    return BulkOutcome(actions=actions, measurements=written)


def _new_measurement(row: dict, reporter) -> KpiMeasurement:
    measurement = KpiMeasurement(
        enterprise=row["enterprise"],
        indicator=row["indicator"],
        period=row["period"],
        value=_number(row["value"]),
        reported_by=reporter,
    )
    fields = {
        key: value
        for key, value in row.items()
        if key not in {"enterprise", "indicator", "period", "value"}
    }
    apply_changes(measurement, fields, allowed=MEASUREMENT_FIELDS - {"period", "value"})
    return measurement


def _correct(measurement: KpiMeasurement, row: dict) -> str:
    """Set what the row changes on a stored value: "updated", or "unchanged"."""
    values = {"value": _number(row["value"])}
    values.update({name: row[name] for name in BULK_FIELDS if name in row and name != "value"})
    unknown = set(row) - {"enterprise", "indicator", "period", *BULK_FIELDS}
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in unknown})
    if "source" in values:
        values["source"] = values["source"] or KpiMeasurement.Source.RECORDS
    if "note" in values:
        values["note"] = values["note"] or ""
    changed = [name for name, value in values.items() if _differs(measurement, name, value)]
    for name in changed:
        setattr(measurement, name, values[name])
    return "updated" if changed else "unchanged"


def _number(value):
    if isinstance(value, Decimal) or value is None:
        return value
    # What is not a number stays as given; measurement_validate explains it in words.
    with suppress(InvalidOperation, ValueError, TypeError):
        return Decimal(str(value))
    return value


def _differs(measurement: KpiMeasurement, name: str, value) -> bool:
    if name == "verified_by":  # compare ids: reading the trainer would cost a query a row
        return measurement.verified_by_id != (value.pk if value is not None else None)
    return getattr(measurement, name) != value


def _check_fields(measurement: KpiMeasurement) -> None:
    errors = {}
    for name in _BULK_CHECKED_FIELDS:
        model_field = KpiMeasurement._meta.get_field(name)
        try:
            setattr(measurement, name, model_field.clean(getattr(measurement, name), measurement))
        except ValidationError as error:
            errors[name] = error.messages
    if errors:
        raise ValidationError(errors)


def _named(messages: dict[str, list[str]]) -> dict[str, list[str]]:
    return {
        ("non_field_errors" if field == NON_FIELD_ERRORS else field): list(texts)
        for field, texts in messages.items()
    }


@dataclass(frozen=True, slots=True)
class _Stored:
    """What the sibling rules read of a stored value (a full model instance costs ~20×)."""

    pk: int
    period: date
    is_baseline: bool


def _stored_for_update(enterprises: dict, indicators: dict, keys: set[tuple]):
    """The stored values of the batch's enterprises and indicators: every one as a light
    :class:`_Stored` by (enterprise, indicator), and as a full instance only where the
    batch has a row for its month (``keys``), to be corrected.

    Locked until commit are the rows the rules hang on: each series' baseline (taken
    first, so the values are read after it can no longer move) and the rows the batch
    corrects. Another writer's new value, second baseline or moved month meets the
    database's unique constraints; locking every stored value instead (a month for 12,500
    enterprises locks a million rows) took PostgreSQL 11.6 s where reading them took 0.8 s.
    """
    groups: dict[tuple, list] = {}
    matched: list[int] = []
    enterprise_ids = list(enterprises)
    for start in range(0, len(enterprise_ids), _ID_CHUNK):
        series = KpiMeasurement.objects.filter(
            enterprise_id__in=enterprise_ids[start : start + _ID_CHUNK],
            indicator_id__in=list(indicators),
        ).order_by()
        list(series.filter(is_baseline=True).select_for_update().order_by("pk").values_list("pk"))
        stored = series.values_list("pk", "enterprise_id", "indicator_id", "period", "is_baseline")
        for pk, enterprise_id, indicator_id, period, is_baseline in stored:
            groups.setdefault((enterprise_id, indicator_id), []).append(
                _Stored(pk, period, is_baseline)
            )
            if (enterprise_id, indicator_id, period) in keys:
                matched.append(pk)
    by_key: dict[tuple, KpiMeasurement] = {}
    matched.sort()
    for start in range(0, len(matched), _ID_CHUNK):
        corrected = KpiMeasurement.objects.select_for_update().filter(
            pk__in=matched[start : start + _ID_CHUNK]
        )
        for measurement in corrected.order_by("pk"):
            # The batch's own objects, so messages name them without another query.
            measurement.enterprise = enterprises[measurement.enterprise_id]
            measurement.indicator = indicators[measurement.indicator_id]
            by_key[(measurement.enterprise_id, measurement.indicator_id, measurement.period)] = (
                measurement
            )
    return groups, by_key


def _bulk_write(actor, measurements: list[KpiMeasurement], *, on_progress=None) -> None:
    new = [measurement for measurement in measurements if measurement.pk is None]
    changed = [measurement for measurement in measurements if measurement.pk is not None]
    total, done = len(measurements), 0
    now = timezone.now()
    try:
        for start in range(0, len(new), BULK_BATCH_SIZE):
            batch = bulk_insert(KpiMeasurement, new[start : start + BULK_BATCH_SIZE])
            copy_to_history(
                KpiMeasurement,
                [measurement.pk for measurement in batch],
                history_type="+",
                user=actor,
            )
            done += len(batch)
            if on_progress:
                on_progress(done, total)
        for measurement in changed:
            measurement.updated_at = now
        for start in range(0, len(changed), BULK_BATCH_SIZE):
            batch = changed[start : start + BULK_BATCH_SIZE]
            KpiMeasurement.objects.bulk_update(batch, [*BULK_FIELDS, "updated_at"])
            copy_to_history(
                KpiMeasurement,
                [measurement.pk for measurement in batch],
                history_type="~",
                user=actor,
            )
            done += len(batch)
            if on_progress:
                on_progress(done, total)
    except IntegrityError as error:
        raise ValidationError(
            _("These values conflict with others saved at the same time; try again.")
        ) from error
    written = {measurement.enterprise_id for measurement in [*new, *changed]}
    if written:
        results_stale(*written, reach=False)


@transaction.atomic
def measurements_record_month(
    *, actor, enterprise: Enterprise, period: date, entries: Sequence[tuple[Indicator, dict | None]]
) -> BulkOutcome:
    """One enterprise's KPIs for one month, as a partner enters them on one form.

    ``entries`` pairs each indicator with its ``value``, ``source``, ``is_baseline`` and
    ``note``, or with None to clear the month's value. All are saved or none; a
    BulkValidationError's row indexes are the positions of the non-None entries.
    """
    require(
        can_record_progress(actor, partner_id=enterprise.partner_id),
        _("You may not report KPIs for this enterprise."),
    )
    cleared = [indicator.pk for indicator, values in entries if values is None]
    if cleared:
        for measurement in KpiMeasurement.objects.filter(
            enterprise=enterprise, period=period, indicator_id__in=cleared
        ).select_related("enterprise"):
            measurement_delete(actor=actor, measurement=measurement)
    rows = [
        {"enterprise": enterprise, "indicator": indicator, "period": period, **values}
        for indicator, values in entries
        if values is not None
    ]
    return measurements_bulk_upsert(actor=actor, rows=rows)


# --- the computed tables' incremental path ----------------------------------------------


@transaction.atomic
def results_stale(*enterprise_ids: int | None, kpis: bool = True, reach: bool = True) -> None:
    """Every write that can move computed figures calls this, inside its transaction.

    ``kpis``: the enterprises' KPI measurements changed; ``reach``: their training record
    (enrolments, attendance, visits, participants, size) changed. Which groups an enterprise
    belongs to (country, partner, sector, granted links, live enrolments) is re-derived by
    the recompute itself, so a change of membership only needs the call.

    The request is written to an outbox in this transaction, so it survives a broker
    outage; after commit one task per enterprise is enqueued, and only when no request for
    it was waiting already, so a burst of changes leads to a handful of runs.
    """
    from reports.models import PendingEnterpriseRecompute

    ids = sorted({int(enterprise_id) for enterprise_id in enterprise_ids if enterprise_id})
    if not ids:
        return
    now = timezone.now()
    table = PendingEnterpriseRecompute._meta.db_table
    with connection.cursor() as cursor:
        rows = ", ".join(["(%s, %s, %s, %s)"] * len(ids))
        cursor.execute(
            f"INSERT INTO {table} (enterprise_id, kpis, reach, requested_at) VALUES {rows} "
            "ON CONFLICT (enterprise_id) DO NOTHING RETURNING enterprise_id",
            [value for enterprise_id in ids for value in (enterprise_id, kpis, reach, now)],
        )
        created = sorted(row[0] for row in cursor.fetchall())
    waiting = PendingEnterpriseRecompute.objects.filter(
        enterprise_id__in=[enterprise_id for enterprise_id in ids if enterprise_id not in created]
    )
    if kpis:
        waiting.filter(kpis=False).update(kpis=True)
    if reach:
        waiting.filter(reach=False).update(reach=True)
    if created:
        transaction.on_commit(partial(_enqueue_recomputes, created))


def _enqueue_recomputes(enterprise_ids: list[int]) -> None:
    """One task per batch of enterprises: a 100,000-row import touching 12,500 enterprises
    sends a few dozen set-based runs, not 12,500 single-enterprise ones."""
    from django.conf import settings

    from reports.aggregation.recompute import DRAIN_BATCH, enqueue
    from reports.tasks import recompute_enterprise

    for start in range(0, len(enterprise_ids), DRAIN_BATCH):
        enqueue(
            recompute_enterprise,
            args=list(enterprise_ids[start : start + DRAIN_BATCH]),
            countdown=settings.KPI_RECOMPUTE_DELAY_SECONDS,
        )


# --- a rebuild asked for by a person (admin, dashboard button, API) ---------------------


def recompute_request(*, actor, history: bool = False) -> AggregationRun:
    """Queue a full rebuild on behalf of ``actor`` (ILO staff) and return its run.

    The run is recorded as queued before the task is sent, so the caller can show it at
    once; the worker takes the same row over. When the broker is unreachable the row stays
    queued and the error says so, which the status pages show.
    """
    from reports.aggregation.recompute import enqueue
    from reports.tasks import recompute_all

    require(can_request_recompute(actor), _("Only ILO staff may start a recompute."))
    run = AggregationRun.objects.create(
        kind=AggregationRun.Kind.FULL,
        scope=_("Everything, asked for by %(user)s") % {"user": actor.get_username()},
        with_history=history,
        status=AggregationRun.Status.QUEUED,
        requested_by=actor,
    )

    def send() -> None:
        result = enqueue(recompute_all, kwargs={"history": history, "run_id": run.pk})
        if result is None:
            AggregationRun.objects.filter(pk=run.pk, status=AggregationRun.Status.QUEUED).update(
                error=_("The task queue is unreachable; the run starts when it returns.")
            )

    transaction.on_commit(send)
    return run
