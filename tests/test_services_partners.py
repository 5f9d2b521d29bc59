"""Memberships, licences and organisations through their services."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from partners.access import principal_of
from partners.models import Licence, Membership, Organisation, Role
from partners.services import (
    licence_create,
    licence_update,
    membership_save,
    organisation_create,
    organisation_update,
    user_create_with_membership,
)
from tests import factories
from tests.factories import module
from tests.helpers import assert_rejected

pytestmark = pytest.mark.django_db

KIND_OF_ROLE = {
    Role.ILO_ADMIN: "ilo",
    Role.ILO_OFFICER: "ilo",
    Role.PARTNER_MANAGER: "partner",
    Role.PARTNER_STAFF: "partner",
    Role.BRAND_VIEWER: "brand",
}


# --- memberships ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["ilo", "partner", "brand", "donor"])
@pytest.mark.parametrize("role", [choice.value for choice in Role])
def test_membership_role_must_match_the_organisation_kind(world, role, kind):
    organisation = factories.OrganisationFactory(name=f"A {kind}", kind=kind)
    user = factories.UserFactory(username="new.member")
    membership = Membership(user=user, organisation=organisation, role=role)
    if KIND_OF_ROLE[role] == kind:
        membership_save(actor=world.users.ilo_admin, membership=membership)
        assert principal_of(user).role == role
    else:
        assert_rejected(
            lambda: membership_save(actor=world.users.ilo_admin, membership=membership),
            "role",
            "belongs to an organisation of kind",
        )
        assert not Membership.objects.filter(user=user).exists()


def test_second_active_membership_is_refused(world):
    membership = Membership(
        user=world.users.sgs_staff, organisation=world.tuv, role=Role.PARTNER_STAFF
    )
    assert_rejected(
        lambda: membership_save(actor=world.users.ilo_admin, membership=membership),
        "user",
        "already has an active membership",
    )
    assert world.users.sgs_staff.memberships.count() == 1


def test_inactive_membership_beside_the_active_one_is_accepted(world):
    membership = Membership(
        user=world.users.sgs_staff,
        organisation=world.tuv,
        role=Role.PARTNER_STAFF,
        is_active=False,
    )
    membership_save(actor=world.users.ilo_admin, membership=membership)
    assert principal_of(world.users.sgs_staff).organisation_id == world.sgs.pk


def test_moving_a_user_means_closing_one_membership_then_opening_another(world):
    user = world.users.sgs_staff
    current = user.memberships.get()
    current.is_active = False
    membership_save(actor=world.users.ilo_admin, membership=current)
    membership_save(
        actor=world.users.ilo_admin,
        membership=Membership(user=user, organisation=world.tuv, role=Role.PARTNER_STAFF),
    )
    assert principal_of(user).organisation_id == world.tuv.pk


def test_partner_manager_adds_users_to_its_own_organisation_only(world):
    user = user_create_with_membership(
        actor=world.users.sgs_manager,
        username="sgs.new",
        password="a-long-password-1",
        organisation=world.sgs,
        role=Role.PARTNER_STAFF,
    )
    assert principal_of(user).organisation_id == world.sgs.pk
    with pytest.raises(PermissionDenied):
        user_create_with_membership(
            actor=world.users.sgs_manager,
            username="tuv.new",
            password="a-long-password-1",
            organisation=world.tuv,
            role=Role.PARTNER_STAFF,
        )


def test_partner_manager_cannot_make_an_ilo_administrator(world):
    assert_rejected(
        lambda: user_create_with_membership(
            actor=world.users.sgs_manager,
            username="sneaky",
            password="a-long-password-1",
            organisation=world.sgs,
            role=Role.ILO_ADMIN,
        ),
        "role",
        "belongs to an organisation of kind",
    )


@pytest.mark.parametrize("persona", ["ilo_officer", "sgs_staff", "inditex_viewer", "no_role"])
def test_others_may_not_manage_memberships(world, persona):
    with pytest.raises(PermissionDenied):
        membership_save(
            actor=getattr(world.users, persona),
            membership=Membership(
                user=factories.UserFactory(), organisation=world.sgs, role=Role.PARTNER_STAFF
            ),
        )


def test_username_taken_is_refused_in_words(world):
    assert_rejected(
        lambda: user_create_with_membership(
            actor=world.users.ilo_admin,
            username="SGS.Staff",
            password="a-long-password-1",
            organisation=world.sgs,
            role=Role.PARTNER_STAFF,
        ),
        "username",
        "taken",
    )


# --- licences ---------------------------------------------------------------------------


def licence(world, **fields):
    values = {
        "partner": world.sgs,
        "reference": "SGS-VN-2024",
        "countries": ["VN"],
        "modules": [module("WCO")],
        "valid_from": date(2024, 1, 1),
        "valid_until": date(2026, 12, 31),
    }
    values.update(fields)
    return licence_create(actor=world.users.ilo_admin, **values)


def test_ilo_admin_signs_a_licence(world):
    created = licence(world)
    assert list(created.modules.all()) == [module("WCO")]
    assert created.status == Licence.Status.ACTIVE


def test_licence_ending_before_it_starts_is_refused(world):
    assert_rejected(
        lambda: licence(world, valid_from=date(2024, 1, 2), valid_until=date(2024, 1, 1)),
        "valid_until",
        "cannot end before it starts",
    )
    assert not Licence.objects.filter(reference="SGS-VN-2024").exists()


def test_licence_update_ending_before_it_starts_is_refused(world):
    assert_rejected(
        lambda: licence_update(
            actor=world.users.ilo_admin, licence=world.sgs_licence, valid_until=date(2014, 1, 1)
        ),
        "valid_until",
        "cannot end before it starts",
    )
    world.sgs_licence.refresh_from_db()
    assert world.sgs_licence.valid_until == date(2035, 12, 31)


def test_licence_needs_a_country_and_a_module(world):
    assert_rejected(lambda: licence(world, countries=[]), "countries", "at least one country")
    assert_rejected(lambda: licence(world, modules=[]), "modules", "at least one module")
    assert not Licence.objects.filter(reference="SGS-VN-2024").exists()


def test_licence_is_signed_with_a_partner_only(world):
    assert_rejected(lambda: licence(world, partner=world.inditex), "partner", "partner")


def test_licence_cannot_move_to_another_partner(world):
    assert_rejected(
        lambda: licence_update(
            actor=world.users.ilo_admin, licence=world.sgs_licence, partner=world.tuv
        ),
        "partner",
        "cannot be changed",
    )


@pytest.mark.parametrize("persona", ["ilo_officer", "sgs_manager", "inditex_viewer", "no_role"])
def test_only_ilo_admin_manages_licences(world, persona):
    with pytest.raises(PermissionDenied):
        licence_create(
            actor=getattr(world.users, persona),
            partner=world.sgs,
            reference="SGS-VN-2024",
            countries=["VN"],
            modules=[module("WCO")],
            valid_from=date(2024, 1, 1),
            valid_until=date(2026, 12, 31),
        )
    with pytest.raises(PermissionDenied):
        licence_update(
            actor=getattr(world.users, persona), licence=world.sgs_licence, status="suspended"
        )
    assert Licence.objects.get(pk=world.sgs_licence.pk).status == "active"


# --- organisations ----------------------------------------------------------------------


def test_ilo_admin_creates_an_organisation(world):
    created = organisation_create(actor=world.users.ilo_admin, name="Norad", kind="donor")
    assert created.kind == Organisation.Kind.DONOR


@pytest.mark.parametrize("persona", ["ilo_officer", "sgs_manager", "inditex_viewer"])
def test_only_ilo_admin_manages_organisations(world, persona):
    with pytest.raises(PermissionDenied):
        organisation_create(actor=getattr(world.users, persona), name="Norad", kind="donor")


def test_organisation_with_members_keeps_its_kind(world):
    assert_rejected(
        lambda: organisation_update(
            actor=world.users.ilo_admin, organisation=world.inditex, kind="donor"
        ),
        "kind",
        "active members",
    )


def test_organisation_serving_enterprises_stays_a_partner(world):
    world.sgs.memberships.update(is_active=False)
    assert_rejected(
        lambda: organisation_update(
            actor=world.users.ilo_admin, organisation=world.sgs, kind="brand"
        ),
        "kind",
        "must stay a partner",
    )
