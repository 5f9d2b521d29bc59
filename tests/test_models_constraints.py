"""The database refuses bad rows by itself, whatever code writes them (style.md: rules live twice).

Each test writes the bad row straight through the ORM, bypassing the services, and expects
an IntegrityError; the matching good row next to it proves the constraint is not too broad.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import F
from django.utils import timezone

from enterprises.models import Enterprise
from modules.models import (
    Attendance,
    ClassroomSession,
    ConsultationVisit,
    Enrolment,
    ImprovementProject,
    TrainingModule,
)
from partners.models import Licence, Membership, Organisation, Role, SupplierLink
from reports.models import KpiMeasurement
from tests import factories
from tests.factories import module
from tests.helpers import assert_database_refuses
from trainers.models import Certification

pytestmark = pytest.mark.django_db


# --- enterprises ------------------------------------------------------------------------


def test_database_refuses_more_female_employees_than_employees(world):
    assert_database_refuses(
        lambda: factories.EnterpriseFactory(
            partner=world.sgs, employees_total=100, employees_female=101
        )
    )


def test_database_refuses_update_raising_female_employees_above_total(world):
    assert_database_refuses(
        lambda: Enterprise.objects.filter(pk=world.sgs_enterprise.pk).update(
            employees_female=F("employees_total") + 1
        )
    )


def test_database_refuses_negative_female_employees(world):
    assert_database_refuses(
        lambda: Enterprise.objects.filter(pk=world.sgs_enterprise.pk).update(employees_female=-1)
    )


def test_database_accepts_all_employees_female(world):
    enterprise = factories.EnterpriseFactory(
        partner=world.sgs, employees_total=80, employees_female=80
    )
    assert enterprise.pk


def test_database_refuses_duplicate_open_supply_hub_id(world):
    factories.EnterpriseFactory(partner=world.sgs, os_id="CN2019123ABC")
    assert_database_refuses(
        lambda: factories.EnterpriseFactory(partner=world.tuv, os_id="CN2019123ABC")
    )


def test_database_allows_many_enterprises_without_open_supply_hub_id(world):
    factories.EnterpriseFactory(partner=world.sgs, os_id="")
    factories.EnterpriseFactory(partner=world.sgs, os_id="")
    assert Enterprise.objects.filter(os_id="").count() == 4


def test_database_refuses_duplicate_registration_number_in_one_country(world):
    factories.EnterpriseFactory(partner=world.sgs, country="CN", registration_number="91440101")
    assert_database_refuses(
        lambda: factories.EnterpriseFactory(
            partner=world.tuv, country="CN", registration_number="91440101"
        )
    )


def test_database_allows_same_registration_number_in_another_country(world):
    factories.EnterpriseFactory(partner=world.sgs, country="CN", registration_number="91440101")
    factories.EnterpriseFactory(partner=world.sgs, country="IN", registration_number="91440101")
    factories.EnterpriseFactory(partner=world.sgs, country="IN", registration_number="")
    factories.EnterpriseFactory(partner=world.sgs, country="IN", registration_number="")
    assert Enterprise.objects.filter(registration_number="91440101").count() == 2


# --- memberships and licences -----------------------------------------------------------


def test_database_refuses_second_active_membership(world):
    user = world.users.sgs_staff
    assert_database_refuses(
        lambda: Membership.objects.create(
            user=user, organisation=world.tuv, role=Role.PARTNER_STAFF
        )
    )


def test_database_allows_inactive_memberships_beside_the_active_one(world):
    user = world.users.sgs_staff
    Membership.objects.create(
        user=user, organisation=world.tuv, role=Role.PARTNER_STAFF, is_active=False
    )
    Membership.objects.create(
        user=user, organisation=world.ilo, role=Role.ILO_OFFICER, is_active=False
    )
    assert user.memberships.count() == 3


def test_database_refuses_reactivating_a_second_membership(world):
    user = world.users.sgs_staff
    old = Membership.objects.create(
        user=user, organisation=world.tuv, role=Role.PARTNER_STAFF, is_active=False
    )
    assert_database_refuses(lambda: Membership.objects.filter(pk=old.pk).update(is_active=True))


def test_database_refuses_licence_ending_before_it_starts(world):
    assert_database_refuses(
        lambda: factories.LicenceFactory(
            partner=world.sgs, valid_from=date(2024, 1, 2), valid_until=date(2024, 1, 1)
        )
    )


def test_database_accepts_one_day_licence(world):
    licence = factories.LicenceFactory(
        partner=world.sgs, valid_from=date(2024, 1, 1), valid_until=date(2024, 1, 1)
    )
    assert licence.pk


def test_database_refuses_licence_without_countries(world):
    assert_database_refuses(
        lambda: Licence.objects.filter(pk=world.sgs_licence.pk).update(countries="")
    )


# --- enrolments -------------------------------------------------------------------------


def test_database_refuses_second_live_enrolment_in_a_module(world):
    factories.EnrolmentFactory(enterprise=world.sgs_enterprise, module=module("WCO"))
    assert_database_refuses(
        lambda: factories.EnrolmentFactory(
            enterprise=world.sgs_enterprise, module=module("WCO"), status="consulting"
        )
    )


def test_database_allows_new_enrolment_beside_withdrawn_ones(world):
    for _ in range(2):
        factories.EnrolmentFactory(
            enterprise=world.sgs_enterprise, module=module("WCO"), status="withdrawn"
        )
    factories.EnrolmentFactory(enterprise=world.sgs_enterprise, module=module("WCO"))
    assert Enrolment.objects.filter(enterprise=world.sgs_enterprise).count() == 3


def test_database_refuses_reviving_a_withdrawn_enrolment_beside_a_live_one(world):
    withdrawn = factories.EnrolmentFactory(
        enterprise=world.sgs_enterprise, module=module("WCO"), status="withdrawn"
    )
    factories.EnrolmentFactory(enterprise=world.sgs_enterprise, module=module("WCO"))
    assert_database_refuses(
        lambda: Enrolment.objects.filter(pk=withdrawn.pk).update(status="planned")
    )


def test_database_refuses_completed_enrolment_without_completion_date(world):
    assert_database_refuses(
        lambda: factories.EnrolmentFactory(
            enterprise=world.sgs_enterprise, status="completed", completed_on=None
        )
    )


def test_database_refuses_completion_before_start(world):
    assert_database_refuses(
        lambda: factories.EnrolmentFactory(
            enterprise=world.sgs_enterprise,
            status="completed",
            started_on=date(2024, 3, 1),
            completed_on=date(2024, 2, 29),
        )
    )


def test_database_accepts_completion_on_the_start_day(world):
    enrolment = factories.EnrolmentFactory(
        enterprise=world.sgs_enterprise,
        status="completed",
        started_on=date(2024, 3, 1),
        completed_on=date(2024, 3, 1),
    )
    assert enrolment.pk


def test_database_refuses_negative_fee(world):
    enrolment = factories.EnrolmentFactory(enterprise=world.sgs_enterprise, fee_amount=0)
    assert_database_refuses(
        lambda: Enrolment.objects.filter(pk=enrolment.pk).update(fee_amount=Decimal("-0.01"))
    )


def test_database_refuses_negative_project_savings(world):
    project = factories.ImprovementProjectFactory(
        enrolment=factories.EnrolmentFactory(enterprise=world.sgs_enterprise)
    )
    for field in ("savings_estimate", "savings_realised"):
        assert_database_refuses(
            lambda field=field: ImprovementProject.objects.filter(pk=project.pk).update(
                **{field: Decimal("-1")}
            )
        )


# --- classroom sessions, attendance, visits ---------------------------------------------


def test_database_refuses_session_ending_before_it_starts(world):
    assert_database_refuses(
        lambda: factories.ClassroomSessionFactory(
            partner=world.sgs, starts_on=date(2024, 2, 5), ends_on=date(2024, 2, 4)
        )
    )


def test_database_accepts_one_day_session(world):
    session = factories.ClassroomSessionFactory(
        partner=world.sgs, starts_on=date(2024, 2, 5), ends_on=date(2024, 2, 5)
    )
    assert ClassroomSession.objects.filter(pk=session.pk).exists()


def test_database_refuses_participant_twice_on_a_session(world):
    session = factories.ClassroomSessionFactory(partner=world.sgs)
    participant = factories.ParticipantFactory(enterprise=world.sgs_enterprise)
    factories.AttendanceFactory(session=session, participant=participant)
    assert_database_refuses(
        lambda: factories.AttendanceFactory(session=session, participant=participant)
    )


@pytest.mark.parametrize("days", [-1, 11])
def test_database_refuses_days_attended_out_of_range(world, days):
    attendance = factories.AttendanceFactory(
        session=factories.ClassroomSessionFactory(partner=world.sgs),
        participant=factories.ParticipantFactory(enterprise=world.sgs_enterprise),
    )
    assert_database_refuses(
        lambda: Attendance.objects.filter(pk=attendance.pk).update(days_attended=days)
    )


@pytest.mark.parametrize("hours", ["0", "-1", "24.1"])
def test_database_refuses_visit_duration_outside_zero_to_24_hours(world, hours):
    enrolment = factories.EnrolmentFactory(enterprise=world.sgs_enterprise)
    assert_database_refuses(
        lambda: factories.VisitFactory(
            enrolment=enrolment, trainer=world.sgs_trainer, duration_hours=Decimal(hours)
        )
    )


@pytest.mark.parametrize("hours", ["0.1", "24"])
def test_database_accepts_visit_duration_inside_the_range(world, hours):
    enrolment = factories.EnrolmentFactory(enterprise=world.sgs_enterprise)
    visit = factories.VisitFactory(
        enrolment=enrolment, trainer=world.sgs_trainer, duration_hours=Decimal(hours)
    )
    assert ConsultationVisit.objects.filter(pk=visit.pk).exists()


# --- trainers and modules ---------------------------------------------------------------


def test_database_refuses_second_certification_of_a_trainer_for_a_module(world):
    assert_database_refuses(
        lambda: factories.CertificationFactory(
            trainer=world.sgs_trainer, module=module("WCO"), level="master"
        )
    )


@pytest.mark.parametrize("expires_on", [date(2020, 1, 1), date(2019, 12, 31)])
def test_database_refuses_certification_expiring_on_or_before_award(world, expires_on):
    trainer = factories.TrainerFactory(organisation=world.sgs)
    assert_database_refuses(
        lambda: factories.CertificationFactory(
            trainer=trainer, awarded_on=date(2020, 1, 1), expires_on=expires_on
        )
    )


def test_database_refuses_a_second_foundation_module(world):
    assert_database_refuses(
        lambda: TrainingModule.objects.filter(code="QM").update(is_foundation=True)
    )
    assert_database_refuses(
        lambda: TrainingModule.objects.create(code="LEAN", name="Lean", is_foundation=True)
    )


def test_database_allows_more_modules_that_are_not_the_foundation(world):
    TrainingModule.objects.create(code="LEAN", name="Lean", is_foundation=False)
    TrainingModule.objects.create(code="GE", name="Gender Equality", is_foundation=False)
    assert TrainingModule.objects.filter(is_foundation=True).count() == 1


@pytest.mark.parametrize("days", [0, 11])
def test_database_refuses_classroom_days_outside_one_to_ten(world, days):
    assert_database_refuses(
        lambda: TrainingModule.objects.filter(code="QM").update(classroom_days=days)
    )


# --- KPI measurements -------------------------------------------------------------------


def test_database_refuses_two_values_for_the_same_month(world):
    factories.KpiMeasurementFactory(enterprise=world.sgs_enterprise, period=date(2024, 1, 1))
    assert_database_refuses(
        lambda: factories.KpiMeasurementFactory(
            enterprise=world.sgs_enterprise, period=date(2024, 1, 1), value=3
        )
    )


def test_database_allows_the_same_month_for_another_indicator_or_enterprise(world):
    factories.KpiMeasurementFactory(enterprise=world.sgs_enterprise, period=date(2024, 1, 1))
    factories.KpiMeasurementFactory(
        enterprise=world.sgs_enterprise,
        indicator=factories.indicator("waste"),
        period=date(2024, 1, 1),
    )
    factories.KpiMeasurementFactory(enterprise=world.tuv_enterprise, period=date(2024, 1, 1))
    assert KpiMeasurement.objects.count() == 3


def test_database_refuses_a_second_baseline(world):
    factories.KpiMeasurementFactory(
        enterprise=world.sgs_enterprise, period=date(2024, 1, 1), is_baseline=True
    )
    second = factories.KpiMeasurementFactory(
        enterprise=world.sgs_enterprise, period=date(2024, 2, 1)
    )
    assert_database_refuses(
        lambda: KpiMeasurement.objects.filter(pk=second.pk).update(is_baseline=True)
    )


def test_database_refuses_negative_kpi_value(world):
    assert_database_refuses(
        lambda: factories.KpiMeasurementFactory(enterprise=world.sgs_enterprise, value=-1)
    )


@pytest.mark.parametrize("day", [2, 15, 31])
def test_database_refuses_period_that_is_not_the_first_of_a_month(world, day):
    assert_database_refuses(
        lambda: factories.KpiMeasurementFactory(
            enterprise=world.sgs_enterprise, period=date(2024, 1, day)
        )
    )


# --- supplier links ---------------------------------------------------------------------


def test_database_refuses_second_link_between_a_brand_and_an_enterprise(world):
    assert_database_refuses(
        lambda: factories.SupplierLinkFactory(
            brand=world.inditex, enterprise=world.sgs_enterprise, status="requested"
        )
    )


def test_database_allows_many_requests_naming_no_enterprise(world):
    for os_id in ("XX1", "XX2"):
        factories.SupplierLinkFactory(
            brand=world.inditex, enterprise=None, requested_os_id=os_id, status="requested"
        )
    assert SupplierLink.objects.filter(enterprise__isnull=True).count() == 2


@pytest.mark.parametrize("status", ["granted", "revoked"])
def test_database_refuses_decided_link_without_enterprise(world, status):
    assert_database_refuses(
        lambda: SupplierLink.objects.create(
            brand=world.adidas,
            enterprise=None,
            requested_os_id="XX1",
            status=status,
            requested_at=timezone.now(),
            decided_at=timezone.now(),
        )
    )


@pytest.mark.parametrize("status", ["granted", "revoked"])
def test_database_refuses_decided_link_without_decision_time(world, status):
    assert_database_refuses(
        lambda: SupplierLink.objects.create(
            brand=world.adidas,
            enterprise=world.sgs_enterprise,
            status=status,
            requested_at=timezone.now(),
            decided_at=None,
        )
    )


def test_database_refuses_requested_link_with_decision_time(world):
    assert_database_refuses(
        lambda: SupplierLink.objects.create(
            brand=world.adidas,
            enterprise=world.sgs_enterprise,
            status="requested",
            requested_at=timezone.now(),
            decided_at=timezone.now(),
        )
    )


# --- choices: a value outside the choices never reaches a table -------------------------


@pytest.mark.parametrize(
    ("model", "field"),
    [
        (Organisation, "kind"),
        (Membership, "role"),
        (Licence, "status"),
        (SupplierLink, "status"),
        (Enterprise, "status"),
        (Enrolment, "status"),
        (Enrolment, "paid_by"),
        (ConsultationVisit, "kind"),
        (ImprovementProject, "status"),
        (Certification, "level"),
        (KpiMeasurement, "source"),
    ],
    ids=lambda value: value if isinstance(value, str) else value.__name__,
)
def test_database_refuses_values_outside_the_choices(world, model, field):
    factories.EnrolmentFactory(enterprise=world.sgs_enterprise)
    factories.VisitFactory(
        enrolment=Enrolment.objects.get(), trainer=world.sgs_trainer, duration_hours=2
    )
    factories.ImprovementProjectFactory(enrolment=Enrolment.objects.get())
    factories.KpiMeasurementFactory(enterprise=world.sgs_enterprise)
    assert model.objects.exists()
    assert_database_refuses(lambda: model.objects.update(**{field: "bogus"}))
