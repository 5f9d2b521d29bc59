"""Enrolments: licence coverage, certified lead trainers, Workplace Cooperation first,
forward-only status, one live enrolment per module, and the fields that never change."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from modules.models import Enrolment, TrainingModule
from modules.services import (
    enrolment_advance,
    enrolment_create,
    enrolment_update,
    enrolment_withdraw,
)
from tests import factories
from tests.factories import module
from tests.helpers import CERTIFICATION_CASES, assert_rejected, trainer_with

pytestmark = pytest.mark.django_db


def enrol(world, code="WCO", *, actor=None, enterprise=None, started_on=date(2024, 1, 15), **kw):
    return enrolment_create(
        actor=actor or world.users.sgs_staff,
        enterprise=enterprise or world.sgs_enterprise,
        module=module(code),
        started_on=started_on,
        **kw,
    )


def test_partner_staff_enrols_its_enterprise_with_a_certified_lead_trainer(world):
    enrolment = enrol(world, lead_trainer=world.sgs_trainer, fee_amount=Decimal("1200.00"))
    enrolment.refresh_from_db()
    assert enrolment.partner == world.sgs
    assert enrolment.status == Enrolment.Status.PLANNED
    assert enrolment.lead_trainer == world.sgs_trainer


@pytest.mark.parametrize("persona", ["tuv_manager", "inditex_viewer", "no_role"])
def test_outsiders_may_not_enrol_an_enterprise(world, persona):
    with pytest.raises(PermissionDenied):
        enrol(world, actor=getattr(world.users, persona))
    assert not Enrolment.objects.exists()


# --- one live enrolment per (enterprise, module) ----------------------------------------


def test_second_live_enrolment_in_a_module_is_refused(world):
    enrol(world)
    assert_rejected(
        lambda: enrol(world, started_on=date(2024, 2, 1)),
        "module",
        "Guangzhou Garments",
        "already has a live enrolment",
        "Workplace Cooperation",
    )
    assert Enrolment.objects.count() == 1


def test_withdrawn_enrolment_does_not_block_a_new_one(world):
    first = enrol(world)
    enrolment_withdraw(actor=world.users.sgs_staff, enrolment=first)
    second = enrol(world, started_on=date(2024, 3, 1))
    assert second.pk != first.pk
    assert Enrolment.objects.exclude(status="withdrawn").get() == second


def test_new_enrolment_cannot_start_as_withdrawn(world):
    assert_rejected(lambda: enrol(world, status="withdrawn"), "status", "withdrawn")


# --- dates, fees ------------------------------------------------------------------------


def test_completion_before_the_start_is_refused(world):
    assert_rejected(
        lambda: enrol(
            world, status="completed", started_on=date(2024, 3, 1), completed_on=date(2024, 2, 1)
        ),
        "completed_on",
        "cannot be completed before it started",
    )
    assert not Enrolment.objects.exists()


def test_completed_enrolment_needs_its_completion_date(world):
    assert_rejected(
        lambda: enrol(world, status="completed"), "completed_on", "needs its completion date"
    )


def test_completion_date_in_the_future_is_refused(world):
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert_rejected(
        lambda: enrol(world, status="completed", completed_on=tomorrow),
        "completed_on",
        "future",
    )


def test_completed_on_the_start_day_is_accepted(world):
    enrolment = enrol(
        world, status="completed", started_on=date(2024, 3, 1), completed_on=date(2024, 3, 1)
    )
    assert enrolment.completed_on == date(2024, 3, 1)


def test_start_more_than_a_year_ahead_is_refused(world):
    assert_rejected(
        lambda: enrol(world, started_on=timezone.localdate() + timedelta(days=400)),
        "started_on",
        "more than a year ahead",
    )


def test_negative_fee_is_refused(world):
    assert_rejected(lambda: enrol(world, fee_amount=Decimal("-1")), "fee_amount", "negative")
    enrolment = enrol(world, fee_amount=Decimal("0"))
    assert_rejected(
        lambda: enrolment_update(
            actor=world.users.sgs_staff, enrolment=enrolment, fee_amount=Decimal("-0.01")
        ),
        "fee_amount",
        "negative",
    )
    enrolment.refresh_from_db()
    assert enrolment.fee_amount == 0


def test_enrolment_is_delivered_by_the_enterprises_own_partner(world):
    assert_rejected(lambda: enrol(world, partner=world.tuv), "partner", "own partner")


# --- licence coverage -------------------------------------------------------------------


@pytest.fixture
def eti(world):
    """A partner whose one licence covers China, WCO and QM from 2020 to 2022."""
    partner = factories.OrganisationFactory(name="Ethical Trading Initiative", kind="partner")
    licence = factories.LicenceFactory(
        partner=partner,
        reference="ETI-CN",
        countries=["CN"],
        modules=[module("WCO"), module("QM")],
        valid_from=date(2020, 1, 1),
        valid_until=date(2022, 12, 31),
    )
    return type(
        "Eti",
        (),
        {
            "partner": partner,
            "licence": licence,
            "manager": factories.user_with_role("eti.manager", partner, "partner_manager"),
            "trainer": factories.certified_trainer(partner, full_name="Sara Mensah"),
            "enterprise": factories.EnterpriseFactory(name="Dongguan Shoes", partner=partner),
        },
    )


def enrol_eti(eti, code="WCO", *, started_on, enterprise=None):
    return enrolment_create(
        actor=eti.manager,
        enterprise=enterprise or eti.enterprise,
        module=module(code),
        started_on=started_on,
        lead_trainer=eti.trainer,
    )


@pytest.mark.parametrize(
    "started_on",
    [date(2020, 1, 1), date(2021, 6, 1), date(2022, 12, 31)],
    ids=["first-day", "middle", "last-day"],
)
def test_active_licence_covers_its_validity_inclusive(eti, started_on):
    assert enrol_eti(eti, started_on=started_on).pk


@pytest.mark.parametrize(
    "started_on", [date(2019, 12, 31), date(2023, 1, 1)], ids=["before-valid-from", "after-end"]
)
def test_start_outside_the_licence_validity_is_refused(eti, started_on):
    assert_rejected(
        lambda: enrol_eti(eti, started_on=started_on),
        "started_on",
        "Ethical Trading Initiative",
        "no active licence",
        "Workplace Cooperation",
        "China",
        started_on.isoformat(),
    )
    assert not Enrolment.objects.filter(enterprise=eti.enterprise).exists()


@pytest.mark.parametrize("status", ["suspended", "terminated"])
def test_suspended_or_terminated_licence_covers_nothing(eti, status):
    eti.licence.status = status
    eti.licence.save()
    assert_rejected(
        lambda: enrol_eti(eti, started_on=date(2021, 6, 1)), "started_on", "no active licence"
    )


def test_country_outside_the_licence_is_refused(eti):
    enterprise = factories.EnterpriseFactory(
        name="Pune Textiles", partner=eti.partner, country="IN"
    )
    assert_rejected(
        lambda: enrol_eti(eti, started_on=date(2021, 6, 1), enterprise=enterprise),
        "started_on",
        "no active licence",
        "India",
    )


def test_module_outside_the_licence_is_refused(eti):
    factories.EnrolmentFactory(
        enterprise=eti.enterprise, module=module("WCO"), started_on=date(2020, 6, 1)
    )
    assert enrol_eti(eti, "QM", started_on=date(2021, 6, 1)).pk
    error = assert_rejected(
        lambda: enrol_eti(eti, "HRM", started_on=date(2021, 6, 1)),
        "started_on",
        "no active licence",
        "Human Resource Management",
    )
    # The foundation module is in place: only the licence stands in the way.
    assert "module" not in error.message_dict


def test_another_partners_licence_does_not_count(eti, world):
    eti.licence.status = "suspended"
    eti.licence.save()
    # TÜV Rheinland's licence covers China and every module, but it is not ETI's.
    assert world.tuv_licence.countries == ["CN"]
    assert_rejected(
        lambda: enrol_eti(eti, started_on=date(2021, 6, 1)), "started_on", "no active licence"
    )


def test_a_second_licence_can_extend_the_coverage(eti):
    factories.LicenceFactory(
        partner=eti.partner,
        reference="ETI-CN-2",
        countries=["CN", "VN"],
        modules=[module("WCO")],
        valid_from=date(2023, 1, 1),
        valid_until=date(2025, 12, 31),
    )
    assert enrol_eti(eti, started_on=date(2023, 1, 1)).pk


def test_moving_the_start_outside_the_licence_is_refused(eti):
    enrolment = enrol_eti(eti, started_on=date(2022, 6, 1))
    assert_rejected(
        lambda: enrolment_update(
            actor=eti.manager, enrolment=enrolment, started_on=date(2023, 2, 1)
        ),
        "started_on",
        "no active licence",
    )
    enrolment.refresh_from_db()
    assert enrolment.started_on == date(2022, 6, 1)


def test_expired_licence_does_not_stop_progress_on_an_enrolment_it_covered(eti):
    enrolment = enrol_eti(eti, started_on=date(2022, 6, 1))
    eti.licence.status = "terminated"
    eti.licence.save()
    enrolment_advance(actor=eti.manager, enrolment=enrolment, status="consulting")
    enrolment_update(actor=eti.manager, enrolment=enrolment, fee_amount=Decimal("500"))
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.fee_amount) == ("consulting", Decimal("500"))


# --- the lead trainer -------------------------------------------------------------------


@pytest.mark.parametrize(("level", "on", "allowed"), CERTIFICATION_CASES)
def test_lead_trainer_must_be_certified_on_the_start_date(world, level, on, allowed):
    trainer = trainer_with(world, level)
    if allowed:
        assert enrol(world, started_on=on, lead_trainer=trainer).lead_trainer == trainer
    else:
        assert_rejected(
            lambda: enrol(world, started_on=on, lead_trainer=trainer),
            "lead_trainer",
            "not a certified trainer",
            "Workplace Cooperation",
            on.isoformat(),
        )
        assert not Enrolment.objects.exists()


def test_lead_trainer_certified_for_another_module_only_is_refused(world):
    trainer = factories.TrainerFactory(organisation=world.sgs)
    factories.CertificationFactory(trainer=trainer, module=module("QM"))
    assert_rejected(
        lambda: enrol(world, lead_trainer=trainer), "lead_trainer", "not a certified trainer"
    )


def test_lead_trainer_of_another_organisation_is_refused(world):
    assert_rejected(
        lambda: enrol(world, lead_trainer=world.tuv_trainer),
        "lead_trainer",
        "another organisation",
    )


def test_changing_the_lead_trainer_checks_the_new_one(world):
    enrolment = enrol(world, lead_trainer=world.sgs_trainer)
    candidate = trainer_with(world, "candidate")
    assert_rejected(
        lambda: enrolment_update(
            actor=world.users.sgs_staff, enrolment=enrolment, lead_trainer=candidate
        ),
        "lead_trainer",
        "not a certified trainer",
    )
    enrolment.refresh_from_db()
    assert enrolment.lead_trainer == world.sgs_trainer


# --- Workplace Cooperation first --------------------------------------------------------


@pytest.mark.parametrize(
    ("foundation_status", "foundation_start", "allowed"),
    [
        pytest.param("planned", date(2024, 1, 1), True, id="planned-earlier"),
        pytest.param("consulting", date(2024, 1, 1), True, id="consulting-earlier"),
        pytest.param("completed", date(2024, 1, 1), True, id="completed-earlier"),
        pytest.param("planned", date(2024, 2, 1), True, id="same-day"),
        pytest.param("planned", date(2024, 2, 2), False, id="starts-later"),
        pytest.param("withdrawn", date(2024, 1, 1), False, id="withdrawn"),
    ],
)
def test_another_module_needs_a_live_foundation_enrolment_starting_no_later(
    world, foundation_status, foundation_start, allowed
):
    factories.EnrolmentFactory(
        enterprise=world.sgs_enterprise,
        module=module("WCO"),
        status=foundation_status,
        started_on=foundation_start,
        completed_on=date(2024, 1, 31) if foundation_status == "completed" else None,
    )
    if allowed:
        assert enrol(world, "QM", started_on=date(2024, 2, 1)).pk
    else:
        assert_rejected(
            lambda: enrol(world, "QM", started_on=date(2024, 2, 1)),
            "module",
            "Workplace Cooperation comes first",
            "Quality Management",
        )
        assert not Enrolment.objects.filter(module=module("QM")).exists()


def test_module_without_any_foundation_enrolment_is_refused(world):
    assert_rejected(lambda: enrol(world, "OSH"), "module", "Workplace Cooperation comes first")


def test_without_a_foundation_module_no_module_has_to_come_first(world):
    TrainingModule.objects.update(is_foundation=False)
    assert enrol(world, "QM").pk


def test_foundation_enrolment_of_another_enterprise_does_not_count(world):
    factories.EnrolmentFactory(
        enterprise=factories.EnterpriseFactory(partner=world.sgs),
        module=module("WCO"),
        started_on=date(2023, 1, 1),
    )
    assert_rejected(lambda: enrol(world, "QM"), "module", "Workplace Cooperation comes first")


def test_moving_a_module_start_before_the_foundation_is_refused(world):
    enrol(world, "WCO", started_on=date(2024, 1, 15))
    quality = enrol(world, "QM", started_on=date(2024, 2, 1))
    assert_rejected(
        lambda: enrolment_update(
            actor=world.users.sgs_staff, enrolment=quality, started_on=date(2024, 1, 14)
        ),
        "module",
        "Workplace Cooperation comes first",
    )


def test_moving_the_foundation_start_after_a_module_it_opened_is_refused(world):
    foundation = enrol(world, "WCO", started_on=date(2024, 1, 15))
    enrol(world, "QM", started_on=date(2024, 2, 1))
    assert_rejected(
        lambda: enrolment_update(
            actor=world.users.sgs_staff, enrolment=foundation, started_on=date(2024, 2, 2)
        ),
        "started_on",
        "Quality Management",
    )
    foundation.refresh_from_db()
    assert foundation.started_on == date(2024, 1, 15)


def test_moving_the_foundation_start_within_the_order_is_accepted(world):
    foundation = enrol(world, "WCO", started_on=date(2024, 1, 15))
    enrol(world, "QM", started_on=date(2024, 2, 1))
    enrolment_update(actor=world.users.sgs_staff, enrolment=foundation, started_on=date(2024, 2, 1))
    foundation.refresh_from_db()
    assert foundation.started_on == date(2024, 2, 1)


# --- forward-only status ----------------------------------------------------------------

STATUSES = ["planned", "classroom", "consulting", "completed", "withdrawn"]
ALLOWED_MOVES = {
    ("planned", "classroom"),
    ("planned", "consulting"),
    ("planned", "completed"),
    ("planned", "withdrawn"),
    ("classroom", "consulting"),
    ("classroom", "completed"),
    ("classroom", "withdrawn"),
    ("consulting", "completed"),
    ("consulting", "withdrawn"),
    ("completed", "withdrawn"),
}


@pytest.mark.parametrize(
    ("old", "new"), [(old, new) for old in STATUSES for new in STATUSES if old != new]
)
def test_status_moves_forward_only_and_withdrawn_is_final(world, old, new):
    enrolment = factories.EnrolmentFactory(
        enterprise=world.sgs_enterprise,
        module=module("WCO"),
        status=old,
        started_on=date(2024, 1, 15),
        completed_on=date(2024, 5, 1) if old == "completed" else None,
    )
    if (old, new) in ALLOWED_MOVES:
        enrolment_update(actor=world.users.sgs_staff, enrolment=enrolment, status=new)
        enrolment.refresh_from_db()
        assert enrolment.status == new
        if new == "completed":
            assert enrolment.completed_on is not None
    else:
        words = ["withdrawn enrolment cannot change"] if old == "withdrawn" else ["forward only"]
        assert_rejected(
            lambda: enrolment_update(actor=world.users.sgs_staff, enrolment=enrolment, status=new),
            "status",
            *words,
        )
        enrolment.refresh_from_db()
        assert enrolment.status == old


def test_completing_records_today_unless_a_date_is_given(world):
    enrolment = enrol(world, started_on=date(2024, 1, 15))
    enrolment_advance(actor=world.users.sgs_staff, enrolment=enrolment, status="completed")
    enrolment.refresh_from_db()
    assert enrolment.completed_on == timezone.localdate()

    other = enrol(world, "QM", started_on=date(2024, 2, 1))
    enrolment_advance(
        actor=world.users.sgs_staff, enrolment=other, status="completed", on=date(2024, 6, 30)
    )
    other.refresh_from_db()
    assert other.completed_on == date(2024, 6, 30)


def test_status_guard_uses_the_stored_status_not_a_stale_copy(world):
    enrolment = enrol(world)
    stale = Enrolment.objects.get(pk=enrolment.pk)
    enrolment_advance(actor=world.users.sgs_staff, enrolment=enrolment, status="consulting")
    assert_rejected(
        lambda: enrolment_update(actor=world.users.sgs_staff, enrolment=stale, status="classroom"),
        "status",
        "forward only",
    )


# --- fields that never change -----------------------------------------------------------


@pytest.mark.parametrize("field", ["enterprise", "module", "partner"])
def test_enrolment_keeps_its_enterprise_module_and_partner(world, field):
    enrolment = enrol(world)
    replacement = {
        "enterprise": factories.EnterpriseFactory(partner=world.sgs),
        "module": module("QM"),
        "partner": world.tuv,
    }[field]
    assert_rejected(
        lambda: enrolment_update(
            actor=world.users.sgs_staff, enrolment=enrolment, **{field: replacement}
        ),
        field,
        "cannot be changed",
    )
    stored = Enrolment.objects.get(pk=enrolment.pk)
    assert (stored.enterprise, stored.module, stored.partner) == (
        world.sgs_enterprise,
        module("WCO"),
        world.sgs,
    )


def test_repeating_a_frozen_field_unchanged_is_harmless(world):
    enrolment = enrol(world)
    enrolment_update(
        actor=world.users.sgs_staff,
        enrolment=enrolment,
        enterprise=world.sgs_enterprise,
        module=module("WCO"),
        paid_by="brand",
    )
    assert Enrolment.objects.get(pk=enrolment.pk).paid_by == "brand"


@pytest.mark.parametrize("persona", ["tuv_manager", "inditex_viewer", "no_role"])
def test_outsiders_may_not_change_an_enrolment(world, persona):
    enrolment = enrol(world)
    with pytest.raises(PermissionDenied):
        enrolment_advance(
            actor=getattr(world.users, persona), enrolment=enrolment, status="classroom"
        )
    assert Enrolment.objects.get(pk=enrolment.pk).status == "planned"
