"""Classroom sessions, attendance, consultation visits and improvement projects."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from modules.models import Attendance, ClassroomSession, ConsultationVisit, ImprovementProject
from modules.services import (
    attendance_record,
    attendance_validate,
    classroom_session_create,
    classroom_session_update,
    improvement_project_create,
    improvement_project_update,
    visit_create,
    visit_update,
)
from tests import factories
from tests.factories import module
from tests.helpers import CERTIFICATION_CASES, assert_rejected, trainer_with

pytestmark = pytest.mark.django_db


def session(world, *, actor=None, trainers=None, code="WCO", **fields):
    values = {
        "starts_on": date(2024, 2, 5),
        "ends_on": date(2024, 2, 6),
        "venue": "SGS training centre",
        "city": "Guangzhou",
        "country": "CN",
    }
    values.update(fields)
    return classroom_session_create(
        actor=actor or world.users.sgs_staff,
        module=module(code),
        partner=world.sgs,
        trainers=[world.sgs_trainer] if trainers is None else trainers,
        **values,
    )


# --- classroom sessions -----------------------------------------------------------------


def test_partner_staff_records_a_classroom_session(world):
    created = session(world)
    assert list(created.trainers.all()) == [world.sgs_trainer]


def test_session_ending_before_it_starts_is_refused(world):
    assert_rejected(
        lambda: session(world, ends_on=date(2024, 2, 4)),
        "ends_on",
        "cannot end before it starts",
    )
    assert not ClassroomSession.objects.exists()


def test_session_spanning_weeks_is_refused_as_a_mistake(world):
    assert_rejected(lambda: session(world, ends_on=date(2024, 3, 5)), "ends_on", "spans at most")


def test_session_update_ending_before_it_starts_is_refused(world):
    created = session(world)
    assert_rejected(
        lambda: classroom_session_update(
            actor=world.users.sgs_staff, session=created, ends_on=date(2024, 2, 1)
        ),
        "ends_on",
        "cannot end before it starts",
    )
    created.refresh_from_db()
    assert created.ends_on == date(2024, 2, 6)


def test_session_needs_a_trainer(world):
    assert_rejected(lambda: session(world, trainers=[]), "trainers", "at least one trainer")


@pytest.mark.parametrize(("level", "on", "allowed"), CERTIFICATION_CASES)
def test_session_trainers_must_be_certified_on_the_first_day(world, level, on, allowed):
    trainer = trainer_with(world, level)
    if allowed:
        created = session(world, trainers=[world.sgs_trainer, trainer], starts_on=on, ends_on=on)
        assert set(created.trainers.all()) == {world.sgs_trainer, trainer}
    else:
        assert_rejected(
            lambda: session(world, trainers=[world.sgs_trainer, trainer], starts_on=on, ends_on=on),
            "trainers",
            "not a certified trainer",
            on.isoformat(),
        )
        assert not ClassroomSession.objects.exists()


def test_session_trainer_of_another_organisation_is_refused(world):
    assert_rejected(
        lambda: session(world, trainers=[world.tuv_trainer]), "trainers", "another organisation"
    )


def test_moving_a_session_rechecks_its_trainers(world):
    trainer = trainer_with(world, "certified")
    created = session(
        world, trainers=[trainer], starts_on=date(2021, 6, 1), ends_on=date(2021, 6, 2)
    )
    assert_rejected(
        lambda: classroom_session_update(
            actor=world.users.sgs_staff,
            session=created,
            starts_on=date(2023, 6, 1),
            ends_on=date(2023, 6, 2),
        ),
        "trainers",
        "not a certified trainer",
    )
    created.refresh_from_db()
    assert created.starts_on == date(2021, 6, 1)


def test_session_outside_the_partners_licence_is_refused(world):
    assert_rejected(lambda: session(world, country="VN"), "starts_on", "no active licence")
    world.sgs_licence.status = "suspended"
    world.sgs_licence.save()
    assert_rejected(lambda: session(world), "starts_on", "no active licence")


@pytest.mark.parametrize("field", ["module", "partner"])
def test_session_keeps_its_module_and_partner(world, field):
    created = session(world)
    value = {"module": module("QM"), "partner": world.tuv}[field]
    assert_rejected(
        lambda: classroom_session_update(
            actor=world.users.sgs_staff, session=created, **{field: value}
        ),
        field,
        "cannot be changed",
    )


@pytest.mark.parametrize("persona", ["tuv_manager", "inditex_viewer", "no_role"])
def test_outsiders_may_not_record_sessions_for_a_partner(world, persona):
    with pytest.raises(PermissionDenied):
        session(world, actor=getattr(world.users, persona))
    assert not ClassroomSession.objects.exists()


# --- attendance -------------------------------------------------------------------------


@pytest.fixture
def classroom(world):
    factories.EnrolmentFactory(enterprise=world.sgs_enterprise, module=module("WCO"))
    return session(world)


@pytest.fixture
def participant(world):
    return factories.ParticipantFactory(enterprise=world.sgs_enterprise, full_name="Chen Jing")


@pytest.mark.parametrize("days", [0, 1, 2])
def test_attendance_within_the_module_days_is_recorded(world, classroom, participant, days):
    attendance = attendance_record(
        actor=world.users.sgs_staff, session=classroom, participant=participant, days_attended=days
    )
    assert Attendance.objects.get(pk=attendance.pk).days_attended == days


@pytest.mark.parametrize("days", [-1, 3])
def test_days_attended_outside_zero_to_classroom_days_is_refused(
    world, classroom, participant, days
):
    assert_rejected(
        lambda: attendance_record(
            actor=world.users.sgs_staff,
            session=classroom,
            participant=participant,
            days_attended=days,
        ),
        "days_attended",
        "between 0 and 2",
    )
    assert not Attendance.objects.exists()


def test_recording_attendance_twice_corrects_the_one_row(world, classroom, participant):
    attendance_record(
        actor=world.users.sgs_staff, session=classroom, participant=participant, days_attended=1
    )
    attendance_record(
        actor=world.users.sgs_staff, session=classroom, participant=participant, days_attended=2
    )
    assert Attendance.objects.get().days_attended == 2


def test_second_attendance_row_for_a_participant_is_refused(world, classroom, participant):
    factories.AttendanceFactory(session=classroom, participant=participant)
    assert_rejected(
        lambda: attendance_validate(
            Attendance(session=classroom, participant=participant, days_attended=1)
        ),
        "participant",
        "already on the session's list",
    )


def test_participant_of_another_partners_enterprise_is_refused(world, classroom):
    stranger = factories.ParticipantFactory(enterprise=world.tuv_enterprise)
    assert_rejected(
        lambda: attendance_record(
            actor=world.users.sgs_staff, session=classroom, participant=stranger, days_attended=2
        ),
        "participant",
        "served by another partner",
    )


def test_participant_of_an_enterprise_not_enrolled_in_the_module_is_refused(world):
    classroom = session(world)
    participant = factories.ParticipantFactory(enterprise=world.sgs_enterprise)
    assert_rejected(
        lambda: attendance_record(
            actor=world.users.sgs_staff,
            session=classroom,
            participant=participant,
            days_attended=2,
        ),
        "participant",
        "not enrolled in Workplace Cooperation",
    )


def test_withdrawn_enrolment_does_not_admit_to_the_classroom(world):
    factories.EnrolmentFactory(
        enterprise=world.sgs_enterprise, module=module("WCO"), status="withdrawn"
    )
    classroom = session(world)
    participant = factories.ParticipantFactory(enterprise=world.sgs_enterprise)
    assert_rejected(
        lambda: attendance_record(
            actor=world.users.sgs_staff,
            session=classroom,
            participant=participant,
            days_attended=2,
        ),
        "participant",
        "not enrolled",
    )


@pytest.mark.parametrize("persona", ["tuv_manager", "inditex_viewer", "no_role"])
def test_outsiders_may_not_record_attendance(world, classroom, participant, persona):
    with pytest.raises(PermissionDenied):
        attendance_record(
            actor=getattr(world.users, persona),
            session=classroom,
            participant=participant,
            days_attended=2,
        )
    assert not Attendance.objects.exists()


# --- consultation visits ----------------------------------------------------------------


@pytest.fixture
def enrolment(world):
    return factories.EnrolmentFactory(
        enterprise=world.sgs_enterprise, module=module("WCO"), started_on=date(2019, 6, 1)
    )


def visit(world, enrolment, *, actor=None, **fields):
    values = {
        "kind": "follow_up",
        "trainer": world.sgs_trainer,
        "visited_on": date(2024, 3, 1),
        "duration_hours": Decimal("4"),
    }
    values.update(fields)
    return visit_create(actor=actor or world.users.sgs_staff, enrolment=enrolment, **values)


@pytest.mark.parametrize("hours", ["0.5", "8", "24"])
def test_visit_lasting_more_than_0_and_at_most_24_hours_is_logged(world, enrolment, hours):
    assert visit(world, enrolment, duration_hours=Decimal(hours)).pk


@pytest.mark.parametrize("hours", ["0", "-2", "24.5"])
def test_visit_duration_outside_0_to_24_hours_is_refused(world, enrolment, hours):
    assert_rejected(
        lambda: visit(world, enrolment, duration_hours=Decimal(hours)),
        "duration_hours",
        "more than 0 and at most 24 hours",
    )
    assert not ConsultationVisit.objects.exists()


def test_visit_update_with_an_impossible_duration_is_refused(world, enrolment):
    logged = visit(world, enrolment)
    assert_rejected(
        lambda: visit_update(
            actor=world.users.sgs_staff, visit=logged, duration_hours=Decimal("30")
        ),
        "duration_hours",
        "at most 24 hours",
    )
    logged.refresh_from_db()
    assert logged.duration_hours == 4


def test_visit_in_the_future_is_refused(world, enrolment):
    assert_rejected(
        lambda: visit(world, enrolment, visited_on=timezone.localdate() + timedelta(days=1)),
        "visited_on",
        "future",
    )


@pytest.mark.parametrize(("level", "on", "allowed"), CERTIFICATION_CASES)
def test_visit_trainer_must_be_certified_on_the_visit_day(world, enrolment, level, on, allowed):
    trainer = trainer_with(world, level)
    if allowed:
        assert visit(world, enrolment, trainer=trainer, visited_on=on).trainer == trainer
    else:
        assert_rejected(
            lambda: visit(world, enrolment, trainer=trainer, visited_on=on),
            "trainer",
            "not a certified trainer",
            on.isoformat(),
        )
        assert not ConsultationVisit.objects.exists()


def test_visit_trainer_must_be_certified_for_the_enrolments_module(world):
    factories.EnrolmentFactory(
        enterprise=world.sgs_enterprise, module=module("WCO"), started_on=date(2023, 1, 1)
    )
    quality = factories.EnrolmentFactory(
        enterprise=world.sgs_enterprise, module=module("QM"), started_on=date(2023, 2, 1)
    )
    workplace_only = factories.TrainerFactory(organisation=world.sgs)
    factories.CertificationFactory(trainer=workplace_only, module=module("WCO"))
    assert_rejected(
        lambda: visit(world, quality, trainer=workplace_only),
        "trainer",
        "not a certified trainer of Quality Management",
    )


def test_visit_trainer_of_another_organisation_is_refused(world, enrolment):
    assert_rejected(
        lambda: visit(world, enrolment, trainer=world.tuv_trainer),
        "trainer",
        "another organisation",
    )


def test_no_visit_is_logged_on_a_withdrawn_enrolment(world):
    withdrawn = factories.EnrolmentFactory(
        enterprise=world.sgs_enterprise, module=module("WCO"), status="withdrawn"
    )
    assert_rejected(lambda: visit(world, withdrawn), "enrolment", "withdrawn")


def test_visit_keeps_its_enrolment(world, enrolment):
    logged = visit(world, enrolment)
    other = factories.EnrolmentFactory(
        enterprise=world.sgs_enterprise, module=module("QM"), started_on=date(2020, 1, 1)
    )
    assert_rejected(
        lambda: visit_update(actor=world.users.sgs_staff, visit=logged, enrolment=other),
        "enrolment",
        "cannot be changed",
    )


@pytest.mark.parametrize("persona", ["tuv_manager", "inditex_viewer", "no_role"])
def test_outsiders_may_not_log_visits(world, enrolment, persona):
    with pytest.raises(PermissionDenied):
        visit(world, enrolment, actor=getattr(world.users, persona))
    assert not ConsultationVisit.objects.exists()


# --- improvement projects ---------------------------------------------------------------


def test_partner_staff_adds_an_improvement_project(world, enrolment):
    project = improvement_project_create(
        actor=world.users.sgs_staff,
        enrolment=enrolment,
        title="Cut rework on the sewing line",
        indicator=factories.indicator("defect_rate"),
        savings_estimate=Decimal("2500"),
    )
    assert project.created_by == world.users.sgs_staff


@pytest.mark.parametrize("field", ["savings_estimate", "savings_realised"])
def test_negative_savings_are_refused(world, enrolment, field):
    assert_rejected(
        lambda: improvement_project_create(
            actor=world.users.sgs_staff,
            enrolment=enrolment,
            title="Cut rework",
            **{field: Decimal("-1")},
        ),
        field,
        "cannot be negative",
    )
    assert not ImprovementProject.objects.exists()


def test_project_needs_a_title(world, enrolment):
    assert_rejected(
        lambda: improvement_project_create(
            actor=world.users.sgs_staff, enrolment=enrolment, title=" "
        ),
        "title",
        "title",
    )


def test_project_keeps_its_enrolment(world, enrolment):
    project = factories.ImprovementProjectFactory(enrolment=enrolment)
    other = factories.EnrolmentFactory(
        enterprise=world.sgs_enterprise, module=module("QM"), started_on=date(2020, 1, 1)
    )
    assert_rejected(
        lambda: improvement_project_update(
            actor=world.users.sgs_staff, project=project, enrolment=other
        ),
        "enrolment",
        "cannot be changed",
    )


def test_no_new_project_on_a_withdrawn_enrolment(world):
    withdrawn = factories.EnrolmentFactory(
        enterprise=world.sgs_enterprise, module=module("WCO"), status="withdrawn"
    )
    assert_rejected(
        lambda: improvement_project_create(
            actor=world.users.sgs_staff, enrolment=withdrawn, title="Too late"
        ),
        "enrolment",
        "withdrawn",
    )
