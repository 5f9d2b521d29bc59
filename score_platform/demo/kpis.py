"""The shape of the demo KPIs: baselines by indicator and the spread of results.

Each enterprise gets a target improvement per indicator, taken from a normal
distribution with the median and 90th percentile below (the press releases' "up to"
figures are the p90s). Targets are handed out by rank, not drawn at random: the
enterprises that report an indicator are ordered by how far their training went (plus
noise) and the k-th of n gets the ((k + ½) / n)-quantile. The programme-wide median
and p90 of ``improvement_pct`` (kpis.md) then land on these figures for any world size,
and the enterprises that trained longest and in the matching modules improve most.
"""

import math
from dataclasses import dataclass
from statistics import NormalDist

Z90 = NormalDist().inv_cdf(0.9)


@dataclass(frozen=True)
class Shape:
    code: str
    median: float  # median improvement_pct
    p90: float  # 90th percentile of improvement_pct
    baseline_median: float | None  # None: by sector (productivity)
    baseline_sigma: float
    low: float
    high: float
    decimals: int
    zero_baseline_share: float = 0.0  # enterprises whose baseline is 0 (not computable)

    def improvement_at(self, quantile: float) -> float:
        spread = (self.p90 - self.median) / Z90
        value = self.median + spread * NormalDist().inv_cdf(quantile)
        # Lower-is-better values cannot fall below zero; keep the best a little above it.
        ceiling = 400.0 if self.higher_is_better else 92.0
        return max(-60.0, min(ceiling, value))

    @property
    def higher_is_better(self) -> bool:
        return self.code in HIGHER_IS_BETTER

    @property
    def is_percentage(self) -> bool:
        return self.code in PERCENTAGES


HIGHER_IS_BETTER = frozenset({"productivity", "worker_suggestions"})
PERCENTAGES = frozenset({"defect_rate", "waste", "absenteeism", "staff_turnover"})


SHAPES = {
    shape.code: shape
    for shape in [
        Shape("productivity", 18, 50, None, 0.35, 0.05, 500, 3),
        Shape("defect_rate", 24, 64, 8.0, 0.5, 0.5, 40, 2),
        Shape("waste", 17, 48, 9.0, 0.5, 1.0, 45, 2),
        Shape("accidents", 9, 29, 1.0, 0.6, 0.2, 8, 3, zero_baseline_share=0.02),
        Shape("absenteeism", 7, 22, 6.0, 0.4, 1.0, 25, 2),
        Shape("staff_turnover", 10, 32, 4.0, 0.5, 0.3, 20, 2),
        Shape("worker_suggestions", 60, 250, None, 0.0, 1, 12, 0, zero_baseline_share=0.06),
        Shape("energy_intensity", 8, 27, 0.8, 0.7, 0.02, 30, 3),
    ]
}
INDICATOR_CODES = list(SHAPES)


def baseline_value(shape: Shape, rng, *, productivity_median: float) -> float:
    if shape.code == "worker_suggestions":
        return float(rng.randint(int(shape.low), int(shape.high)))
    median = productivity_median if shape.baseline_median is None else shape.baseline_median
    value = median * math.exp(rng.gauss(0.0, shape.baseline_sigma))
    return min(shape.high, max(shape.low, value))


def latest_value(shape: Shape, baseline: float, improvement: float) -> float:
    """The value whose improvement_pct against ``baseline`` is ``improvement``."""
    factor = 1 + improvement / 100 if shape.higher_is_better else 1 - improvement / 100
    return baseline * factor


def series(shape: Shape, rng, *, baseline: float, latest: float, months: list[int]):
    """Values for the given month offsets: the baseline first, the latest exactly last.

    In between, a learning curve (fast at first, then levelling off) with a little noise.
    """
    first, last = months[0], months[-1]
    if first == last:
        return [baseline]
    span, change, random_ = last - first, latest - baseline, rng.random
    # Uniform noise of ±8.5 % (a standard deviation of 5 %): cheaper than gauss in bulk.
    middle = [
        (baseline + change * ((month - first) / span) ** 0.6) * (0.915 + 0.17 * random_())
        for month in months[1:-1]
    ]
    return [baseline, *middle, latest]


def formatted_all(shape: Shape, values: list[float]) -> list[str]:
    """:func:`formatted` over a series, without a call per value."""
    ceiling = 100.0 if shape.is_percentage else math.inf
    if shape.decimals == 0:
        return [str(int(round(min(ceiling, max(0.0, value))))) for value in values]
    pattern = f"%.{shape.decimals}f"
    return [pattern % min(ceiling, max(0.0, value)) for value in values]


def formatted(shape: Shape, value: float) -> str:
    """The value as stored: non-negative, percentages at most 100, at the shape's precision."""
    value = max(0.0, value)
    if shape.is_percentage:
        value = min(100.0, value)
    if shape.decimals == 0:
        return str(int(round(value)))
    return f"{value:.{shape.decimals}f}"
