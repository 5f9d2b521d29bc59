"""Second pass: the rows of one enterprise, from its plan.

Everything here keeps to the rules the services enforce (domain.md): the intake visit
before the classroom, follow-ups within about three months of it, status moving forward
with the dates, certified trainers of the enterprise's own partner on the day, the
baseline as the first KPI month and nothing before it, percentages at most 100.
"""

import math
import random
from datetime import UTC, date, datetime, time, timedelta

from score_platform.demo import kpis
from score_platform.demo import reference as ref
from score_platform.demo.catalogue import person_name
from score_platform.demo.plans import Context, EnterprisePlan, month_index, weighted

OS_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

COLUMNS = {
    "enterprise": (
        "id", "name", "country", "city", "sector", "os_id",
        "employees_total", "employees_female", "partner_id", "registration_number", "status",
    ),
    "participant": (
        "id", "enterprise_id", "full_name", "role", "gender",
        "contract", "is_eit_member",
    ),
    "enrolment": (
        "id", "enterprise_id", "module_id", "partner_id",
        "lead_trainer_id", "status", "started_on", "completed_on", "fee_amount", "fee_currency",
        "paid_by",
    ),
    "session": (
        "id", "module_id", "partner_id", "starts_on", "ends_on",
        "venue", "city", "country",
    ),
    "session_trainer": ("id", "classroomsession_id", "trainer_id"),
    "attendance": (
        "id", "session_id", "participant_id", "days_attended",
    ),
    "visit": (
        "id", "enrolment_id", "kind", "trainer_id", "visited_on",
        "duration_hours", "eit_members_present", "summary", "next_steps",
    ),
    "project": (
        "id", "enrolment_id", "title", "description", "owner_name",
        "due_on", "status", "indicator_id", "savings_estimate", "savings_realised",
        "savings_currency", "created_by_id",
    ),
    "kpi": (
        "id", "enterprise_id", "indicator_id", "period", "value",
        "is_baseline", "source", "verified_by_id", "reported_by_id", "note",
    ),
    "link": (
        "id", "brand_id", "enterprise_id", "requested_enterprise_id",
        "requested_os_id", "status", "requested_at", "requested_by_id", "decided_at",
        "decided_by_id",
    ),
}  # fmt: skip

PROJECT_STATUS = {
    "classroom": {"open": 80, "in_progress": 20},
    "consulting": {"open": 25, "in_progress": 45, "done": 22, "dropped": 8},
    "completed": {"done": 70, "in_progress": 18, "dropped": 12},
}
PAID_BY = {"enterprise": 35, "donor": 25, "ilo": 15, "partner": 10, "brand": 15}


def os_code(number: int, width: int = 6) -> str:
    digits = []
    for _ in range(width):
        number, remainder = divmod(number, 32)
        digits.append(OS_ALPHABET[remainder])
    return "".join(reversed(digits))


def open_supply_hub_id(rng, country: str, number: int) -> str:
    """An id in Open Supply Hub's shape (country, year, day, code); unique per number."""
    return f"{country}{rng.randint(2019, 2024)}{rng.randint(1, 365):03d}{os_code(number)}"


def moment(rng, day: date) -> datetime:
    return datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)), tzinfo=UTC)


def write_sessions(ctx: Context, writers, sessions) -> None:
    rng = random.Random(f"{ctx.seed}/venues")
    for session in sessions:
        days = ctx.classroom_days[session.module_id]
        venue = f"{session.city} {rng.choice(ref.VENUES)}"
        writers.session.add(
            (
                session.id,
                session.module_id,
                session.partner_id,
                session.starts_on,
                session.starts_on + timedelta(days=days - 1),
                venue,
                session.city,
                session.country,
            )
        )
        for trainer_id in session.trainer_ids:
            writers.session_trainer.add((writers.session_trainer.next_id(), session.id, trainer_id))


def write_enterprise(ctx: Context, writers, plan: EnterprisePlan) -> None:
    rng = random.Random(f"{ctx.seed}/records/{plan.index}")
    words = ref.SECTORS[plan.sector][1]
    suffix = ref.COUNTRIES[plan.country][4]
    core = f"{rng.choice(ref.NAME_WORDS)} {rng.choice(words)}"
    if rng.random() < 0.3:
        core = f"{plan.city} {rng.choice(words)}"
    name = f"PT {core}" if plan.country == "ID" else f"{core} {suffix}"
    share = 0.6 if plan.sector in ("garments", "footwear") else 0.3
    plan.os_id = open_supply_hub_id(rng, plan.country, plan.index) if rng.random() < share else ""
    writers.enterprise.add(
        (
            plan.id,
            name,
            plan.country,
            plan.city,
            plan.sector,
            plan.os_id,
            plan.employees_total,
            plan.employees_female,
            plan.partner_id,
            f"{plan.country}-{plan.index + 1:07d}",
            "active" if plan.active else "inactive",
        )
    )
    participants = _participants(ctx, writers, plan, rng)
    verifications = {}
    has_granted_link = any(status == "granted" for _brand, status in plan.brands)
    for enrolment in plan.enrolments:
        _enrolment(
            ctx, writers, plan, enrolment, participants, verifications, has_granted_link, rng
        )
    _kpis(ctx, writers, plan, verifications, rng)
    _links(ctx, writers, plan, rng)


def _participants(ctx, writers, plan, rng) -> list[tuple]:
    """Managers and workers; most teams mix roles, women and men, permanent and temporary."""
    count = weighted(rng, {2: 30, 3: 40, 4: 18, 5: 8, 6: 4})
    mixed = rng.random() < 0.75
    female_chance = 0.05 + 0.9 * plan.female_share
    people = []
    for position in range(count):
        if position < 2:
            role = "manager" if position == 0 else "worker"
        else:
            role = "worker" if rng.random() < 0.65 else "manager"
        if mixed and position == 1:
            gender = "male" if people[0][2] == "female" else "female"
        elif rng.random() < 0.015:
            gender = rng.choice(("other", "undisclosed"))
        else:
            gender = "female" if rng.random() < female_chance else "male"
        if mixed and position < 2:
            contract = "permanent" if position == 0 else "temporary"
        elif role == "manager":
            contract = "permanent" if rng.random() < 0.95 else "temporary"
        else:
            contract = "temporary" if rng.random() < 0.25 else "permanent"
        eit = mixed or rng.random() < 0.6
        name_gender = gender if gender in ("female", "male") else rng.choice(("female", "male"))
        full_name = person_name(rng, plan.country, name_gender)
        pk = writers.participant.next_id()
        people.append((pk, role, gender, contract, eit, full_name))
        writers.participant.add((pk, plan.id, full_name, role, gender, contract, eit))
    return people


def _enrolment(ctx, writers, plan, enrolment, participants, verifications, branded, rng):
    last, pool = ctx.last_day, ctx.pool
    pk = writers.enrolment.next_id()
    session = enrolment.session
    visits = []
    if enrolment.code == "WCO" and enrolment.started_on <= last:
        intake = enrolment.started_on + timedelta(days=rng.randint(0, 5))
        if session is not None:
            intake = min(intake, session.starts_on - timedelta(days=1))
        if intake <= last:
            visits.append(("intake", intake))
    completed_on = None
    if enrolment.withdrawn:
        status = "withdrawn"
    elif session is None:
        status = "planned"
    else:
        ended = session.starts_on + timedelta(days=ctx.classroom_days[enrolment.module_id] - 1)
        due = [ended + timedelta(days=28 * k + rng.randint(-5, 5)) for k in (1, 2, 3)]
        if enrolment.follow_up_cap is not None:
            due = due[: enrolment.follow_up_cap]
        done = [day for day in due if day <= last]
        visits += [("follow_up", day) for day in done]
        status = "consulting" if done else "classroom"
        if enrolment.follow_up_cap is None and len(done) == len(due):
            finished = done[-1] + timedelta(days=rng.randint(3, 25))
            if finished <= last:
                status, completed_on = "completed", finished
                year_after = session.starts_on + timedelta(days=365 + rng.randint(-20, 30))
                if year_after <= last and rng.random() < 0.6:
                    visits.append(("year_after", year_after))
    fee, currency, paid_by = _fee(plan, enrolment, branded, last, rng)
    writers.enrolment.add(
        (
            pk,
            plan.id,
            enrolment.module_id,
            plan.partner_id,
            enrolment.lead_trainer_id,
            status,
            enrolment.started_on,
            completed_on,
            fee,
            currency,
            paid_by,
        )
    )
    eit_size = sum(1 for person in participants if person[4])
    for kind, day in visits:
        trainer = pool.pick(
            rng,
            plan.partner_id,
            plan.country,
            enrolment.module_id,
            day,
            prefer=enrolment.lead_trainer_id,
        )
        if trainer is None:
            raise RuntimeError(f"No certified trainer for {enrolment.code} on {day}")
        verifications.setdefault(month_index(ctx.window_start, day), trainer)
        summary, next_steps = ref.VISIT_NOTES[kind]
        hours = rng.randint(8, 16) / 2 if kind == "intake" else rng.randint(4, 12) / 2
        present = 0
        if eit_size and kind != "intake":
            present = rng.randint(max(1, eit_size // 2), eit_size)
        elif eit_size:
            present = rng.randint(0, eit_size)
        writers.visit.add(
            (
                writers.visit.next_id(),
                pk,
                kind,
                trainer,
                day,
                f"{hours:.1f}",
                present,
                summary,
                next_steps,
            )
        )
    if session is not None:
        _attendance(ctx, writers, session, participants, rng)
        _projects(ctx, writers, enrolment, pk, status, session, participants, rng)


def _fee(plan, enrolment, branded, last, rng):
    if enrolment.started_on > last and rng.random() < 0.5:
        return None, "USD", ""
    base = 800 if enrolment.code == "WCO" else 600
    usd = base * rng.uniform(0.7, 1.4) * (1 + min(plan.employees_total, 2000) / 4000)
    options = dict(PAID_BY)
    if branded:
        options["brand"] = 45
    else:
        del options["brand"]
    paid_by = weighted(rng, options)
    if rng.random() < 0.6:
        return f"{usd:.2f}", "USD", paid_by
    currency, rate = ref.COUNTRIES[plan.country][2], ref.COUNTRIES[plan.country][3]
    return f"{round(usd * rate, -1 if rate > 50 else 0):.2f}", currency, paid_by


def _attendance(ctx, writers, session, participants, rng):
    """Two to four people per enterprise, at least one manager and one worker."""
    managers = [p for p in participants if p[1] == "manager"]
    workers = [p for p in participants if p[1] == "worker"]
    chosen = [rng.choice(managers), rng.choice(workers)]
    others = [p for p in participants if p not in chosen]
    chosen += rng.sample(others, min(len(others), rng.randint(0, 2)))
    days = ctx.classroom_days[session.module_id]
    for person in sorted(chosen):
        draw = rng.random()
        attended = days if draw < 0.86 else (max(0, days - 1) if draw < 0.96 else 0)
        writers.attendance.add((writers.attendance.next_id(), session.id, person[0], attended))


def _projects(ctx, writers, enrolment, enrolment_id, status, session, participants, rng):
    if status not in PROJECT_STATUS:
        return
    ideas = ref.PROJECTS[enrolment.code]
    low, high = (1, 2) if status == "classroom" else ((2, 4) if enrolment.code == "WCO" else (1, 3))
    team = [p for p in participants if p[4]] or participants
    for title, indicator_code in rng.sample(ideas, min(len(ideas), rng.randint(low, high))):
        project_status = weighted(rng, PROJECT_STATUS[status])
        estimate = realised = None
        if rng.random() < 0.7:
            estimate = round(3000 * math.exp(rng.gauss(0, 0.8)), -1)
        if project_status == "done":
            if estimate is not None:
                realised = round(estimate * rng.uniform(0.4, 1.3), -1)
            elif rng.random() < 0.3:
                realised = round(2000 * math.exp(rng.gauss(0, 0.8)), -1)
        owner = rng.choice(team)[5] if rng.random() < 0.6 else rng.choice(ref.PROJECT_OWNERS)
        writers.project.add(
            (
                writers.project.next_id(),
                enrolment_id,
                title,
                "Agreed by the Enterprise Improvement Team as part of the improvement plan.",
                owner,
                session.starts_on + timedelta(days=rng.randint(30, 150)),
                project_status,
                ctx.indicators[indicator_code] if indicator_code else None,
                None if estimate is None else f"{estimate:.2f}",
                None if realised is None else f"{realised:.2f}",
                "USD",
                None,
            )
        )


def _kpis(ctx, writers, plan, verifications, rng):
    """Monthly values from the baseline month on; the hot loop of a large world."""
    first, last = plan.kpi_first, plan.kpi_last
    random_ = rng.random
    months = [m for m in range(first, last + 1) if m in (first, last) or random_() > 0.01]
    periods = [ctx.periods[month] for month in months]
    reporter = ctx.users.get(ref.KPI_REPORTER.get(plan.partner))
    usual_source = weighted(rng, {"records": 75, "estimate": 15, "observed": 10})
    productivity_median = ref.SECTORS[plan.sector][2]
    rows, next_id, note = [], writers.kpi.next_id, ref.KPI_NOTES.get
    add = rows.append
    enterprise_id, flagged = plan.id, plan.flagged_baseline
    for code, shape in kpis.SHAPES.items():
        indicator_id = ctx.indicators[code]
        if code in plan.zero_baselines:
            baseline = 0.0
            latest = rng.randint(1, 4) if shape.decimals == 0 else rng.uniform(0.1, 0.6)
        else:
            baseline = kpis.baseline_value(shape, rng, productivity_median=productivity_median)
            baseline = float(kpis.formatted(shape, baseline))
            latest = kpis.latest_value(shape, baseline, plan.improvements[code])
        values = kpis.series(shape, rng, baseline=baseline, latest=latest, months=months)
        texts = kpis.formatted_all(shape, values)
        for month, period, text in zip(months, periods, texts, strict=True):
            if month == first:
                is_baseline = flagged
                source = "estimate" if random_() < 0.25 else "records"
            else:
                is_baseline = False
                source = usual_source if random_() < 0.9 else "records"
            verifier = verifications.get(month)
            if verifier is not None and random_() >= 0.6:
                verifier = None
            add(
                (
                    next_id(),
                    enterprise_id,
                    indicator_id,
                    period,
                    text,
                    is_baseline,
                    source,
                    verifier,
                    reporter,
                    note(source, ""),
                )
            )
    writers.kpi.extend(rows)


def _links(ctx, writers, plan, rng):
    if not plan.brands:
        return
    last = ctx.last_day
    started = plan.enrolments[0].started_on
    decider = ctx.users.get(ref.LINK_DECIDER.get(plan.partner), ctx.users.get("ilo.officer"))
    for brand, status in plan.brands:
        asked = min(last - timedelta(days=25), started + timedelta(days=rng.randint(-60, 200)))
        requested_at = moment(rng, asked)
        decided_at = None
        if status == "granted":
            decided_at = moment(rng, asked + timedelta(days=rng.randint(1, 20)))
        elif status == "revoked":
            decided_at = moment(rng, min(last, asked + timedelta(days=rng.randint(30, 300))))
        by_os_id = bool(plan.os_id) and rng.random() < 0.7
        viewer = ctx.users.get(f"{brand.lower()}.viewer")
        writers.link.add(
            (
                writers.link.next_id(),
                ctx.organisations[brand],
                plan.id,
                None if by_os_id else plan.id,
                plan.os_id if by_os_id else "",
                status,
                requested_at,
                viewer,
                decided_at,
                None if status == "requested" else decider,
            )
        )


def write_unmatched_requests(ctx: Context, writers) -> None:
    """Requests naming no enterprise on the platform: recorded all the same (style.md)."""
    rng = random.Random(f"{ctx.seed}/unmatched")
    for number, brand in enumerate(ref.BRANDS):
        viewer = ctx.users.get(f"{brand.lower()}.viewer")
        for attempt in range(2):
            country = "TR" if brand == ref.INDITEX else "VN"
            # Codes from the top of the range: no generated enterprise ever has them.
            code = 32**6 - 1 - (number * 2 + attempt)
            asked = ctx.last_day - timedelta(days=rng.randint(3, 60))
            writers.link.add(
                (
                    writers.link.next_id(),
                    ctx.organisations[brand],
                    None,
                    None,
                    open_supply_hub_id(rng, country, code),
                    "requested",
                    moment(rng, asked),
                    viewer,
                    None,
                    None,
                )
            )
