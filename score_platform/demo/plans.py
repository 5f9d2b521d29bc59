"""First pass over the enterprises: who they are and what happens to them, in outline.

Every enterprise draws from its own random stream (``{seed}/enterprise/{index}``), so its
plan does not depend on the order of work or on the size of the world around it. The
outline is enough to group enrolments into classroom sessions and to hand out the KPI
results by rank (see kpis.py); the second pass (records.py) fills in the rows.
"""

import bisect
import math
import random
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from score_platform.demo import kpis
from score_platform.demo import reference as ref
from score_platform.demo.catalogue import Coverage, TrainerPool

EMPLOYEES_PER_ENTERPRISE = 214.5  # 1,400 enterprises, just over 300,000 employees
SESSION_SIZE = 15  # enterprises per classroom session at most
SESSION_WINDOW = timedelta(days=30)  # enrolments due within this span share a classroom
# Partners start each module with a new group of enterprises every four months or so.
COHORT_DAYS = 120
# Enterprise indices (mod SCENARIO_CYCLE) that always play a given part, so even a small
# world shows every case the product must handle.
SCENARIO_CYCLE = 97
CLASSROOM_NOW = 1  # its foundation classroom was last month: status "classroom"
FUTURE_START = 2  # enrolled to start next month: status "planned"
DROPPED_OUT = 3  # withdrew from the foundation module and left the programme
OVERDUE = 4  # one follow-up visit, long after the classroom: overdue
NO_BASELINE = 5  # reports KPIs but never marked a baseline: not computable
ZERO_BASELINE = 6  # a baseline of 0 worker suggestions: not computable
REENROLLED = 7  # withdrew from the foundation module, then enrolled again


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_index(window_start: date, day: date) -> int:
    return (day.year - window_start.year) * 12 + day.month - window_start.month


@dataclass
class Context:
    seed: int
    months: int
    as_of: date  # the first day of the current month
    organisations: dict  # name -> id
    modules: dict  # code -> id
    classroom_days: dict  # module id -> days
    indicators: dict  # code -> id
    users: dict  # username -> id
    coverage: Coverage
    pool: TrainerPool
    # Derived from as_of and months:
    last_day: date = field(init=False)  # the last day of the last full month
    window_start: date = field(init=False)  # the first KPI month
    horizon: date = field(init=False)  # planned enrolments start at most this late
    periods: list = field(init=False)  # the first day of each KPI month, by month index

    def __post_init__(self):
        # Nothing later than the last full month has happened yet.
        self.last_day = self.as_of - timedelta(days=1)
        self.window_start = add_months(self.as_of, -self.months)
        self.horizon = self.last_day + timedelta(days=60)
        self.periods = [add_months(self.window_start, month) for month in range(self.months)]


@dataclass(slots=True)
class SessionPlan:
    id: int
    module_id: int
    partner_id: int
    country: str
    city: str
    starts_on: date
    trainer_ids: list


@dataclass(slots=True)
class EnrolmentPlan:
    code: str
    module_id: int
    started_on: date
    classroom_due: date | None  # None: the classroom lies after the last full month
    withdrawn: bool
    follow_up_cap: int | None  # a stalled enrolment: only this many follow-ups ever happen
    lead_trainer_id: int | None
    session: SessionPlan | None = None


@dataclass(slots=True)
class EnterprisePlan:
    index: int
    id: int
    country: str
    partner: str
    partner_id: int
    city: str
    sector: str
    size: float
    employees_total: int = 0
    employees_female: int = 0
    female_share: float = 0.0
    os_id: str = ""
    enrolments: list = field(default_factory=list)
    active: bool = True
    kpi_first: int = 0
    kpi_last: int = 0
    flagged_baseline: bool = True
    zero_baselines: tuple = ()
    scores: dict = field(default_factory=dict)
    improvements: dict = field(default_factory=dict)
    brands: list = field(default_factory=list)  # [brand name, link status]


def country_allocation(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Enterprises per country in proportion to the weights (largest remainder).

    When there are at least as many enterprises as countries, every country gets one.
    """
    if total <= 0 or not weights:
        return {}
    countries = sorted(weights)
    weight_sum = sum(weights.values())
    floor_share = 1 if total >= len(countries) else 0
    spare = total - floor_share * len(countries)
    quotas = {c: spare * weights[c] / weight_sum for c in countries}
    counts = {c: floor_share + int(quotas[c]) for c in countries}
    left = total - sum(counts.values())
    by_remainder = sorted(countries, key=lambda c: (-(quotas[c] - int(quotas[c])), c))
    for country in by_remainder[:left]:
        counts[country] += 1
    return counts


def eligible_partners(ctx: Context) -> dict[str, dict[str, int]]:
    """Per country, the partners whose active licence covers it now and for the horizon."""
    wco = ctx.modules["WCO"]
    result = {}
    for country, (_weight, partners, *_rest) in ref.COUNTRIES.items():
        able = {
            name: weight
            for name, weight in partners.items()
            if ctx.coverage.running_since(
                ctx.organisations[name], country, wco, through=ctx.horizon
            )
        }
        if able:
            result[country] = able
    return result


def plan_enterprises(ctx: Context, total: int, next_id) -> list[EnterprisePlan]:
    partners = eligible_partners(ctx)
    weights = {country: ref.COUNTRIES[country][0] for country in partners}
    countries = [
        country
        for country, count in country_allocation(total, weights).items()
        for _ in range(count)
    ]
    random.Random(f"{ctx.seed}/countries").shuffle(countries)
    plans = [
        plan_enterprise(ctx, index, country, partners[country], next_id())
        for index, country in enumerate(countries)
    ]
    _size_workforce(plans, total)
    _decide_links(plans)
    _assign_improvements(ctx, plans)
    return plans


_CUMULATIVE: dict[tuple, tuple[list, list[float]]] = {}


def weighted(rng, options: dict):
    """One key of ``options``, drawn with the given weights (one random number)."""
    items = tuple(options.items())
    table = _CUMULATIVE.get(items)
    if table is None:
        keys, cumulative, total = [], [], 0.0
        for key, weight in items:
            total += weight
            keys.append(key)
            cumulative.append(total)
        table = _CUMULATIVE[items] = (keys, cumulative)
    keys, cumulative = table
    return keys[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]


def plan_enterprise(ctx: Context, index: int, country: str, partners: dict, pk: int):
    rng = random.Random(f"{ctx.seed}/enterprise/{index}")
    scenario = index % SCENARIO_CYCLE
    partner = weighted(rng, partners)
    partner_id = ctx.organisations[partner]
    cities = ref.COUNTRIES[country][5]
    sector = weighted(rng, ref.SECTOR_MIX[country])
    plan = EnterprisePlan(
        index=index,
        id=pk,
        country=country,
        partner=partner,
        partner_id=partner_id,
        city=cities[min(len(cities) - 1, int(rng.expovariate(0.9)))],
        sector=sector,
        size=min(6000.0, max(8.0, math.exp(rng.gauss(math.log(120), 0.95)))),
    )
    plan.female_share = min(0.95, max(0.02, ref.SECTORS[sector][0] + rng.gauss(0, 0.1)))
    _plan_enrolments(ctx, plan, rng, scenario)
    _plan_reporting(ctx, plan, rng, scenario)
    for brand in ref.BRANDS:
        chance = ref.BRAND_COUNTRIES[brand].get(country, 0.0)
        chance *= ref.BRAND_SECTORS.get(sector, 0.15)
        if rng.random() < chance:
            plan.brands.append([brand, None])
    return plan


def _join_date(ctx: Context, rng, scenario: int) -> date:
    start, last = ctx.window_start, ctx.last_day
    if scenario == CLASSROOM_NOW:
        return last - timedelta(days=30)
    if scenario == FUTURE_START:
        return last + timedelta(days=rng.randint(10, 50))
    if scenario == OVERDUE:
        return start + timedelta(days=rng.randint(0, 27))
    draw = rng.random()
    if draw < 0.90:
        return start + timedelta(days=rng.randint(0, 27))
    if draw < 0.94:
        return start + timedelta(days=rng.randint(28, 88))
    return start + timedelta(days=rng.randint(0, (ctx.horizon - start).days))


def next_cohort(ctx: Context, plan: "EnterprisePlan", code: str, day: date, rng) -> date:
    """The partner's next intake date for the module in the country, on or after ``day``."""
    key = f"{plan.partner}|{plan.country}|{code}".encode()
    base = ctx.window_start + timedelta(days=zlib.crc32(key) % COHORT_DAYS - COHORT_DAYS)
    steps = max(0, math.ceil((day - base).days / COHORT_DAYS))
    return base + timedelta(days=steps * COHORT_DAYS + rng.randint(0, 6))


def _module_order(rng, sector: str, count: int) -> list[str]:
    favourites = {
        "garments": ("QM", "OSH"),
        "footwear": ("QM", "OSH"),
        "chemicals": ("CP", "OSH"),
        "food": ("CP", "QM"),
        "metal": ("OSH", "QM"),
        "automotive": ("QM", "OSH"),
        "hospitality": ("HRM", "QM"),
        "electronics": ("QM", "CP"),
    }.get(sector, ())
    others = sorted(
        ("QM", "CP", "HRM", "OSH"),
        key=lambda code: rng.random() - (0.6 if code in favourites else 0.0),
    )
    return ["WCO", *others[: count - 1]]


def _plan_enrolments(ctx: Context, plan: EnterprisePlan, rng, scenario: int) -> None:
    last, horizon = ctx.last_day, ctx.horizon
    wco_since = ctx.coverage.running_since(
        plan.partner_id, plan.country, ctx.modules["WCO"], through=horizon
    )
    joined = _join_date(ctx, rng, scenario)
    cursor = max(joined, wco_since)
    # Early joiners start together at the opening of the window; later ones join a cohort.
    in_cohort = joined > ctx.window_start + timedelta(days=88) and scenario != CLASSROOM_NOW
    stops_early = rng.random() < 0.02
    count = 1 if stops_early else weighted(rng, {1: 30, 2: 28, 3: 22, 4: 12, 5: 8})
    queue = _module_order(rng, plan.sector, count)
    reenrolled = False
    while queue and cursor <= horizon:
        code = queue.pop(0)
        module_id = ctx.modules[code]
        since = ctx.coverage.running_since(
            plan.partner_id, plan.country, module_id, through=horizon
        )
        if since is None:
            continue  # the partner's licence does not include this module here
        started = max(cursor, since)
        if in_cohort:
            cohort = next_cohort(ctx, plan, code, started, rng)
            # Every enterprise has its foundation enrolment, even one that joins last.
            if cohort <= horizon or plan.enrolments:
                started = cohort
        in_cohort = True  # every later enrolment joins its module's next cohort
        if started > horizon:
            break
        due = started + timedelta(days=rng.randint(14, 40))
        if scenario == CLASSROOM_NOW:
            due = started + timedelta(days=20)
        forced_withdrawal = (
            code == "WCO" and scenario in (DROPPED_OUT, REENROLLED) and not reenrolled
        )
        may_withdraw = scenario not in (CLASSROOM_NOW, OVERDUE)
        withdrawn = started <= last and (
            forced_withdrawal or (may_withdraw and rng.random() < 0.04)
        )
        lead = ctx.pool.pick(rng, plan.partner_id, plan.country, module_id, started)
        if due > last and rng.random() < 0.1:
            lead = None  # planned, trainer not yet assigned
        enrolment = EnrolmentPlan(
            code=code,
            module_id=module_id,
            started_on=started,
            classroom_due=due if due <= last and not withdrawn else None,
            withdrawn=withdrawn,
            follow_up_cap=None,
            lead_trainer_id=lead,
        )
        plan.enrolments.append(enrolment)
        if withdrawn:
            if code != "WCO":
                cursor = started + timedelta(days=rng.randint(30, 120))
                continue
            wants_again = scenario == REENROLLED or (scenario != DROPPED_OUT and rng.random() < 0.4)
            if not reenrolled and wants_again:
                reenrolled = True
                queue.insert(0, "WCO")
                cursor = started + timedelta(days=rng.randint(90, 200))
                continue
            plan.active = False  # dropped out of the programme
            break
        if enrolment.classroom_due is None:
            break  # the next module cannot start before this one's classroom
        if scenario == OVERDUE or (scenario != CLASSROOM_NOW and rng.random() < 0.07):
            enrolment.follow_up_cap = 1 if scenario == OVERDUE else rng.randint(0, 2)
            break  # a stalled enrolment: the enterprise goes no further for now
        cursor = due + timedelta(days=rng.randint(60, 240))
    if stops_early and plan.active and plan.enrolments:
        plan.active = False


def _plan_reporting(ctx: Context, plan: EnterprisePlan, rng, scenario: int) -> None:
    """Which months the enterprise reports KPIs: from its baseline month onwards."""
    last_month = ctx.months - 1
    first_start = plan.enrolments[0].started_on
    plan.kpi_first = min(last_month, max(0, month_index(ctx.window_start, first_start)))
    plan.kpi_last = last_month
    if not plan.active:
        stop = plan.enrolments[-1].started_on if plan.enrolments else first_start
        stop_month = month_index(ctx.window_start, stop) + rng.randint(3, 9)
        plan.kpi_last = max(plan.kpi_first, min(last_month, stop_month))
    plan.flagged_baseline = not (scenario == NO_BASELINE or rng.random() < 0.01)
    zero = []
    for shape in kpis.SHAPES.values():
        forced = scenario == ZERO_BASELINE and shape.code == "worker_suggestions"
        if forced or (shape.zero_baseline_share and rng.random() < shape.zero_baseline_share):
            zero.append(shape.code)
    plan.zero_baselines = tuple(zero)
    trained = [e for e in plan.enrolments if e.classroom_due is not None]
    span = (plan.kpi_last - plan.kpi_first) / max(1, last_month)
    for code in kpis.INDICATOR_CODES:
        aimed = sum(1 for e in trained if code in ref.MODULE_INDICATORS[e.code])
        plan.scores[code] = span + 0.35 * aimed + 0.15 * len(trained) + rng.gauss(0, 0.45)


def _size_workforce(plans: list[EnterprisePlan], total: int) -> None:
    """Log-normal sizes, scaled so the world has about 214 employees per enterprise."""
    raw = sum(plan.size for plan in plans)
    factor = EMPLOYEES_PER_ENTERPRISE * total / raw if raw else 1.0
    for plan in plans:
        plan.employees_total = max(5, round(plan.size * factor))
        plan.employees_female = min(
            plan.employees_total, round(plan.employees_total * plan.female_share)
        )


# Link statuses in turn: mostly granted, some still requested, a few revoked.
LINK_PATTERN = ["granted", "requested", "granted", "revoked", "granted", "granted", "requested"]
LINK_PATTERN += ["granted"] * 8 + ["revoked", "granted", "requested", "granted", "granted"]


def _decide_links(plans: list[EnterprisePlan]) -> None:
    turn = Counter()
    for plan in plans:
        for link in plan.brands:
            link[1] = LINK_PATTERN[turn[link[0]] % len(LINK_PATTERN)]
            turn[link[0]] += 1


def _assign_improvements(ctx: Context, plans: list[EnterprisePlan]) -> None:
    """Hand out each indicator's target improvements by rank (see kpis.py)."""
    for code, shape in kpis.SHAPES.items():
        computable = [
            plan
            for plan in plans
            if plan.flagged_baseline
            and plan.kpi_last > plan.kpi_first
            and code not in plan.zero_baselines
        ]
        computable.sort(key=lambda plan: (plan.scores[code], plan.index))
        count = len(computable)
        for rank, plan in enumerate(computable):
            plan.improvements[code] = shape.improvement_at((rank + 0.5) / count)
        rng = random.Random(f"{ctx.seed}/improvements/{code}")
        for plan in plans:
            if code not in plan.improvements:
                plan.improvements[code] = shape.improvement_at(rng.uniform(0.05, 0.95))


def plan_sessions(ctx: Context, plans: list[EnterprisePlan], next_id) -> list[SessionPlan]:
    """Group the enrolments whose classroom falls due within a month into sessions.

    A session starts a week after the latest start among its enterprises (on a weekday
    when that is still in the past) and lasts the module's classroom days.
    """
    buckets = defaultdict(list)
    for plan in plans:
        for enrolment in plan.enrolments:
            if enrolment.classroom_due is not None:
                key = (plan.partner_id, plan.country, enrolment.module_id)
                buckets[key].append((enrolment.classroom_due, plan.index, plan, enrolment))
    rng = random.Random(f"{ctx.seed}/sessions")
    sessions = []
    for key in sorted(buckets):
        partner_id, country, module_id = key
        groups, opened = [], None
        for member in sorted(buckets[key], key=lambda member: member[:2]):
            if not groups or len(groups[-1]) >= SESSION_SIZE or member[0] > opened + SESSION_WINDOW:
                groups.append([])
                opened = member[0]
            groups[-1].append(member)
        for chunk in groups:
            day = max(member[3].started_on for member in chunk) + timedelta(days=7)
            while day.weekday() >= 5 and day + timedelta(days=1) <= ctx.last_day:
                day += timedelta(days=1)
            city = Counter(member[2].city for member in chunk).most_common(1)[0][0]
            trainers = _session_trainers(ctx, rng, chunk, partner_id, country, module_id, day)
            session = SessionPlan(next_id(), module_id, partner_id, country, city, day, trainers)
            for member in chunk:
                member[3].session = session
            sessions.append(session)
    return sessions


def _session_trainers(ctx, rng, chunk, partner_id, country, module_id, day) -> list[int]:
    pool = ctx.pool
    leads = Counter(
        member[3].lead_trainer_id
        for member in chunk
        if member[3].lead_trainer_id and pool.can_lead(member[3].lead_trainer_id, module_id, day)
    )
    chosen = [trainer for trainer, _count in sorted(leads.items(), key=lambda i: (-i[1], i[0]))]
    chosen = chosen[:2]
    if not chosen or rng.random() < 0.3:
        extra = pool.pick(rng, partner_id, country, module_id, day)
        if extra is not None and extra not in chosen:
            chosen.append(extra)
    if not chosen:
        raise RuntimeError(f"No certified trainer for module {module_id} in {country} on {day}")
    return sorted(chosen)
