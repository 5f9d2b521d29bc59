"""The demo world of ``seed_demo``: what it holds, that it keeps every rule, and its shape."""

from collections import Counter, defaultdict
from datetime import date, timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from enterprises.models import Enterprise, Participant
from enterprises.services import enterprise_validate, participant_validate
from modules.models import (
    Attendance,
    ClassroomSession,
    ConsultationVisit,
    Enrolment,
    ImprovementProject,
)
from modules.selectors import enrolments_with_overdue_follow_up
from modules.services import (
    attendance_validate,
    classroom_session_validate,
    enrolment_validate,
    improvement_project_validate,
    visit_validate,
)
from partners.models import Licence, Membership, Organisation, SupplierLink
from partners.selectors import licence_covers, partner_licensed_in_country
from partners.services import licence_validate, membership_validate
from reports.models import Indicator, KpiMeasurement
from reports.services import measurement_validate
from score_platform.demo import plans, reference
from score_platform.demo.world import seed_demo_world, wipe_demo_world, world_digest
from tests import factories
from tests.conftest import need_service
from trainers.models import Certification, Trainer
from trainers.selectors import trainer_is_certified
from trainers.services import certification_validate, trainer_validate

pytestmark = pytest.mark.django_db

# A fixed month for the tests that compare builds, so a run across midnight at the end
# of a month cannot change the world under them.
FIXED_DAY = date(2025, 6, 15)
PRESS_RELEASE_P90 = {
    "productivity": 50,
    "defect_rate": 64,
    "waste": 48,
    "accidents": 29,
    "absenteeism": 22,
}


@pytest.fixture(autouse=True)
def quick_password_hashing(settings):
    # The eight demo logins would otherwise spend seconds in PBKDF2 per build.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def last_full_month_end() -> date:
    return timezone.localdate().replace(day=1) - timedelta(days=1)


def improvements() -> tuple[dict[str, list[float]], Counter]:
    """improvement_pct per enterprise and indicator, worked out as kpis.md defines it."""
    series = defaultdict(dict)
    rows = KpiMeasurement.objects.values_list(
        "enterprise_id", "indicator__code", "period", "value", "is_baseline"
    )
    for enterprise_id, code, period, value, is_baseline in rows.iterator():
        entry = series[(enterprise_id, code)]
        if is_baseline:
            entry["baseline"] = value
        elif period >= entry.get("latest_period", period):
            entry["latest_period"], entry["latest"] = period, value
    higher = set(Indicator.objects.filter(direction="higher").values_list("code", flat=True))
    results, not_computable = defaultdict(list), Counter()
    for (_enterprise_id, code), entry in series.items():
        baseline, latest = entry.get("baseline"), entry.get("latest")
        if baseline is None or latest is None or baseline == 0:
            not_computable[code] += 1
            continue
        change = (latest - baseline) if code in higher else (baseline - latest)
        results[code].append(float(change / baseline * 100))
    return results, not_computable


def percentile(values: list[float], fraction: float) -> float:
    """Linear interpolation between the closest ranks, as percentile_cont does."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


# --- what the world holds ---------------------------------------------------------------


def test_a_small_world_has_every_kind_of_record():
    seed_demo_world(enterprises=120)

    kinds = Counter(Organisation.objects.values_list("kind", flat=True))
    assert kinds == {"ilo": 1, "partner": 5, "brand": 2, "donor": 3}
    assert Organisation.objects.get(kind="ilo").name == "International Labour Organization"
    assert Enterprise.objects.count() == 120
    assert Participant.objects.count() >= 2 * 120
    statuses = set(Enrolment.objects.values_list("status", flat=True))
    assert statuses == {"planned", "classroom", "consulting", "completed", "withdrawn"}
    assert set(Enrolment.objects.values_list("module__code", flat=True)) == set(
        reference.ALL_MODULES
    )
    assert set(Enrolment.objects.values_list("paid_by", flat=True)) >= {
        "enterprise",
        "brand",
        "partner",
        "ilo",
        "donor",
    }
    assert set(ConsultationVisit.objects.values_list("kind", flat=True)) == {
        "intake",
        "follow_up",
        "year_after",
    }
    assert set(ImprovementProject.objects.values_list("status", flat=True)) == {
        "open",
        "in_progress",
        "done",
        "dropped",
    }
    assert ImprovementProject.objects.exclude(indicator=None).exists()
    assert ImprovementProject.objects.exclude(savings_realised=None).exists()
    links = set(SupplierLink.objects.values_list("brand__name", "status"))
    for brand in ("Inditex", "Adidas"):
        assert {(brand, "granted"), (brand, "requested"), (brand, "revoked")} <= links
    assert ClassroomSession.objects.count() > 0
    assert set(Attendance.objects.values_list("days_attended", flat=True)) == {0, 1, 2}
    attended = Counter(Attendance.objects.values_list("participant__role", "participant__gender"))
    assert {key for key in attended if attended[key]} >= {
        ("manager", "female"),
        ("manager", "male"),
        ("worker", "female"),
        ("worker", "male"),
    }
    assert KpiMeasurement.objects.values("indicator").distinct().count() == 8
    assert KpiMeasurement.objects.filter(source="estimate").exists()
    assert KpiMeasurement.objects.exclude(verified_by=None).exists()
    assert Enterprise.objects.exclude(os_id="").exists()
    assert Enterprise.objects.filter(os_id="").exists()


def test_licences_are_as_the_press_releases_tell_it():
    seed_demo_world(enterprises=0)

    sgs_first = Licence.objects.get(reference="SGS-2017-01")
    assert sgs_first.partner.name == "SGS"
    assert sorted(str(country) for country in sgs_first.countries) == ["CN", "IN"]
    assert sgs_first.valid_from == date(2017, 7, 4)
    assert sgs_first.modules.count() == 5
    sgs_countries = {
        str(country)
        for licence in Licence.objects.filter(partner__name="SGS")
        for country in licence.countries
    }
    assert len(sgs_countries) > 2
    tuv = Licence.objects.filter(partner__name="TÜV Rheinland", status="active")
    assert {str(c) for licence in tuv for c in licence.countries} == {"CN"}
    statuses = set(Licence.objects.values_list("status", flat=True))
    assert statuses == {"active", "suspended", "terminated"}
    today = timezone.localdate()
    assert Licence.objects.filter(status="active", valid_until__lt=today).exists()
    assert Licence.objects.filter(status="active", valid_until__gte=today).count() >= 6


def test_country_allocation_gives_each_of_15_countries_its_share():
    weights = {country: row[0] for country, row in reference.COUNTRIES.items()}

    counts = plans.country_allocation(1400, weights)

    assert len(counts) == 15
    assert sum(counts.values()) == 1400
    assert min(counts.values()) >= 1
    for country, weight in weights.items():
        assert abs(counts[country] - 1400 * weight / 100) <= 2, country
    small = plans.country_allocation(15, weights)
    assert sorted(small.values()) == [1] * 15
    assert sum(plans.country_allocation(7, weights).values()) == 7


def test_the_default_world_matches_the_programme_s_reach():
    outcome = seed_demo_world()

    assert outcome.enterprises_written == 1400
    assert Enterprise.objects.count() == 1400
    assert Enterprise.objects.values("country").distinct().count() == 15
    employees = sum(Enterprise.objects.values_list("employees_total", flat=True))
    assert 298_000 <= employees <= 305_000
    sizes = sorted(Enterprise.objects.values_list("employees_total", flat=True))
    median = sizes[len(sizes) // 2]
    assert sizes[0] < 30 and 80 <= median <= 200 and sizes[-1] > 1000
    assert len(set(Enterprise.objects.values_list("sector", flat=True))) == 10


def test_every_demo_login_has_its_role_and_the_demo_password():
    out = StringIO()
    call_command("seed_demo", "--enterprises", "0", stdout=out)

    expected = {
        "ilo.admin": ("ilo_admin", "International Labour Organization", True, True),
        "ilo.officer": ("ilo_officer", "International Labour Organization", True, False),
        "sgs.manager": ("partner_manager", "SGS", False, False),
        "sgs.staff": ("partner_staff", "SGS", False, False),
        "tuv.manager": ("partner_manager", "TÜV Rheinland", False, False),
        "eti.manager": ("partner_manager", "Ethical Trading Initiative", False, False),
        "inditex.viewer": ("brand_viewer", "Inditex", False, False),
        "adidas.viewer": ("brand_viewer", "Adidas", False, False),
    }
    request = RequestFactory().post("/accounts/login/")
    for username, (role, organisation, is_staff, is_superuser) in expected.items():
        user = get_user_model().objects.get(username=username)
        membership = Membership.objects.get(user=user, is_active=True)
        assert (membership.role, membership.organisation.name) == (role, organisation)
        assert (user.is_staff, user.is_superuser) == (is_staff, is_superuser)
        assert Membership.objects.filter(user=user).count() == 1
        assert authenticate(request, username=username, password=settings.DEMO_PASSWORD) == user
        printed = [line for line in out.getvalue().splitlines() if f" {username} " in line]
        assert printed and role in printed[0] and organisation in printed[0]
        assert settings.DEMO_PASSWORD in printed[0]


def test_the_foundation_world_has_no_enterprises():
    outcome = seed_demo_world(enterprises=0)

    assert outcome.enterprises_written == 0
    assert Organisation.objects.count() == 11
    assert Licence.objects.count() == len(reference.LICENCES)
    assert get_user_model().objects.count() == 8
    for partner in reference.PARTNERS:
        for code in reference.ALL_MODULES:
            if partner == reference.SENA and code == "CP":
                continue
            assert Certification.objects.filter(
                trainer__organisation__name=partner, module__code=code, level="master"
            ).exists(), (partner, code)
    assert Certification.objects.filter(level="candidate").exists()
    today = timezone.localdate()
    assert Certification.objects.filter(expires_on__lt=today).count() == 1
    for model in (Enterprise, Participant, Enrolment, ClassroomSession, Attendance):
        assert not model.objects.exists()
    for model in (ConsultationVisit, ImprovementProject, KpiMeasurement, SupplierLink):
        assert not model.objects.exists()


# --- determinism, idempotence, the switches ---------------------------------------------


def test_the_same_seed_builds_the_same_world_and_another_seed_another():
    seed_demo_world(enterprises=40, seed=7, today=FIXED_DAY)
    first = world_digest()
    counts = Enterprise.objects.count(), KpiMeasurement.objects.count()

    wipe_demo_world()
    assert not Organisation.objects.exists() and not Enterprise.objects.exists()
    seed_demo_world(enterprises=40, seed=7, today=FIXED_DAY)
    assert world_digest() == first
    assert (Enterprise.objects.count(), KpiMeasurement.objects.count()) == counts

    wipe_demo_world()
    seed_demo_world(enterprises=40, seed=8, today=FIXED_DAY)
    assert world_digest() != first


def test_a_second_run_changes_nothing():
    seed_demo_world(enterprises=40, today=FIXED_DAY)
    before = world_digest()
    counts = {model: model.objects.count() for model in (Enterprise, KpiMeasurement, Trainer)}

    outcome = seed_demo_world(enterprises=40, today=FIXED_DAY)

    assert outcome.enterprises_written == 0
    assert vars(outcome.created) == {
        "organisations": 0,
        "licences": 0,
        "trainers": 0,
        "certifications": 0,
        "users": 0,
    }
    assert "already has 40 enterprises" in outcome.note
    assert world_digest() == before
    assert {model: model.objects.count() for model in counts} == counts
    # Another seed varies the enterprises only: the fixed part of the world stays as it is.
    assert vars(seed_demo_world(enterprises=0, seed=99).created) == vars(outcome.created)
    assert world_digest() == before


def test_reset_rebuilds_the_demo_world_and_leaves_other_data_alone():
    seed_demo_world(enterprises=30, today=FIXED_DAY)
    built = world_digest()
    KpiMeasurement.objects.filter(enterprise=Enterprise.objects.first()).delete()
    Enterprise.objects.filter(pk=Enterprise.objects.last().pk).update(name="Renamed")

    seed_demo_world(enterprises=30, today=FIXED_DAY, reset=True)

    assert world_digest() == built
    outsider = factories.EnterpriseFactory(partner__name="Local Training Centre")
    seed_demo_world(enterprises=30, today=FIXED_DAY, reset=True)
    assert Enterprise.objects.filter(pk=outsider.pk).exists()
    assert Enterprise.objects.count() == 31


def test_if_empty_seeds_an_empty_database_only():
    factories.EnterpriseFactory(partner__name="Local Training Centre")

    outcome = seed_demo_world(enterprises=20, if_empty=True)

    assert outcome.skipped
    assert not Organisation.objects.filter(name__in=reference.DEMO_ORGANISATIONS).exists()
    Enterprise.objects.all().delete()
    assert seed_demo_world(enterprises=20, if_empty=True).enterprises_written == 20


def test_the_command_checks_its_arguments_and_reports_what_it_did():
    with pytest.raises(CommandError):
        call_command("seed_demo", "--enterprises", "-1", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("seed_demo", "--months", "0", stdout=StringIO())
    out = StringIO()
    call_command("seed_demo", "--enterprises", "15", "--months", "6", stdout=out)
    assert "15 enterprises written" in out.getvalue()
    assert "ilo.admin" in out.getvalue()
    out = StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert "nothing was changed" in out.getvalue()


def test_months_sets_the_span_of_kpis_ending_with_the_last_full_month():
    seed_demo_world(enterprises=20, months=6)

    last_month = last_full_month_end().replace(day=1)
    periods = set(KpiMeasurement.objects.values_list("period", flat=True))
    assert max(periods) == last_month
    assert len(periods) == 6
    for enterprise in Enterprise.objects.all():
        assert enterprise.kpi_measurements.count() <= 8 * 6


# --- every rule holds -------------------------------------------------------------------


@pytest.fixture
def seeded():
    seed_demo_world(enterprises=80)


def test_the_services_accept_every_seeded_record(seeded):
    for enterprise in Enterprise.objects.select_related("partner"):
        enterprise_validate(enterprise)
    for participant in Participant.objects.all():
        participant_validate(participant)
    enrolments = Enrolment.objects.select_related("enterprise", "module", "partner", "lead_trainer")
    for enrolment in enrolments:
        # As if just entered: licence on the start date, foundation first, lead trainer.
        enrolment_validate(enrolment, changed={"started_on", "lead_trainer"})
    for session in ClassroomSession.objects.select_related("module", "partner"):
        classroom_session_validate(session, trainers=list(session.trainers.all()))
    for attendance in Attendance.objects.select_related(
        "session__module", "participant__enterprise"
    ):
        attendance_validate(attendance)
    for visit in ConsultationVisit.objects.select_related("enrolment__module", "trainer"):
        visit_validate(visit)
    for project in ImprovementProject.objects.select_related("enrolment"):
        improvement_project_validate(project)
    measurements = KpiMeasurement.objects.select_related("indicator", "enterprise", "verified_by")
    for measurement in measurements.order_by("pk")[::23]:
        measurement_validate(measurement)
    for trainer in Trainer.objects.select_related("organisation"):
        trainer_validate(trainer)
    for certification in Certification.objects.all():
        certification_validate(certification)
    for licence in Licence.objects.select_related("partner"):
        licence_validate(licence, modules=licence.modules.all())
    for membership in Membership.objects.select_related("organisation"):
        membership_validate(membership)
    samples = [
        Enterprise,
        Participant,
        Enrolment,
        ClassroomSession,
        Attendance,
        ConsultationVisit,
        ImprovementProject,
        KpiMeasurement,
        SupplierLink,
        Certification,
    ]
    for model in samples:
        for instance in model.objects.order_by("?")[:15]:
            instance.full_clean()


def test_the_timeline_of_every_enterprise_keeps_the_programme_s_rules(seeded):
    today, last_day = timezone.localdate(), last_full_month_end()
    for enterprise in Enterprise.objects.all():
        assert partner_licensed_in_country(
            partner_id=enterprise.partner_id, country=enterprise.country, on=today
        )
        assert enterprise.employees_female <= enterprise.employees_total
    sessions = {}
    for attendance in Attendance.objects.select_related("session", "participant"):
        session = attendance.session
        sessions[(attendance.participant.enterprise_id, session.module_id)] = session
        assert 0 <= attendance.days_attended <= 2
    for session in ClassroomSession.objects.prefetch_related("trainers"):
        assert session.ends_on == session.starts_on + timedelta(days=1)
        assert licence_covers(
            partner_id=session.partner_id,
            country=session.country,
            module_id=session.module_id,
            on=session.starts_on,
        )
        for trainer in session.trainers.all():
            assert trainer.organisation_id == session.partner_id
            assert trainer_is_certified(
                trainer_id=trainer.pk, module_id=session.module_id, on=session.starts_on
            )
    live_foundation = {
        enrolment.enterprise_id: enrolment.started_on
        for enrolment in Enrolment.objects.filter(module__is_foundation=True).exclude(
            status="withdrawn"
        )
    }
    enrolments = Enrolment.objects.select_related("module").prefetch_related("visits")
    for enrolment in enrolments:
        visits = sorted(enrolment.visits.all(), key=lambda visit: visit.visited_on)
        follow_ups = [visit for visit in visits if visit.kind == "follow_up"]
        session = sessions.get((enrolment.enterprise_id, enrolment.module_id))
        for visit in visits:
            assert visit.visited_on <= last_day
            assert trainer_is_certified(
                trainer_id=visit.trainer_id, module_id=enrolment.module_id, on=visit.visited_on
            )
        if enrolment.lead_trainer_id:
            assert trainer_is_certified(
                trainer_id=enrolment.lead_trainer_id,
                module_id=enrolment.module_id,
                on=enrolment.started_on,
            )
        if enrolment.status == "withdrawn":
            assert not follow_ups
            continue
        assert licence_covers(
            partner_id=enrolment.partner_id,
            country=enrolment.enterprise.country,
            module_id=enrolment.module_id,
            on=enrolment.started_on,
        )
        if not enrolment.module.is_foundation:
            assert live_foundation[enrolment.enterprise_id] <= enrolment.started_on
        if enrolment.status == "planned":
            assert session is None and not follow_ups
            continue
        assert session is not None and enrolment.started_on < session.starts_on <= last_day
        for visit in visits:
            if visit.kind == "intake":
                assert visit.visited_on < session.starts_on
            else:
                assert visit.visited_on > session.ends_on
        for visit in follow_ups:
            assert visit.visited_on <= session.ends_on + timedelta(days=90)
        if enrolment.status == "classroom":
            assert not follow_ups
        elif enrolment.status == "consulting":
            assert follow_ups
        else:
            assert len(follow_ups) == enrolment.module.recommended_visits
            assert follow_ups[-1].visited_on < enrolment.completed_on <= last_day
    overdue = enrolments_with_overdue_follow_up(Enrolment.objects.all(), today=today)
    assert overdue.exists()


def test_kpis_start_with_the_baseline_and_include_cases_that_cannot_be_computed(seeded):
    last_month = last_full_month_end().replace(day=1)
    by_pair = defaultdict(list)
    rows = KpiMeasurement.objects.values_list(
        "enterprise_id", "indicator__code", "indicator__is_percentage", "period", "value",
        "is_baseline",
    )  # fmt: skip
    for enterprise_id, code, is_percentage, period, value, is_baseline in rows:
        assert value >= 0 and (value <= 100 or not is_percentage)
        assert period.day == 1 and period <= last_month
        by_pair[(enterprise_id, code)].append((period, is_baseline, value))
    without_baseline = zero_baseline = baseline_only = 0
    for entries in by_pair.values():
        entries.sort()
        baselines = [entry for entry in entries if entry[1]]
        assert len(baselines) <= 1
        if baselines:
            assert baselines[0] == entries[0]  # nothing before the baseline
            zero_baseline += baselines[0][2] == 0
            baseline_only += len(entries) == 1
        else:
            without_baseline += 1
    assert without_baseline and zero_baseline and baseline_only


def test_supplier_links_keep_their_own_rules(seeded):
    for link in SupplierLink.objects.all():
        if link.status == "requested":
            assert link.decided_at is None and link.decided_by is None
        else:
            assert link.enterprise_id and link.decided_at >= link.requested_at
        assert link.brand.kind == "brand"
        assert link.requested_by.memberships.get().organisation == link.brand
    unmatched = SupplierLink.objects.filter(enterprise=None)
    assert unmatched.exists()
    known = set(Enterprise.objects.values_list("os_id", flat=True))
    assert all(link.requested_os_id not in known for link in unmatched)


def test_most_improvement_teams_mix_roles_genders_and_contracts(seeded):
    teams = defaultdict(set)
    for enterprise_id, role, gender, contract in Participant.objects.filter(
        is_eit_member=True
    ).values_list("enterprise_id", "role", "gender", "contract"):
        teams[enterprise_id] |= {role, gender, contract}
    mixed = [
        {"manager", "worker", "female", "male", "permanent", "temporary"} <= members
        for members in teams.values()
    ]
    assert sum(mixed) > len(mixed) / 2
    assert not all(mixed)


def test_seeding_writes_no_audit_history(seeded):
    for model in (Enterprise, Enrolment, KpiMeasurement, Licence, Certification, SupplierLink):
        assert not model.history.exists(), model


# --- the shape of results ---------------------------------------------------------------


def test_programme_results_resemble_the_press_releases():
    seed_demo_world(enterprises=400)

    results, not_computable = improvements()

    for code, p90 in PRESS_RELEASE_P90.items():
        assert len(results[code]) > 350
        assert abs(percentile(results[code], 0.9) - p90) <= 3, code
    for code, values in results.items():
        assert percentile(values, 0.5) > 0, code
        assert 0.5 < sum(value > 0 for value in values) / len(values) < 0.95, code
    assert not_computable["worker_suggestions"] > not_computable["productivity"] > 0


# --- PostgreSQL's large-load path -------------------------------------------------------


def index_and_constraint_definitions() -> set:
    tables = [
        model._meta.db_table
        for model in (Enterprise, Participant, Enrolment, Attendance, KpiMeasurement)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)",
            [tables],
        )
        indexes = set(cursor.fetchall())
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE conrelid::regclass::text = ANY(%s)",
            [tables],
        )
        return indexes | set(cursor.fetchall())


def test_the_large_load_path_rebuilds_indexes_and_constraints_exactly():
    need_service("PostgreSQL", connection.vendor == "postgresql", "the COPY path")
    before = index_and_constraint_definitions()
    seed_demo_world(enterprises=30, today=FIXED_DAY, rebuild_indexes=False)
    plain = world_digest()
    wipe_demo_world()

    seed_demo_world(enterprises=30, today=FIXED_DAY, rebuild_indexes=True)

    assert index_and_constraint_definitions() == before
    assert world_digest() == plain
