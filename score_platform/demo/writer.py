"""Bulk writing of generated rows: COPY on PostgreSQL, executemany on SQLite.

Rows are tuples in the producer's column order, primary keys included. Ids are handed
out here from each table's own sequence, so rows can point at each other before
anything is written, and an id is never reused (not even after ``--reset``, which keeps
old audit history unambiguous). No model signals fire, so no simple-history rows are
created for seeded data.

SQLite gets one prepared INSERT run over each batch (``executemany``): four times faster
than ``bulk_create``, whose per-value preparation and long multi-row statements dominate
at the default size. Other backends fall back to ``bulk_create``.
"""

import csv
import io
import itertools

from django.db import connection
from django.utils import timezone


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


class BulkLoad:
    """One writer per table; a full buffer flushes every table, parents first.

    With ``rebuild_indexes`` (large loads, PostgreSQL) the tables' secondary indexes,
    unique and foreign-key constraints are dropped for the load and created again
    afterwards, as PostgreSQL's manual advises for populating a database: one sorted
    index build and one validating join per constraint instead of millions of single
    index updates and queued foreign-key checks. The rebuilt constraints check every
    row, so nothing goes unchecked.
    """

    def __init__(self, tables: dict, *, batch: int = 20_000, rebuild_indexes: bool = False):
        self.order = list(tables)
        names = [model._meta.db_table for model, _columns in tables.values()]
        _lock(names)
        self._rebuilt = _drop_secondary_indexes(names) if rebuild_indexes else []
        stamp = timezone.now()
        self.writers = {
            name: TableWriter(model, columns, batch_size=batch, on_full=self.flush, stamp=stamp)
            for name, (model, columns) in tables.items()
        }

    def __getattr__(self, name: str) -> "TableWriter":
        try:
            return self.__dict__["writers"][name]
        except KeyError:
            raise AttributeError(name) from None

    def flush(self) -> None:
        for name in self.order:
            self.writers[name].flush()

    def close(self) -> dict[str, int]:
        self.flush()
        for writer in self.writers.values():
            writer.close()
        if self._rebuilt:
            with connection.cursor() as cursor:
                cursor.execute("SET maintenance_work_mem = '256MB'")
                for statement in self._rebuilt:
                    cursor.execute(statement)
                cursor.execute("RESET maintenance_work_mem")
        return {name: writer.written for name, writer in self.writers.items()}


class TableWriter:
    def __init__(self, model, columns: tuple[str, ...], *, batch_size: int, on_full, stamp):
        """``columns`` are the attnames the producer fills, in its order, ``id`` first.

        The other concrete fields are filled here: ``created_at``/``updated_at`` with
        the load's timestamp, any other with its default (so a field added later with a
        default does not break seeding).
        """
        self.model = model
        self.table = model._meta.db_table
        by_name = {field.attname: field for field in model._meta.concrete_fields}
        unknown = set(columns) - set(by_name)
        if unknown:
            raise ValueError(f"{model.__name__} has no fields {sorted(unknown)}")
        self._mode = (
            "copy" if is_postgresql() else "executemany" if connection.vendor == "sqlite" else "orm"
        )
        given = [by_name[name] for name in columns]
        rest = [field for field in model._meta.concrete_fields if field.attname not in columns]
        tail = []
        for field in rest:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value = stamp
            elif field.has_default() or field.null:
                value = field.get_default()
            else:
                raise ValueError(f"{model.__name__}.{field.attname} needs a value")
            if self._mode == "copy" and value is not None:
                value = str(value)  # formatted once, not once per row by the CSV writer
            adapt = _adapter(field, self._mode)
            tail.append(adapt(value) if adapt else value)
        self.fields = given + rest
        self._tail = tuple(tail)
        adapters = [(index, _adapter(field, self._mode)) for index, field in enumerate(given)]
        # COPY writes dates with str(), which is what PostgreSQL reads; only SQLite and
        # the ORM need Python-side adaptation of the producer's values.
        self._adapters = [(index, adapt) for index, adapt in adapters if adapt is not None]
        self.batch_size = batch_size
        self._on_full = on_full
        self.rows: list[tuple] = []
        self.written = 0
        self.first_id = first_free_id(self.table)
        # A C-level counter: ids are drawn once per row, millions of times.
        self._ids = itertools.count(self.first_id)
        self.next_id = self._ids.__next__

    def add(self, row: tuple) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.batch_size:
            self._on_full()

    def extend(self, rows: list[tuple]) -> None:
        self.rows.extend(rows)
        if len(self.rows) >= self.batch_size:
            self._on_full()

    def flush(self) -> None:
        if not self.rows:
            return
        rows, self.rows = self.rows, []
        if self._adapters:
            rows = [self._adapt(row) for row in rows]
        tail = self._tail
        if tail:
            rows = [(*row, *tail) for row in rows]
        if self._mode == "copy":
            self._copy_rows(rows)
        elif self._mode == "executemany":
            self._insert_rows(rows)
        else:
            names = [field.attname for field in self.fields]
            objects = [self.model(**dict(zip(names, row, strict=True))) for row in rows]
            self.model.objects.bulk_create(objects, batch_size=2000)
        self.written += len(rows)

    def close(self) -> None:
        self.flush()
        last_id = next(self._ids) - 1
        if self._mode == "copy" and last_id >= self.first_id:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [self.table, last_id]
                )

    def _adapt(self, row: tuple) -> tuple:
        row = list(row)
        for index, adapt in self._adapters:
            row[index] = adapt(row[index])
        return tuple(row)

    def _copy_rows(self, rows) -> None:
        # CSV COPY: None is written as an empty unquoted field (NULL); text columns that
        # may not be NULL are read with FORCE_NOT_NULL so an empty string stays ''. (In a
        # nullable text column '' would arrive as NULL; the seeded tables have none.)
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        buffer.seek(0)
        quote = connection.ops.quote_name
        columns = ", ".join(quote(field.column) for field in self.fields)
        not_null_text = [
            quote(field.column)
            for field in self.fields
            if not field.null and field.get_internal_type() in ("CharField", "TextField")
        ]
        options = "FORMAT csv"
        if not_null_text:
            options += f", FORCE_NOT_NULL ({', '.join(not_null_text)})"
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                f"COPY {quote(self.table)} ({columns}) FROM STDIN WITH ({options})", buffer
            )

    def _insert_rows(self, rows) -> None:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(field.column) for field in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {quote(self.table)} ({columns}) VALUES ({marks})", rows
            )


def _adapter(field, mode: str):
    """Dates and datetimes as the backend stores them (Django's own adaptation)."""
    if mode != "executemany":
        return None
    kind = field.get_internal_type()
    if kind == "DateTimeField":
        return _memoised(connection.ops.adapt_datetimefield_value)
    if kind == "DateField":
        return _memoised(connection.ops.adapt_datefield_value)
    return None


def _memoised(function):
    """Seeded rows share few distinct dates (months, the build's timestamp): adapt once."""
    seen = {}

    def adapt(value):
        if value is None:
            return None
        try:
            return seen[value]
        except KeyError:
            seen[value] = result = function(value)
            return result

    return adapt


def first_free_id(table: str) -> int:
    """The next id of the table's sequence (PostgreSQL) or AUTOINCREMENT counter (SQLite)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if is_postgresql():
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table])
            return cursor.fetchone()[0]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {quote(table)}")
        highest = cursor.fetchone()[0]
        if connection.vendor == "sqlite":
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            found = cursor.fetchone()
            if found:
                highest = max(highest, found[0])
        return highest + 1


def _lock(tables: list[str]) -> None:
    """Keep other writers out while ids are handed out from the sequences (PostgreSQL).

    SQLite locks the whole database at the first write anyway; there a bigger page cache
    (64 MB for this connection) keeps the index pages in memory during the load.
    """
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA cache_size = -65536")
        elif is_postgresql() and tables:
            names = ", ".join(quote(table) for table in tables)
            cursor.execute(f"LOCK TABLE {names} IN SHARE ROW EXCLUSIVE MODE")


def _drop_secondary_indexes(tables: list[str]) -> list[str]:
    if not is_postgresql():
        return []
    return _drop_postgresql_indexes(tables)


def _drop_postgresql_indexes(tables: list[str]) -> list[str]:
    with connection.cursor() as cursor:
        # A table with pending foreign-key checks (rows written or deleted earlier in this
        # transaction, e.g. by --reset) cannot be altered: run those checks now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    statements = _drop_and_recreate_statements(tables)
    # Back to Django's default, where every deferrable constraint (its foreign keys; the
    # project declares no other) is checked at commit.
    return [*statements, "SET CONSTRAINTS ALL DEFERRED"]


def _drop_and_recreate_statements(tables: list[str]) -> list[str]:
    """Drop the tables' indexes and constraints other than primary keys and checks.

    Returns the statements that create them again, exactly as they were (names and
    definitions read from the catalogue), unique constraints before foreign keys.
    """
    quote = connection.ops.quote_name
    drops, creates_unique, creates_index, creates_foreign = [], [], [], []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                """
                SELECT conname, contype, pg_get_constraintdef(oid)
                FROM pg_constraint
                WHERE conrelid = %s::regclass AND contype IN ('u', 'f')
                ORDER BY conname
                """,
                [table],
            )
            for name, kind, definition in cursor.fetchall():
                drops.append(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
                create = f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}"
                (creates_unique if kind == "u" else creates_foreign).append(create)
            cursor.execute(
                """
                SELECT index.relname, pg_get_indexdef(index.oid)
                FROM pg_index
                JOIN pg_class index ON index.oid = pg_index.indexrelid
                WHERE pg_index.indrelid = %s::regclass
                  AND NOT pg_index.indisprimary
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = index.oid)
                ORDER BY index.relname
                """,
                [table],
            )
            for name, definition in cursor.fetchall():
                drops.append(f"DROP INDEX {quote(name)}")
                creates_index.append(definition)
        for statement in drops:
            cursor.execute(statement)
    return creates_unique + creates_index + creates_foreign


def analyse(tables: list[str]) -> None:
    """Fresh planner statistics after a bulk load (PostgreSQL)."""
    if is_postgresql():
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"ANALYZE {quote(table)}")
