"""Small helpers shared by the apps' services."""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _


class Errors:
    """Collects field-level messages and raises them together as one ValidationError."""

    def __init__(self) -> None:
        self._messages: dict[str, list[str]] = {}

    def add(self, field: str | None, message: str) -> None:
        self._messages.setdefault(field or NON_FIELD_ERRORS, []).append(str(message))

    def __bool__(self) -> bool:
        return bool(self._messages)

    def raise_if_any(self) -> None:
        if self._messages:
            raise ValidationError(self._messages)


def apply_changes(
    instance: models.Model,
    changes: dict[str, Any],
    *,
    allowed: Iterable[str],
    frozen: Iterable[str] = (),
) -> set[str]:
    """Set the allowed fields; a frozen field may be repeated unchanged but never changed."""
    allowed = set(allowed)
    frozen = set(frozen)
    errors = Errors()
    changed: set[str] = set()
    for field, value in changes.items():
        if field in frozen:
            if _comparable(_current(instance, field)) != _comparable(value):
                errors.add(field, "This cannot be changed once recorded.")
            continue
        if field not in allowed:
            errors.add(field, "This field cannot be changed here.")
            continue
        if _comparable(_current(instance, field)) != _comparable(value):
            setattr(instance, field, value)
            changed.add(field)
    errors.raise_if_any()
    return changed


def _current(instance: models.Model, field: str):
    # A required foreign key not yet set on a new instance raises instead of giving None.
    try:
        return getattr(instance, field)
    except ObjectDoesNotExist:
        return None


def _comparable(value):
    if isinstance(value, models.Model):
        return (value._meta.label, value.pk)
    return value


def save_validated(instance: models.Model, *, actor=None, exclude: Iterable[str] = ()) -> None:
    """Full model validation (fields and database constraints), then save with the audit user.

    An IntegrityError from a race between validation and the write becomes a
    ValidationError, so callers answer 400 rather than 500.
    """
    instance.full_clean(exclude=list(exclude))
    if actor is not None and getattr(actor, "is_authenticated", False):
        instance._history_user = actor
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as error:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    "This change conflicts with another record saved at the same time."
                ]
            }
        ) from error


def delete_unless_protected(instance: models.Model, *, actor=None) -> None:
    """Delete with the audit user, or explain in words which records still depend on it.

    Protected references (``on_delete=PROTECT``) would otherwise surface as a 500.
    """
    if actor is not None and getattr(actor, "is_authenticated", False):
        instance._history_user = actor
    try:
        with transaction.atomic():
            instance.delete()
    except ProtectedError as error:
        blockers = sorted(
            {str(blocker._meta.verbose_name_plural) for blocker in error.protected_objects}
        )
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    _("%(object)s cannot be deleted while %(blockers)s refer to it.")
                    % {"object": instance, "blockers": ", ".join(blockers)}
                ]
            }
        ) from error


# Ids per statement, under SQLite's conservative limit of 999 parameters.
_HISTORY_CHUNK = 900


def bulk_insert(model: type[models.Model], objects: list, *, batch_size: int = 1000) -> list:
    """Insert new, already validated objects and set their primary keys, as ``bulk_create``.

    Django's bulk_create prepares every value of every row through its field's methods,
    which at 100,000 rows cost more than the database's own work. On PostgreSQL the rows
    go to psycopg2's ``execute_values`` as they are (it adapts dates, decimals and
    timestamps itself), with ``RETURNING`` giving the new keys in row order; elsewhere
    this is bulk_create. No signals are sent, as with bulk_create.
    """
    if connection.vendor != "postgresql" or not objects:
        return model.objects.bulk_create(objects, batch_size=batch_size)
    from psycopg2.extras import execute_values

    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    now = timezone.now()
    stamped = [
        field
        for field in fields
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    ]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} "
        f"({', '.join(quote(field.column) for field in fields)}) VALUES %s "
        f"RETURNING {quote(model._meta.pk.column)}"
    )
    attnames = [field.attname for field in fields]
    with connection.cursor() as cursor:
        for start in range(0, len(objects), batch_size):
            batch = objects[start : start + batch_size]
            for instance in batch:
                for field in stamped:
                    setattr(instance, field.attname, now)
            rows = [tuple(getattr(instance, name) for name in attnames) for instance in batch]
            # Errors as Django's (an IntegrityError is django.db's), as with bulk_create.
            with connection.wrap_database_errors:
                keys = execute_values(cursor.cursor, sql, rows, page_size=batch_size, fetch=True)
            for instance, (pk,) in zip(batch, keys, strict=True):
                instance.pk = pk
                instance._state.adding = False
                instance._state.db = connection.alias
    return objects


def copy_to_history(model: type[models.Model], ids, *, history_type: str, user=None) -> None:
    """One simple-history record per row of ``ids``, copied by the database itself.

    What simple-history's ``bulk_history_create`` does, without building every historical
    object in Python: a bulk write of thousands of rows keeps its audit trail (who, when,
    created "+" or changed "~") for the price of one INSERT … SELECT per batch.
    """
    history = model.history.model
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in model._meta.concrete_fields)
    when = connection.ops.adapt_datetimefield_value(timezone.now())
    user_id = user.pk if getattr(user, "is_authenticated", False) else None
    ids = list(ids)
    with connection.cursor() as cursor:
        for start in range(0, len(ids), _HISTORY_CHUNK):
            chunk = ids[start : start + _HISTORY_CHUNK]
            cursor.execute(
                f"INSERT INTO {quote(history._meta.db_table)} ({columns}, "
                f"{quote('history_date')}, {quote('history_type')}, {quote('history_user_id')}) "
                f"SELECT {columns}, %s, %s, %s FROM {quote(model._meta.db_table)} "
                f"WHERE {quote(model._meta.pk.column)} IN ({', '.join(['%s'] * len(chunk))})",
                [when, history_type, user_id, *chunk],
            )
