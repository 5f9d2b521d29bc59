"""The two aggregates of kpis.md that SQL spells differently per database.

``PercentileCont`` is PostgreSQL's ``percentile_cont`` (linear interpolation between the
two nearest ranks). ``StableMean`` is a mean that does not depend on the order rows arrive
in, so recomputing the same data always stores the same bits (a float sum in arrival order
would not). On SQLite both are registered on every connection by :func:`register_sqlite`,
so development and tests compute the same numbers from the same statements.

Each aggregate is one Django ``Aggregate`` (for ORM use) whose vendor-specific SQL comes
from one function (for the set-based statements of ``reports.aggregation.statements``).
"""

import math

from django.db.models import Aggregate, FloatField


def percentile_sql(vendor: str, expression: str, fraction: float) -> str:
    fraction = _fraction(fraction)
    if vendor == "postgresql":
        return f"percentile_cont({fraction!r}) WITHIN GROUP (ORDER BY {expression})"
    return f"percentile_cont({expression}, {fraction!r})"


def stable_mean_sql(vendor: str, expression: str) -> str:
    if vendor == "postgresql":
        # Summing in value order makes the float result independent of the plan.
        return f"avg({expression} ORDER BY {expression})"
    return f"stable_mean({expression})"


def _fraction(value) -> float:
    fraction = float(value)
    if not 0 <= fraction <= 1:
        raise ValueError(f"A percentile fraction lies between 0 and 1, not {value!r}.")
    return fraction


class PercentileCont(Aggregate):
    """``percentile_cont(fraction)`` of the expression's non-null values."""

    name = "PercentileCont"
    output_field = FloatField()
    allow_distinct = False

    def __init__(self, expression, fraction, **extra):
        self.fraction = _fraction(fraction)
        super().__init__(expression, **extra)

    def as_sql(self, compiler, connection, **extra_context):
        expression_sql, params = compiler.compile(self.get_source_expressions()[0])
        return percentile_sql(connection.vendor, expression_sql, self.fraction), params


class StableMean(Aggregate):
    """The mean of the expression's non-null values, independent of row order."""

    name = "StableMean"
    output_field = FloatField()
    allow_distinct = False

    def as_sql(self, compiler, connection, **extra_context):
        expression_sql, params = compiler.compile(self.get_source_expressions()[0])
        return stable_mean_sql(connection.vendor, expression_sql), params


class _SqlitePercentile:
    """percentile_cont as PostgreSQL computes it (src/backend/utils/adt/orderedsetaggs.c)."""

    def __init__(self) -> None:
        self.values: list[float] = []
        self.fraction: float | None = None

    def step(self, value, fraction) -> None:
        if fraction is not None:
            self.fraction = float(fraction)
        if value is not None:
            self.values.append(float(value))

    def finalize(self):
        if not self.values or self.fraction is None:
            return None
        values = sorted(self.values)
        position = self.fraction * (len(values) - 1)
        first = math.floor(position)
        second = math.ceil(position)
        low = values[first]
        if second == first:
            return low
        return low + (values[second] - low) * (position - first)


class _SqliteStableMean:
    def __init__(self) -> None:
        self.values: list[float] = []

    def step(self, value) -> None:
        if value is not None:
            self.values.append(float(value))

    def finalize(self):
        if not self.values:
            return None
        # fsum is exactly rounded, so the order of the rows does not matter.
        return math.fsum(self.values) / len(self.values)


def register_sqlite(sender, connection, **kwargs) -> None:
    """connection_created receiver: give SQLite the aggregates PostgreSQL has built in."""
    if connection.vendor != "sqlite":
        return
    connection.connection.create_aggregate("percentile_cont", 2, _SqlitePercentile)
    connection.connection.create_aggregate("stable_mean", 1, _SqliteStableMean)
