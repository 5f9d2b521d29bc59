"""A brand requests a supplier link; the enterprise's partner manager or ILO decides it."""

import pytest
from django.core.exceptions import PermissionDenied

from enterprises.selectors import enterprises_visible_to
from partners.models import SupplierLink
from partners.selectors import supplier_links_visible_to
from partners.services import supplier_link_grant, supplier_link_request, supplier_link_revoke
from tests import factories
from tests.helpers import assert_rejected

pytestmark = pytest.mark.django_db


def what_the_brand_is_shown(link: SupplierLink) -> dict:
    """The fields a brand may read of its own link (what it asked, and the decision)."""
    return {
        "status": link.status,
        "requested_enterprise_id": link.requested_enterprise_id,
        "requested_os_id": link.requested_os_id,
        "granted_enterprise": link.granted_enterprise,
        "decided_at": link.decided_at,
        "label": str(link),
    }


def test_brand_requests_a_link_by_enterprise_id(world):
    link = supplier_link_request(
        actor=world.users.adidas_viewer, brand=world.adidas, enterprise_id=world.tuv_enterprise.pk
    )
    link.refresh_from_db()
    assert link.status == SupplierLink.Status.REQUESTED
    assert link.enterprise == world.tuv_enterprise
    assert link.requested_enterprise_id == world.tuv_enterprise.pk
    assert link.requested_by == world.users.adidas_viewer
    assert link.decided_at is None
    # Asking opens nothing.
    assert list(enterprises_visible_to(world.users.adidas_viewer)) == []


def test_brand_requests_a_link_by_open_supply_hub_id(world):
    world.tuv_enterprise.os_id = "CN2021XYZ"
    world.tuv_enterprise.save()
    link = supplier_link_request(
        actor=world.users.adidas_viewer, brand=world.adidas, os_id=" CN2021XYZ "
    )
    assert link.enterprise == world.tuv_enterprise
    assert link.requested_os_id == "CN2021XYZ"
    assert link.requested_enterprise_id is None


@pytest.mark.parametrize("missing_id", [987654, 2**40])
def test_request_for_an_unknown_id_is_recorded_without_an_enterprise(world, missing_id):
    link = supplier_link_request(
        actor=world.users.adidas_viewer, brand=world.adidas, enterprise_id=missing_id
    )
    link.refresh_from_db()
    assert link.enterprise is None
    assert link.requested_enterprise_id == missing_id
    assert link.status == SupplierLink.Status.REQUESTED


def test_request_for_an_unknown_open_supply_hub_id_is_recorded_without_an_enterprise(world):
    link = supplier_link_request(actor=world.users.adidas_viewer, brand=world.adidas, os_id="ZZ9")
    assert link.enterprise is None
    assert link.requested_os_id == "ZZ9"


def test_answer_to_a_request_does_not_reveal_whether_the_enterprise_exists(world):
    existing_id = world.tuv_enterprise.pk
    missing_id = existing_id + 1000
    found = supplier_link_request(
        actor=world.users.adidas_viewer, brand=world.adidas, enterprise_id=existing_id
    )
    not_found = supplier_link_request(
        actor=world.users.adidas_viewer, brand=world.adidas, enterprise_id=missing_id
    )
    shown_found = what_the_brand_is_shown(found)
    shown_not_found = what_the_brand_is_shown(not_found)
    assert shown_found.pop("label").replace(str(existing_id), "<id>") == shown_not_found.pop(
        "label"
    ).replace(str(missing_id), "<id>")
    assert shown_found.pop("requested_enterprise_id") == existing_id
    assert shown_not_found.pop("requested_enterprise_id") == missing_id
    assert shown_found == shown_not_found
    assert world.tuv_enterprise.name not in str(found)
    # Both are listed for the brand alike, and neither opens an enterprise.
    assert set(supplier_links_visible_to(world.users.adidas_viewer)) == {found, not_found}
    assert list(enterprises_visible_to(world.users.adidas_viewer)) == []


def test_request_by_open_supply_hub_id_does_not_reveal_the_enterprise_name(world):
    world.tuv_enterprise.os_id = "CN2021XYZ"
    world.tuv_enterprise.save()
    link = supplier_link_request(
        actor=world.users.adidas_viewer, brand=world.adidas, os_id="CN2021XYZ"
    )
    assert world.tuv_enterprise.name not in str(link)
    assert "CN2021XYZ" in str(link)
    assert link.granted_enterprise is None


def test_asking_twice_keeps_one_request(world):
    first = supplier_link_request(
        actor=world.users.adidas_viewer, brand=world.adidas, enterprise_id=world.tuv_enterprise.pk
    )
    second = supplier_link_request(
        actor=world.users.adidas_viewer, brand=world.adidas, enterprise_id=world.tuv_enterprise.pk
    )
    missing = [
        supplier_link_request(actor=world.users.adidas_viewer, brand=world.adidas, os_id="ZZ9")
        for _ in range(2)
    ]
    assert first.pk == second.pk
    assert missing[0].pk == missing[1].pk
    assert SupplierLink.objects.filter(brand=world.adidas).count() == 2


def test_request_needs_an_id_or_an_open_supply_hub_id(world):
    assert_rejected(
        lambda: supplier_link_request(
            actor=world.users.adidas_viewer, brand=world.adidas, os_id="  "
        ),
        "enterprise",
        "open supply hub id",
    )
    assert not SupplierLink.objects.filter(brand=world.adidas).exists()


def test_brand_requests_for_itself_only(world):
    assert_rejected(
        lambda: supplier_link_request(
            actor=world.users.adidas_viewer,
            brand=world.inditex,
            enterprise_id=world.tuv_enterprise.pk,
        ),
        "brand",
        "for itself",
    )
    assert not SupplierLink.objects.filter(enterprise=world.tuv_enterprise).exists()


@pytest.mark.parametrize("persona", ["ilo_admin", "sgs_manager", "tuv_manager", "no_role"])
def test_only_brands_request_links(world, persona):
    with pytest.raises(PermissionDenied):
        supplier_link_request(
            actor=getattr(world.users, persona),
            brand=world.adidas,
            enterprise_id=world.tuv_enterprise.pk,
        )
    assert not SupplierLink.objects.filter(brand=world.adidas).exists()


# --- decisions --------------------------------------------------------------------------


@pytest.fixture
def adidas_request(world):
    return supplier_link_request(
        actor=world.users.adidas_viewer, brand=world.adidas, enterprise_id=world.sgs_enterprise.pk
    )


@pytest.mark.parametrize("persona", ["sgs_manager", "ilo_officer", "ilo_admin"])
def test_partner_manager_or_ilo_grants_a_request(world, adidas_request, persona):
    decider = getattr(world.users, persona)
    link = supplier_link_grant(actor=decider, link=adidas_request)
    link.refresh_from_db()
    assert link.status == SupplierLink.Status.GRANTED
    assert link.decided_by == decider
    assert link.decided_at is not None
    assert link.granted_enterprise == world.sgs_enterprise
    assert list(enterprises_visible_to(world.users.adidas_viewer)) == [world.sgs_enterprise]


@pytest.mark.parametrize(
    "persona", ["sgs_staff", "tuv_manager", "adidas_viewer", "inditex_viewer", "no_role"]
)
def test_others_may_not_decide_a_request(world, adidas_request, persona):
    for decide in (supplier_link_grant, supplier_link_revoke):
        with pytest.raises(PermissionDenied):
            decide(actor=getattr(world.users, persona), link=adidas_request)
    adidas_request.refresh_from_db()
    assert adidas_request.status == SupplierLink.Status.REQUESTED
    assert adidas_request.decided_at is None


def test_revoking_closes_the_enterprise_to_the_brand(world):
    link = SupplierLink.objects.get(brand=world.inditex)
    assert list(enterprises_visible_to(world.users.inditex_viewer)) == [world.sgs_enterprise]
    supplier_link_revoke(actor=world.users.sgs_manager, link=link)
    link.refresh_from_db()
    assert link.status == SupplierLink.Status.REVOKED
    assert link.decided_by == world.users.sgs_manager
    assert link.granted_enterprise is None
    assert list(enterprises_visible_to(world.users.inditex_viewer)) == []


def test_brand_may_ask_again_after_a_revocation(world):
    link = SupplierLink.objects.get(brand=world.inditex)
    supplier_link_revoke(actor=world.users.sgs_manager, link=link)
    again = supplier_link_request(
        actor=world.users.inditex_viewer,
        brand=world.inditex,
        enterprise_id=world.sgs_enterprise.pk,
    )
    again.refresh_from_db()
    assert again.pk == link.pk
    assert again.status == SupplierLink.Status.REQUESTED
    assert again.decided_at is None
    assert again.decided_by is None
    assert list(enterprises_visible_to(world.users.inditex_viewer)) == []
    supplier_link_grant(actor=world.users.sgs_manager, link=again)
    assert list(enterprises_visible_to(world.users.inditex_viewer)) == [world.sgs_enterprise]


def test_asking_again_for_a_granted_link_changes_nothing(world):
    link = SupplierLink.objects.get(brand=world.inditex)
    again = supplier_link_request(
        actor=world.users.inditex_viewer,
        brand=world.inditex,
        enterprise_id=world.sgs_enterprise.pk,
    )
    assert again.pk == link.pk
    assert again.status == SupplierLink.Status.GRANTED


def test_request_naming_no_enterprise_cannot_be_granted(world):
    link = supplier_link_request(actor=world.users.adidas_viewer, brand=world.adidas, os_id="ZZ9")
    assert_rejected(
        lambda: supplier_link_grant(actor=world.users.ilo_admin, link=link),
        "enterprise",
        "names no enterprise",
    )
    with pytest.raises(PermissionDenied):
        supplier_link_grant(actor=world.users.sgs_manager, link=link)
    link.refresh_from_db()
    assert link.status == SupplierLink.Status.REQUESTED


def test_link_created_without_requested_ids_is_labelled_without_the_enterprise_name(world):
    requested = factories.SupplierLinkFactory(
        brand=world.adidas, enterprise=world.tuv_enterprise, status="requested"
    )
    assert world.tuv_enterprise.name not in str(requested)
    granted = SupplierLink.objects.get(brand=world.inditex)
    assert world.sgs_enterprise.name in str(granted)


def test_asking_by_a_second_identifier_does_not_reveal_both_name_one_enterprise(world):
    world.tuv_enterprise.os_id = "CN2021XYZ"
    world.tuv_enterprise.save()
    by_id = supplier_link_request(
        actor=world.users.adidas_viewer, brand=world.adidas, enterprise_id=world.tuv_enterprise.pk
    )
    by_os_id = supplier_link_request(
        actor=world.users.adidas_viewer, brand=world.adidas, os_id="CN2021XYZ"
    )
    unknown = supplier_link_request(
        actor=world.users.adidas_viewer, brand=world.adidas, os_id="ZZ9"
    )
    # The second request is recorded as asked, exactly like a request for an unknown id.
    assert by_os_id.pk != by_id.pk
    assert what_the_brand_is_shown(by_os_id) == {
        **what_the_brand_is_shown(unknown),
        "requested_os_id": "CN2021XYZ",
        "label": str(unknown).replace("ZZ9", "CN2021XYZ"),
    }
    assert by_os_id.enterprise is None
    assert SupplierLink.objects.filter(brand=world.adidas).count() == 3
    # Asking again by either identifier finds the request made with it.
    assert (
        supplier_link_request(
            actor=world.users.adidas_viewer, brand=world.adidas, os_id="CN2021XYZ"
        ).pk
        == by_os_id.pk
    )
    assert (
        supplier_link_request(
            actor=world.users.adidas_viewer,
            brand=world.adidas,
            enterprise_id=world.tuv_enterprise.pk,
        ).pk
        == by_id.pk
    )


def test_asking_by_a_second_identifier_for_a_granted_supplier_returns_that_link(world):
    world.sgs_enterprise.os_id = "CN2017GZG"
    world.sgs_enterprise.save()
    granted = SupplierLink.objects.get(brand=world.inditex)
    again = supplier_link_request(
        actor=world.users.inditex_viewer, brand=world.inditex, os_id="CN2017GZG"
    )
    # The brand already sees this enterprise, its id and its Open Supply Hub ID.
    assert again.pk == granted.pk
    assert again.status == SupplierLink.Status.GRANTED
