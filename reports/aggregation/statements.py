"""The set-based statements behind the computed reports tables, one per table or step.

Each ``build_*`` function computes a fresh set into a temporary table with one statement
(``GROUP BY``, ``percentile_cont``, ``FILTER``) and :func:`merge` writes only the
differences into the computed table: unchanged rows are not touched, so running the same
recompute twice leaves the tables identical, and readers inside the caller's transaction
boundary never see a half-built table. The same SQL runs on PostgreSQL and on SQLite; the
few spellings that differ are the methods of :class:`Dialect`.

All functions run on the caller's cursor, inside the caller's transaction.
"""

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from reports.aggregation.functions import percentile_sql, stable_mean_sql
from reports.models import (
    REACH_FIGURES,
    EnterpriseKpiResult,
    KpiMeasurement,
    KpiSummary,
    ReachSummary,
    Scope,
    ScopeGroup,
    ScopeMember,
)

RESULTS = EnterpriseKpiResult._meta.db_table
MEASUREMENTS = KpiMeasurement._meta.db_table
SUMMARIES = KpiSummary._meta.db_table
REACH = ReachSummary._meta.db_table
GROUPS = ScopeGroup._meta.db_table
MEMBERS = ScopeMember._meta.db_table

RESULT_VALUES = (
    "baseline_value",
    "baseline_period",
    "latest_value",
    "latest_period",
    "improvement_pct",
    "months_observed",
)
SUMMARY_VALUES = (
    "enterprises_reporting",
    "median_improvement_pct",
    "mean_improvement_pct",
    "p90_improvement_pct",
    "share_improved",
)
REACH_VALUES = REACH_FIGURES

# The latest value of a series in the same single pass as the rest of its aggregates:
# max(days · 10¹⁴ + value · 10⁴) picks the row of the latest period, and the value comes
# back as the remainder. Values have at most 10 digits before and 4 after the point, so the
# pair packs exactly into a 64-bit integer for periods up to the year 2152.
LATEST_KEY_SCALE = 10**14
VALUE_SCALE = 10**4


class Dialect:
    def __init__(self, connection) -> None:
        self.vendor = connection.vendor

    @property
    def is_postgresql(self) -> bool:
        return self.vendor == "postgresql"

    @property
    def has_full_join(self) -> bool:
        return self.is_postgresql or sqlite3.sqlite_version_info >= (3, 39)

    def differs(self, left: str, right: str) -> str:
        """Null-safe inequality (SQLite before 3.39 knows only IS NOT)."""
        operator = "IS DISTINCT FROM" if self.is_postgresql else "IS NOT"
        return f"{left} {operator} {right}"

    def days_since_1900(self, column: str) -> str:
        if self.is_postgresql:
            return f"({column} - DATE '1900-01-01')"
        return f"CAST(julianday({column}) - julianday('1900-01-01') AS INTEGER)"

    def scaled_value(self, column: str, scale: int) -> str:
        """A measurement (four decimals) times ``scale`` as an integer. PostgreSQL's numeric
        is exact, so the product is whole already (rounding it cost the full rebuild 0.2 s
        at profile L); SQLite's may be a float just below it."""
        if self.is_postgresql:
            return f"CAST({column} * {scale} AS BIGINT)"
        return f"CAST(ROUND({column} * {scale}) AS BIGINT)"

    def percentile(self, expression: str, fraction: float) -> str:
        return percentile_sql(self.vendor, expression, fraction)

    def mean(self, expression: str) -> str:
        return stable_mean_sql(self.vendor, expression)


def in_list(column: str, values: Sequence) -> tuple[str, list]:
    """``column IN (%s, ...)``; an empty list matches nothing."""
    values = list(values)
    if not values:
        return "1 = 0", []
    return f"{column} IN ({', '.join(['%s'] * len(values))})", values


@dataclass(frozen=True)
class Selection:
    """Which (group, indicator) summaries a run recomputes: every indicator of
    ``all_indicators``, plus ``indicators`` of ``groups``. ``None`` in place of a Selection
    means everything."""

    all_indicators: tuple[int, ...] = ()
    groups: tuple[int, ...] = ()
    indicators: tuple[int, ...] = ()

    @property
    def group_ids(self) -> tuple[int, ...]:
        return tuple(sorted({*self.all_indicators, *self.groups}))

    def __bool__(self) -> bool:
        return bool(self.all_indicators or (self.groups and self.indicators))

    def condition(self, group: str, indicator: str) -> tuple[str, list]:
        whole, whole_params = in_list(group, self.all_indicators)
        part, part_params = in_list(group, self.groups)
        narrowed, narrowed_params = in_list(indicator, self.indicators)
        return (
            f"({whole} OR ({part} AND {narrowed}))",
            [*whole_params, *part_params, *narrowed_params],
        )


def selection_of_groups(group_ids: Sequence[int] | None) -> "Selection | None":
    return None if group_ids is None else Selection(all_indicators=tuple(sorted(group_ids)))


def drop(cursor, *tables: str) -> None:
    for table in tables:
        cursor.execute(f"DROP TABLE IF EXISTS {table}", [])


def analyze(cursor, *tables: str, columns: Sequence[str] = ()) -> None:
    """Give PostgreSQL's planner statistics of fresh tables (temporary tables never get
    them from autovacuum, and a bad guess turns a hash join into a nested loop).

    ``columns``: only those the statements that read the tables join or group on (with
    the row count, which every ANALYZE gives). At profile L the reach's facts table took
    144 ms to analyze whole and 48 ms on its two keys."""
    if cursor.db.vendor == "postgresql":
        listed = f" ({', '.join(columns)})" if columns else ""
        for table in tables:
            cursor.execute(f"ANALYZE {table}{listed}", [])


def count(cursor, table: str) -> int:
    cursor.execute(f"SELECT COUNT(*) FROM {table}", [])
    return cursor.fetchone()[0]


def merge(
    cursor,
    *,
    target: str,
    fresh: str,
    keys: Sequence[str],
    values: Sequence[str] = (),
    within: str = "1 = 1",
    within_params: Iterable = (),
    stamp: str | None = "computed_at",
    now=None,
    changed: set | None = None,
    changed_key: str | None = None,
) -> int:
    """Make ``target`` equal ``fresh`` inside ``within`` (a condition on the target's ``t``).

    The differences are found first, in one read-only statement, then applied: rows whose
    values differ are updated (their ``stamp`` says when the figures last changed), new
    rows inserted, rows missing from the fresh set deleted. Returns the rows written, and
    adds the ``changed_key`` values of those rows to ``changed``.
    """
    dialect = Dialect(cursor.db)
    within_params = list(within_params)
    columns = [*keys, *values]
    stamp_column = [stamp] if stamp else []
    stamp_value = ["%s"] if stamp else []
    stamp_params = [now] if stamp else []
    cursor.execute(f"SELECT 1 FROM {target} AS t WHERE {within} LIMIT 1", within_params)
    if cursor.fetchone() is None:
        cursor.execute(
            f"INSERT INTO {target} ({', '.join([*columns, *stamp_column])}) "
            f"SELECT {', '.join([*columns, *stamp_value])} FROM {fresh} ORDER BY {', '.join(keys)}",
            stamp_params,
        )
        written = max(cursor.rowcount, 0)
        if changed is not None and written:
            cursor.execute(f"SELECT DISTINCT {changed_key} FROM {fresh}", [])
            changed.update(row[0] for row in cursor.fetchall())
        return written

    diff = f"{fresh}_diff"
    drop(cursor, diff)
    join = " AND ".join(f"t.{key} = f.{key}" for key in keys)
    differ = " OR ".join(dialect.differs(f"t.{value}", f"f.{value}") for value in values)
    differ = f"({differ})" if values else "1 = 0"
    scoped = (
        f"(SELECT t.id, {', '.join(f't.{c}' for c in columns)} FROM {target} AS t WHERE {within})"
    )
    fresh_columns = ", ".join(
        [*(f"COALESCE(f.{key}, t.{key}) AS {key}" for key in keys), *(f"f.{v}" for v in values)]
    )
    gone_columns = ", ".join([*(f"t.{key}" for key in keys), *["NULL"] * len(values)])
    if dialect.has_full_join:
        cursor.execute(
            f"CREATE TEMP TABLE {diff} AS "
            f"SELECT t.id AS target_id, f.{keys[0]} IS NULL AS is_gone, {fresh_columns} "
            f"FROM {fresh} AS f FULL JOIN {scoped} AS t ON {join} "
            f"WHERE t.id IS NULL OR f.{keys[0]} IS NULL OR {differ}",
            within_params,
        )
    else:
        cursor.execute(
            f"CREATE TEMP TABLE {diff} AS "
            f"SELECT t.id AS target_id, 0 AS is_gone, {fresh_columns} "
            f"FROM {fresh} AS f LEFT JOIN {scoped} AS t ON {join} "
            f"WHERE t.id IS NULL OR {differ} "
            f"UNION ALL SELECT t.id, 1, {gone_columns} FROM {scoped} AS t "
            f"WHERE NOT EXISTS (SELECT 1 FROM {fresh} AS f WHERE {join})",
            [*within_params, *within_params],
        )
    written = 0
    if values:
        assignments = ", ".join(f"{value} = d.{value}" for value in values)
        if stamp:
            assignments += f", {stamp} = %s"
        cursor.execute(
            f"UPDATE {target} SET {assignments} FROM {diff} AS d "
            f"WHERE {target}.id = d.target_id AND NOT d.is_gone",
            stamp_params,
        )
        written += max(cursor.rowcount, 0)
    cursor.execute(
        f"INSERT INTO {target} ({', '.join([*columns, *stamp_column])}) "
        f"SELECT {', '.join([*(f'd.{c}' for c in columns), *stamp_value])} FROM {diff} AS d "
        "WHERE d.target_id IS NULL",
        stamp_params,
    )
    written += max(cursor.rowcount, 0)
    cursor.execute(
        f"DELETE FROM {target} WHERE id IN (SELECT target_id FROM {diff} WHERE is_gone)",
        [],
    )
    written += max(cursor.rowcount, 0)
    if changed is not None and written:
        cursor.execute(f"SELECT DISTINCT {changed_key} FROM {diff}", [])
        changed.update(row[0] for row in cursor.fetchall())
    drop(cursor, diff)
    return written


# --- enterprise results ---------------------------------------------------------------


@dataclass(frozen=True)
class IdRange:
    """Enterprise ids from ``start`` (included) to ``stop`` (excluded); None: no bound."""

    start: int | None = None
    stop: int | None = None

    def condition(self, column: str) -> tuple[str, list]:
        parts, params = [], []
        if self.start is not None:
            parts.append(f"{column} >= %s")
            params.append(self.start)
        if self.stop is not None:
            parts.append(f"{column} < %s")
            params.append(self.stop)
        return (" AND ".join(parts) or "1 = 1"), params


def enterprise_condition(column: str, enterprises: "Sequence[int] | IdRange") -> tuple[str, list]:
    """The condition on ``column`` for some enterprises: a list of ids, or a range of them."""
    if isinstance(enterprises, IdRange):
        return enterprises.condition(column)
    return in_list(column, enterprises)


def enterprise_halves(cursor, first_percent: int = 50) -> tuple[IdRange, IdRange]:
    """Two ranges of enterprise ids, the first with ``first_percent`` of the enterprises."""
    cursor.execute(
        "SELECT id FROM enterprises_enterprise ORDER BY id "
        "LIMIT 1 OFFSET (SELECT COUNT(*) * %s / 100 FROM enterprises_enterprise)",
        [int(first_percent)],
    )
    row = cursor.fetchone()
    if row is None:  # no enterprise: the first part is everything, the second nothing
        return IdRange(), IdRange(start=0, stop=0)
    return IdRange(stop=row[0]), IdRange(start=row[0])


def build_results(
    cursor,
    *,
    as_of: date,
    enterprises: Sequence[int] | IdRange | None = None,
    into: str,
) -> int:
    """Every (enterprise, indicator) series as of the end of ``as_of``: baseline, latest
    non-baseline value, and the improvement of kpis.md (null when not computable).

    Returns the measurements read.
    """
    dialect = Dialect(cursor.db)
    where, params = "m.period <= %s", [as_of]
    if enterprises is not None:
        condition, chosen = enterprise_condition("m.enterprise_id", enterprises)
        where, params = f"{where} AND {condition}", [*params, *chosen]
    latest_key = (
        f"{dialect.days_since_1900('m.period')} * {LATEST_KEY_SCALE} "
        f"+ {dialect.scaled_value('m.value', VALUE_SCALE)}"
    )
    drop(cursor, into)
    cursor.execute(
        f"""
        CREATE TEMP TABLE {into} AS
        SELECT s.enterprise_id, s.indicator_id, s.baseline_value, s.baseline_period,
               s.latest_value, s.latest_period,
               CASE WHEN s.baseline_value > 0 AND s.latest_value IS NOT NULL THEN
                   CAST(CASE WHEN i.direction = 'higher' THEN s.latest_value - s.baseline_value
                             ELSE s.baseline_value - s.latest_value END
                        * 100 / s.baseline_value AS DOUBLE PRECISION)
               END AS improvement_pct,
               s.months_observed
        FROM (
            SELECT m.enterprise_id, m.indicator_id,
                   MAX(m.value) FILTER (WHERE m.is_baseline) AS baseline_value,
                   MAX(m.period) FILTER (WHERE m.is_baseline) AS baseline_period,
                   MAX({latest_key}) FILTER (WHERE NOT m.is_baseline)
                       %% {LATEST_KEY_SCALE} / {VALUE_SCALE}.0 AS latest_value,
                   MAX(m.period) FILTER (WHERE NOT m.is_baseline) AS latest_period,
                   COUNT(*) AS months_observed
            FROM {MEASUREMENTS} m
            WHERE {where}
            GROUP BY m.enterprise_id, m.indicator_id
        ) s
        JOIN reports_indicator i ON i.id = s.indicator_id
        """,
        params,
    )
    analyze(cursor, into, columns=("enterprise_id", "indicator_id"))
    cursor.execute(f"SELECT COALESCE(SUM(months_observed), 0) FROM {into}", [])
    return int(cursor.fetchone()[0])


def merge_results(
    cursor,
    *,
    fresh: str,
    enterprises: Sequence[int] | IdRange | None = None,
    now,
    changed_indicators: set | None = None,
) -> int:
    """Merge fresh results (of these enterprises: ids or a range of them); the indicators
    of the rows that changed go to ``changed_indicators``."""
    within, params = ("1 = 1", [])
    if enterprises is not None:
        within, params = enterprise_condition("t.enterprise_id", enterprises)
    return merge(
        cursor,
        target=RESULTS,
        fresh=fresh,
        keys=("enterprise_id", "indicator_id"),
        values=RESULT_VALUES,
        within=within,
        within_params=params,
        now=now,
        changed=changed_indicators,
        changed_key="indicator_id",
    )


# --- scope membership -----------------------------------------------------------------


def build_members(cursor, *, enterprise_ids: Sequence[int] | None = None, into: str) -> int:
    """The groups each enterprise counts in (kpis.md): the programme, its country, partner
    and sector, every brand with a granted supplier link, every module it has a live
    (non-withdrawn) enrolment in. Creates missing groups; returns the memberships found."""

    def restricted(column: str) -> tuple[str, list]:
        if enterprise_ids is None:
            return "", []
        condition, ids = in_list(column, enterprise_ids)
        return f" AND {condition}", ids

    enterprise_filter, enterprise_params = restricted("e.id")
    link_filter, link_params = restricted("l.enterprise_id")
    enrolment_filter, enrolment_params = restricted("en.enterprise_id")
    named = f"{into}_named"
    drop(cursor, named, into)
    cursor.execute(
        f"""
        CREATE TEMP TABLE {named} AS
        SELECT '{Scope.PROGRAMME}' AS scope, '' AS scope_key, e.id AS enterprise_id
            FROM enterprises_enterprise e WHERE 1 = 1{enterprise_filter}
        UNION ALL SELECT '{Scope.COUNTRY}', e.country, e.id
            FROM enterprises_enterprise e WHERE 1 = 1{enterprise_filter}
        UNION ALL SELECT '{Scope.PARTNER}', CAST(e.partner_id AS TEXT), e.id
            FROM enterprises_enterprise e WHERE 1 = 1{enterprise_filter}
        UNION ALL SELECT '{Scope.SECTOR}', e.sector, e.id
            FROM enterprises_enterprise e WHERE 1 = 1{enterprise_filter}
        UNION ALL SELECT '{Scope.BRAND}', CAST(l.brand_id AS TEXT), l.enterprise_id
            FROM partners_supplierlink l
            WHERE l.status = 'granted' AND l.enterprise_id IS NOT NULL{link_filter}
        UNION ALL SELECT '{Scope.MODULE}', tm.code, en.enterprise_id
            FROM modules_enrolment en JOIN modules_trainingmodule tm ON tm.id = en.module_id
            WHERE en.status <> 'withdrawn'{enrolment_filter}
        """,
        [
            *enterprise_params * 4,
            *link_params,
            *enrolment_params,
        ],
    )
    cursor.execute(
        f"""
        INSERT INTO {GROUPS} (scope, scope_key)
        SELECT DISTINCT n.scope, n.scope_key FROM {named} n
        WHERE NOT EXISTS (
            SELECT 1 FROM {GROUPS} g WHERE g.scope = n.scope AND g.scope_key = n.scope_key
        )
        """,
        [],
    )
    cursor.execute(
        f"""
        CREATE TEMP TABLE {into} AS
        SELECT g.id AS group_id, n.enterprise_id
        FROM {named} n JOIN {GROUPS} g ON g.scope = n.scope AND g.scope_key = n.scope_key
        """,
        [],
    )
    drop(cursor, named)
    analyze(cursor, into)
    return count(cursor, into)


def merge_members(cursor, *, fresh: str, enterprise_ids: Sequence[int] | None = None) -> int:
    within, params = ("1 = 1", [])
    if enterprise_ids is not None:
        within, params = in_list("t.enterprise_id", enterprise_ids)
    return merge(
        cursor,
        target=MEMBERS,
        fresh=fresh,
        keys=("group_id", "enterprise_id"),
        within=within,
        within_params=params,
        stamp=None,
    )


def groups_of(cursor, enterprise_ids: Sequence[int]) -> set[int]:
    condition, params = in_list("enterprise_id", enterprise_ids)
    cursor.execute(f"SELECT DISTINCT group_id FROM {MEMBERS} WHERE {condition}", params)
    return {row[0] for row in cursor.fetchall()}


# --- KPI summaries --------------------------------------------------------------------


def build_summaries(
    cursor,
    *,
    results: str = RESULTS,
    as_of: date,
    selection: Selection | None = None,
    scopes: Sequence[str] | None = None,
    into: str,
    append: bool = False,
) -> int:
    """Per group and indicator, over the enterprises with a computable result: how many,
    the median and p90 (percentile_cont), the mean, and the share with improvement > 0.

    ``append`` adds to an existing fresh table (one month after another for the history).
    Returns the results read.
    """
    dialect = Dialect(cursor.db)
    conditions, params = ["r.improvement_pct IS NOT NULL"], []
    if selection is not None:
        condition, ids = selection.condition("m.group_id", "r.indicator_id")
        conditions.append(condition)
        params += ids
    if scopes is not None:
        condition, names = in_list("g.scope", scopes)
        conditions.append(f"m.group_id IN (SELECT g.id FROM {GROUPS} g WHERE {condition})")
        params += names
    share = "CAST(COUNT(*) FILTER (WHERE r.improvement_pct > 0) AS DOUBLE PRECISION) / COUNT(*)"

    def grouped(results_sql: str, members_sql: str = MEMBERS) -> str:
        return f"""
            FROM {results_sql} r JOIN {members_sql} m ON m.enterprise_id = r.enterprise_id
            WHERE {" AND ".join(conditions)}
            GROUP BY m.group_id, r.indicator_id
        """

    # A run for some indicators only reads those indicators' results.
    narrowed_to, narrowed_params = "", []
    if selection is not None and not selection.all_indicators:
        condition, narrowed_params = in_list("indicator_id", selection.indicators)
        narrowed_to = f" AND {condition}"
    if dialect.is_postgresql:
        # PostgreSQL evaluates an ordered-set aggregate only after sorting every row by its
        # group (millions at profile L). Collecting each group's values with array_agg in a
        # hash aggregate, then applying the same aggregates to each collection, sorts each
        # group alone. (Reading the results in improvement order first, so that the
        # collections arrive nearly sorted, cost more than it saved: at profile L the sort
        # and the join behind it took 2.5 s against 0.9 s, the collections' sorts 0.6 s
        # against 1.4 s.)
        results_read = (
            f"(SELECT enterprise_id, indicator_id, improvement_pct FROM {results} "
            f"WHERE improvement_pct IS NOT NULL{narrowed_to})"
        )
        # The members of the chosen groups are read by group first ("OFFSET 0" keeps the
        # planner from probing the members index once per result instead: at profile L,
        # 95,000 probes took 1.7 s of a one-change run where a hash join takes 0.1 s).
        members_sql, member_params = MEMBERS, []
        if selection is not None:
            condition, member_params = in_list("group_id", selection.group_ids)
            members_sql = (
                f"(SELECT group_id, enterprise_id FROM {MEMBERS} WHERE {condition} OFFSET 0)"
            )
        figures = f"""
            SELECT c.group_id, c.indicator_id, c.enterprises_reporting,
                   p.median_improvement_pct, p.mean_improvement_pct, p.p90_improvement_pct,
                   c.share_improved
            FROM (
                SELECT m.group_id, r.indicator_id, COUNT(*) AS enterprises_reporting,
                       {share} AS share_improved, array_agg(r.improvement_pct) AS improvements
                {grouped(results_read, members_sql)}
            ) c
            CROSS JOIN LATERAL (
                SELECT {dialect.percentile("x", 0.5)} AS median_improvement_pct,
                       {dialect.mean("x")} AS mean_improvement_pct,
                       {dialect.percentile("x", 0.9)} AS p90_improvement_pct
                FROM unnest(c.improvements) AS x
            ) p
        """
    else:
        figures = f"""
            SELECT m.group_id, r.indicator_id, COUNT(*) AS enterprises_reporting,
                   {dialect.percentile("r.improvement_pct", 0.5)} AS median_improvement_pct,
                   {dialect.mean("r.improvement_pct")} AS mean_improvement_pct,
                   {dialect.percentile("r.improvement_pct", 0.9)} AS p90_improvement_pct,
                   {share} AS share_improved
            {grouped(results)}
        """
    select = f"""
        SELECT g.scope, g.scope_key, s.indicator_id, %s AS as_of,
               s.enterprises_reporting, s.median_improvement_pct, s.mean_improvement_pct,
               s.p90_improvement_pct, s.share_improved
        FROM ({figures}) s
        JOIN {GROUPS} g ON g.id = s.group_id
    """
    if dialect.is_postgresql:
        params = [as_of, *narrowed_params, *member_params, *params]
    else:
        params = [as_of, *params]
    if append:
        cursor.execute(f"INSERT INTO {into} {select}", params)
    else:
        drop(cursor, into)
        cursor.execute(f"CREATE TEMP TABLE {into} AS {select}", params)
    cursor.execute(f"SELECT COALESCE(SUM(enterprises_reporting), 0) FROM {into}", [])
    return int(cursor.fetchone()[0])


def group_condition(group_ids: Sequence[int] | None) -> tuple[str, list]:
    """A condition on ``t`` (a summary table) selecting the rows of the given groups."""
    if group_ids is None:
        return "1 = 1", []
    condition, ids = in_list("g.id", group_ids)
    return (
        f"EXISTS (SELECT 1 FROM {GROUPS} g WHERE {condition} "
        f"AND g.scope = t.scope AND g.scope_key = t.scope_key)",
        ids,
    )


def selection_condition(selection: Selection | None) -> tuple[str, list]:
    """A condition on ``t`` (KpiSummary) selecting the rows of a selection."""
    if selection is None:
        return "1 = 1", []
    condition, params = selection.condition("g.id", "t.indicator_id")
    return (
        f"EXISTS (SELECT 1 FROM {GROUPS} g WHERE g.scope = t.scope "
        f"AND g.scope_key = t.scope_key AND {condition})",
        params,
    )


def merge_summaries(
    cursor,
    *,
    fresh: str,
    table: str = SUMMARIES,
    values: Sequence[str] = SUMMARY_VALUES,
    keys: Sequence[str] = ("scope", "scope_key", "indicator_id", "as_of"),
    months: Sequence[date],
    selection: Selection | None = None,
    scopes: Sequence[str] | None = None,
    now,
) -> int:
    """Merge a fresh summary set for the given months (and selection, and scopes)."""
    condition, params = (
        group_condition(selection.group_ids)
        if table == REACH and selection
        else selection_condition(selection)
    )
    month_condition, month_params = in_list("t.as_of", months)
    conditions, params = [condition, month_condition], [*params, *month_params]
    if scopes is not None:
        scope_condition, names = in_list("t.scope", scopes)
        conditions.append(scope_condition)
        params += names
    return merge(
        cursor,
        target=table,
        fresh=fresh,
        keys=keys,
        values=values,
        within=" AND ".join(conditions),
        within_params=params,
        now=now,
    )


def prune_months(
    cursor,
    *,
    table: str,
    current: date,
    oldest_kept: date,
    history_scopes: Sequence[str],
    selection: Selection | None = None,
) -> int:
    """Scopes without a trend keep only the current month; the others keep their window."""
    condition, params = (
        group_condition(selection.group_ids)
        if table == REACH and selection
        else selection_condition(selection)
    )
    scope_condition, names = in_list("t.scope", history_scopes)
    cursor.execute(
        f"DELETE FROM {table} AS t WHERE {condition} AND ("
        f"(NOT ({scope_condition}) AND t.as_of <> %s) OR t.as_of < %s)",
        [*params, *names, current, oldest_kept],
    )
    return max(cursor.rowcount, 0)


# --- reach ----------------------------------------------------------------------------


PARTICIPANT_COUNTS = """
    COUNT(*) AS participants,
    COUNT(*) FILTER (WHERE role = 'manager') AS managers,
    COUNT(*) FILTER (WHERE role = 'worker') AS workers,
    COUNT(*) FILTER (WHERE gender = 'female') AS female,
    COUNT(*) FILTER (WHERE gender = 'male') AS male,
    COUNT(*) FILTER (WHERE gender = 'other') AS other,
    COUNT(*) FILTER (WHERE gender = 'undisclosed') AS undisclosed
"""
PARTICIPANT_COLUMNS = (
    "participants",
    "managers",
    "workers",
    "female",
    "male",
    "other",
    "undisclosed",
)


def build_reach(cursor, *, as_of: date, group_ids: Sequence[int] | None = None, into: str) -> int:
    """Per group, the reach figures of kpis.md. For a module group everything is counted
    within that module; for the other groups across all modules. Returns the rows read.

    Facts are first gathered per enterprise and module (module 0: across all modules, where
    a participant trained in several modules counts once), then summed over each group's
    members; countries and classroom sessions are counted distinct per group.
    """
    member_filter, member_params = "1 = 1", []
    enterprise_filter, params = "", []
    if group_ids is not None:
        member_filter, member_params = in_list("m.group_id", group_ids)
        condition, ids = in_list("group_id", group_ids)
        enterprise_filter = (
            f" AND {{column}} IN (SELECT enterprise_id FROM {MEMBERS} WHERE {condition})"
        )
        params = ids
    attended, trained, enrolled = f"{into}_attended", f"{into}_trained", f"{into}_enrolled"
    facts, group_modules = f"{into}_facts", f"{into}_modules"
    drop(cursor, attended, trained, enrolled, facts, group_modules, into)

    # Who attended what: a participant with at least one day in a session is trained.
    cursor.execute(
        f"""
        CREATE TEMP TABLE {attended} AS
        SELECT p.enterprise_id, s.module_id, a.session_id, a.participant_id, p.role, p.gender
        FROM modules_attendance a
        JOIN enterprises_participant p ON p.id = a.participant_id
        JOIN modules_classroomsession s ON s.id = a.session_id
        WHERE a.days_attended > 0{enterprise_filter.format(column="p.enterprise_id")}
        """,
        params,
    )
    analyze(
        cursor, attended, columns=("enterprise_id", "module_id", "session_id", "participant_id")
    )
    # Participants trained per enterprise and module, and once each across modules.
    cursor.execute(
        f"""
        CREATE TEMP TABLE {trained} AS
        SELECT enterprise_id, module_id, {PARTICIPANT_COUNTS}
        FROM (
            SELECT DISTINCT enterprise_id, module_id, participant_id, role, gender
            FROM {attended}
        ) per_module
        GROUP BY enterprise_id, module_id
        UNION ALL
        SELECT enterprise_id, 0, {PARTICIPANT_COUNTS}
        FROM (SELECT DISTINCT enterprise_id, participant_id, role, gender FROM {attended}) anywhere
        GROUP BY enterprise_id
        """,
        [],
    )
    # Enrolments (live, completed) and their visits, per enterprise and module, and across.
    cursor.execute(
        f"""
        CREATE TEMP TABLE {enrolled} AS
        SELECT en.enterprise_id, en.module_id,
               MAX(CASE WHEN en.status <> 'withdrawn' THEN 1 ELSE 0 END) AS is_enrolled,
               COUNT(*) FILTER (WHERE en.status = 'completed') AS modules_completed,
               COALESCE(SUM(v.visits), 0) AS visits
        FROM modules_enrolment en
        LEFT JOIN (
            SELECT enrolment_id, COUNT(*) AS visits
            FROM modules_consultationvisit GROUP BY enrolment_id
        ) v ON v.enrolment_id = en.id
        WHERE 1 = 1{enterprise_filter.format(column="en.enterprise_id")}
        GROUP BY en.enterprise_id, en.module_id
        """,
        params,
    )
    cursor.execute(
        f"""
        INSERT INTO {enrolled}
        SELECT enterprise_id, 0, MAX(is_enrolled), SUM(modules_completed), SUM(visits)
        FROM {enrolled} GROUP BY enterprise_id
        """,
        [],
    )
    analyze(cursor, trained, enrolled, columns=("enterprise_id", "module_id"))
    participant_columns = ", ".join(f"t.{column}" for column in PARTICIPANT_COLUMNS)
    participant_or_zero = ", ".join(
        f"COALESCE(t.{column}, 0) AS {column}" for column in PARTICIPANT_COLUMNS
    )
    # One row per enterprise and module (and 0) with everything a group sums.
    cursor.execute(
        f"""
        CREATE TEMP TABLE {facts} AS
        SELECT n.enterprise_id, n.module_id, n.is_enrolled,
               CASE WHEN n.modules_completed > 0 OR t.participants > 0 THEN 1 ELSE 0 END
                   AS is_trained,
               n.modules_completed, n.visits, {participant_or_zero},
               e.country, e.employees_total
        FROM {enrolled} n
        LEFT JOIN {trained} t ON t.enterprise_id = n.enterprise_id AND t.module_id = n.module_id
        JOIN enterprises_enterprise e ON e.id = n.enterprise_id
        UNION ALL
        SELECT t.enterprise_id, t.module_id, 0, 1, 0, 0, {participant_columns},
               e.country, e.employees_total
        FROM {trained} t
        JOIN enterprises_enterprise e ON e.id = t.enterprise_id
        WHERE NOT EXISTS (
            SELECT 1 FROM {enrolled} n
            WHERE n.enterprise_id = t.enterprise_id AND n.module_id = t.module_id
        )
        """,
        [],
    )
    analyze(cursor, facts, columns=("enterprise_id", "module_id"))
    cursor.execute(
        f"""
        CREATE TEMP TABLE {group_modules} AS
        SELECT g.id AS group_id, COALESCE(tm.id, 0) AS module_id
        FROM {GROUPS} g
        LEFT JOIN modules_trainingmodule tm ON g.scope = '{Scope.MODULE}' AND tm.code = g.scope_key
        """,
        [],
    )
    analyze(cursor, group_modules)
    sums = ", ".join(f"SUM({column}) AS {column}" for column in PARTICIPANT_COLUMNS)
    member_sums = ", ".join(
        f"COALESCE(SUM(f.{column}), 0) AS {column}" for column in PARTICIPANT_COLUMNS
    )
    # Totals per group and country first, so the countries of trained enterprises are
    # counted in the same pass.
    cursor.execute(
        f"""
        CREATE TEMP TABLE {into} AS
        SELECT g.scope, g.scope_key, %s AS as_of,
               totals.enterprises, totals.enterprises_enrolled, totals.enterprises_trained,
               totals.enterprises_completed, totals.countries, totals.employees_benefiting,
               totals.participants AS participants_trained,
               totals.managers AS participants_managers,
               totals.workers AS participants_workers,
               totals.female AS participants_female,
               totals.male AS participants_male,
               totals.other AS participants_other,
               totals.undisclosed AS participants_undisclosed,
               COALESCE(sessions.sessions, 0) AS classroom_sessions,
               totals.visits, totals.modules_completed
        FROM (
            SELECT per_country.group_id,
                   SUM(per_country.enterprises) AS enterprises,
                   SUM(per_country.enrolled) AS enterprises_enrolled,
                   SUM(per_country.trained) AS enterprises_trained,
                   SUM(per_country.completed) AS enterprises_completed,
                   COUNT(per_country.country) FILTER (WHERE per_country.trained > 0)
                       AS countries,
                   SUM(per_country.employees) AS employees_benefiting,
                   {sums},
                   SUM(per_country.visits) AS visits,
                   SUM(per_country.modules_completed) AS modules_completed
            FROM (
                SELECT m.group_id, f.country,
                       COUNT(*) AS enterprises,
                       COALESCE(SUM(f.is_enrolled), 0) AS enrolled,
                       COALESCE(SUM(f.is_trained), 0) AS trained,
                       COUNT(*) FILTER (WHERE f.modules_completed > 0) AS completed,
                       COALESCE(SUM(f.employees_total) FILTER (WHERE f.is_trained = 1), 0)
                           AS employees,
                       {member_sums},
                       COALESCE(SUM(f.visits), 0) AS visits,
                       COALESCE(SUM(f.modules_completed), 0) AS modules_completed
                FROM {MEMBERS} m
                JOIN {group_modules} gm ON gm.group_id = m.group_id
                LEFT JOIN {facts} f
                    ON f.enterprise_id = m.enterprise_id AND f.module_id = gm.module_id
                WHERE {member_filter}
                GROUP BY m.group_id, f.country
            ) per_country
            GROUP BY per_country.group_id
        ) totals
        JOIN {GROUPS} g ON g.id = totals.group_id
        LEFT JOIN (
            SELECT held.group_id, COUNT(*) AS sessions
            FROM (
                SELECT DISTINCT m.group_id, a.session_id
                FROM {MEMBERS} m
                JOIN {group_modules} gm ON gm.group_id = m.group_id
                JOIN (
                    SELECT DISTINCT enterprise_id, module_id, session_id FROM {attended}
                ) a ON a.enterprise_id = m.enterprise_id
                    AND (gm.module_id = 0 OR a.module_id = gm.module_id)
                WHERE {member_filter}
            ) held
            GROUP BY held.group_id
        ) sessions ON sessions.group_id = totals.group_id
        """,
        [as_of, *member_params, *member_params],
    )
    read = count(cursor, attended) + count(cursor, enrolled)
    drop(cursor, attended, trained, enrolled, facts, group_modules)
    return read


def merge_reach(
    cursor, *, fresh: str, month: date, group_ids: Sequence[int] | None = None, now
) -> int:
    return merge_summaries(
        cursor,
        fresh=fresh,
        table=REACH,
        values=REACH_VALUES,
        keys=("scope", "scope_key", "as_of"),
        months=[month],
        selection=selection_of_groups(group_ids),
        now=now,
    )
