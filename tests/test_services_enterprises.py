"""Registering and changing enterprises and participants through their services."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from enterprises.models import Enterprise, Participant
from enterprises.services import (
    enterprise_delete,
    enterprise_register,
    enterprise_update,
    participant_create,
    participant_update,
)
from tests import factories
from tests.helpers import assert_rejected

pytestmark = pytest.mark.django_db


def register(world, actor=None, partner=None, **fields):
    values = {
        "name": "Chennai Knitwear",
        "country": "IN",
        "city": "Chennai",
        "sector": "garments",
        "employees_total": 300,
        "employees_female": 180,
    }
    values.update(fields)
    return enterprise_register(
        actor=actor or world.users.sgs_manager, partner=partner or world.sgs, **values
    )


def test_partner_manager_registers_enterprise_in_a_licensed_country(world):
    enterprise = register(world, os_id="  IN2020ABC  ")
    enterprise.refresh_from_db()
    assert enterprise.partner == world.sgs
    assert enterprise.country == "IN"
    assert enterprise.os_id == "IN2020ABC"


def test_female_employees_above_total_is_refused_in_words(world):
    assert_rejected(
        lambda: register(world, employees_total=100, employees_female=101),
        "employees_female",
        "cannot exceed",
        "101",
        "100",
    )
    assert not Enterprise.objects.filter(name="Chennai Knitwear").exists()


def test_update_raising_female_employees_above_total_is_refused(world):
    enterprise = world.sgs_enterprise
    assert_rejected(
        lambda: enterprise_update(
            actor=world.users.sgs_manager, enterprise=enterprise, employees_total=100
        ),
        "employees_female",
        "cannot exceed",
    )
    enterprise.refresh_from_db()
    assert enterprise.employees_total == 200


def test_negative_employee_count_is_refused(world):
    error = assert_rejected(
        lambda: register(world, employees_total=10, employees_female=-1), "employees_female"
    )
    assert error.message_dict["employees_female"]
    assert not Enterprise.objects.filter(name="Chennai Knitwear").exists()


def test_duplicate_open_supply_hub_id_is_refused(world):
    factories.EnterpriseFactory(partner=world.tuv, os_id="IN2020ABC")
    assert_rejected(
        lambda: register(world, os_id=" IN2020ABC "), "os_id", "another enterprise", "open supply"
    )
    assert Enterprise.objects.filter(os_id="IN2020ABC").count() == 1


def test_many_enterprises_may_leave_open_supply_hub_id_blank(world):
    register(world, name="First", os_id="")
    register(world, name="Second", os_id="   ")
    assert Enterprise.objects.filter(name__in=["First", "Second"], os_id="").count() == 2


def test_duplicate_registration_number_in_one_country_is_refused(world):
    factories.EnterpriseFactory(partner=world.tuv, country="IN", registration_number="U17110TN")
    assert_rejected(
        lambda: register(world, registration_number="U17110TN"),
        "registration_number",
        "already has this registration number",
    )


def test_same_registration_number_in_another_country_is_accepted(world):
    factories.EnterpriseFactory(partner=world.tuv, country="CN", registration_number="U17110TN")
    enterprise = register(world, registration_number="U17110TN")
    assert enterprise.pk


def test_changing_an_enterprise_keeps_its_own_numbers(world):
    enterprise = register(world, os_id="IN2020ABC", registration_number="U17110TN")
    enterprise_update(actor=world.users.sgs_manager, enterprise=enterprise, city="Tiruppur")
    enterprise.refresh_from_db()
    assert enterprise.city == "Tiruppur"


def test_partner_cannot_register_an_enterprise_outside_its_licensed_countries(world):
    # TÜV Rheinland is licensed for China only.
    assert_rejected(
        lambda: register(world, actor=world.users.tuv_manager, partner=world.tuv),
        "country",
        "TÜV Rheinland",
        "no active licence",
        "India",
    )
    assert not Enterprise.objects.filter(name="Chennai Knitwear").exists()


@pytest.mark.parametrize(
    ("status", "valid_from", "valid_until"),
    [
        ("suspended", date(2015, 1, 1), date(2035, 12, 31)),
        ("terminated", date(2015, 1, 1), date(2035, 12, 31)),
        ("active", date(2015, 1, 1), date(2020, 12, 31)),
        ("active", date(2034, 1, 1), date(2035, 12, 31)),
    ],
    ids=["suspended", "terminated", "expired", "not-yet-valid"],
)
def test_only_an_active_licence_valid_today_allows_registering(
    world, status, valid_from, valid_until
):
    partner = factories.OrganisationFactory(name="Ethical Trading Initiative", kind="partner")
    manager = factories.user_with_role("eti.manager", partner, "partner_manager")
    factories.LicenceFactory(
        partner=partner,
        countries=["IN"],
        status=status,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    assert_rejected(
        lambda: register(world, actor=manager, partner=partner), "country", "no active licence"
    )


def test_moving_an_enterprise_to_an_unlicensed_country_is_refused(world):
    enterprise = world.tuv_enterprise
    assert_rejected(
        lambda: enterprise_update(
            actor=world.users.tuv_manager, enterprise=enterprise, country="IN"
        ),
        "country",
        "no active licence",
    )
    enterprise.refresh_from_db()
    assert enterprise.country == "CN"


def test_an_enterprise_is_served_by_a_partner_organisation_only(world):
    assert_rejected(
        lambda: register(world, actor=world.users.ilo_admin, partner=world.inditex),
        "partner",
        "partner organisation",
    )


def test_partner_staff_may_not_register_enterprises(world):
    with pytest.raises(PermissionDenied):
        register(world, actor=world.users.sgs_staff)
    assert not Enterprise.objects.filter(name="Chennai Knitwear").exists()


@pytest.mark.parametrize("persona", ["tuv_manager", "inditex_viewer", "no_role"])
def test_outsiders_may_not_register_enterprises_for_a_partner(world, persona):
    with pytest.raises(PermissionDenied):
        register(world, actor=getattr(world.users, persona))


@pytest.mark.parametrize("persona", ["sgs_staff", "tuv_manager", "inditex_viewer", "no_role"])
def test_only_the_serving_partner_manager_or_ilo_change_an_enterprise(world, persona):
    with pytest.raises(PermissionDenied):
        enterprise_update(
            actor=getattr(world.users, persona), enterprise=world.sgs_enterprise, city="Foshan"
        )
    with pytest.raises(PermissionDenied):
        enterprise_delete(actor=getattr(world.users, persona), enterprise=world.sgs_enterprise)
    assert Enterprise.objects.get(pk=world.sgs_enterprise.pk).city == "Guangzhou"


def test_only_ilo_moves_an_enterprise_to_another_partner(world):
    with pytest.raises(PermissionDenied):
        enterprise_update(
            actor=world.users.sgs_manager, enterprise=world.sgs_enterprise, partner=world.tuv
        )
    enterprise_update(
        actor=world.users.ilo_officer, enterprise=world.sgs_enterprise, partner=world.tuv
    )
    assert Enterprise.objects.get(pk=world.sgs_enterprise.pk).partner == world.tuv


def test_unknown_field_is_refused_by_name(world):
    assert_rejected(
        lambda: enterprise_update(
            actor=world.users.sgs_manager, enterprise=world.sgs_enterprise, created_at=None
        ),
        "created_at",
        "cannot be changed",
    )


# --- participants -----------------------------------------------------------------------


def test_partner_staff_adds_a_participant_to_its_enterprise(world):
    participant = participant_create(
        actor=world.users.sgs_staff,
        enterprise=world.sgs_enterprise,
        full_name="Wang Fang",
        role="worker",
        gender="female",
        contract="temporary",
        is_eit_member=True,
    )
    assert participant.enterprise == world.sgs_enterprise


def test_participant_needs_a_name(world):
    assert_rejected(
        lambda: participant_create(
            actor=world.users.sgs_staff,
            enterprise=world.sgs_enterprise,
            full_name="   ",
            role="worker",
            gender="female",
        ),
        "full_name",
        "full name",
    )
    assert not Participant.objects.exists()


@pytest.mark.parametrize("persona", ["tuv_manager", "inditex_viewer", "no_role"])
def test_outsiders_may_not_add_participants(world, persona):
    with pytest.raises(PermissionDenied):
        participant_create(
            actor=getattr(world.users, persona),
            enterprise=world.sgs_enterprise,
            full_name="Wang Fang",
            role="worker",
            gender="female",
        )
    assert not Participant.objects.exists()


def test_participant_cannot_move_to_another_enterprise(world):
    participant = factories.ParticipantFactory(enterprise=world.sgs_enterprise)
    other = factories.EnterpriseFactory(partner=world.sgs)
    assert_rejected(
        lambda: participant_update(
            actor=world.users.sgs_staff, participant=participant, enterprise=other
        ),
        "enterprise",
        "cannot be changed",
    )
    participant.refresh_from_db()
    assert participant.enterprise == world.sgs_enterprise


def test_enterprise_registration_date_check_uses_today(world):
    """The licence that matters for registering is the one valid today, not some other day."""
    partner = factories.OrganisationFactory(name="Vietnam Productivity Institute", kind="partner")
    manager = factories.user_with_role("vpi.manager", partner, "partner_manager")
    today = timezone.localdate()
    factories.LicenceFactory(
        partner=partner,
        countries=["VN"],
        valid_from=today - timedelta(days=1),
        valid_until=today,
    )
    enterprise = register(world, actor=manager, partner=partner, country="VN")
    assert enterprise.country == "VN"
