"""Who may change what: the ``can_<verb>`` predicates against the table of access.md."""

import pytest
from django.contrib.auth.models import AnonymousUser

from enterprises.permissions import can_manage_enterprise, can_record_progress
from modules.permissions import can_manage_training_modules
from partners.models import SupplierLink
from partners.permissions import (
    can_decide_supplier_link,
    can_manage_licences,
    can_manage_memberships,
    can_manage_organisations,
    can_request_supplier_link,
)
from tests import factories
from trainers.permissions import can_manage_certifications, can_manage_trainer

pytestmark = pytest.mark.django_db

PERSONAS = [
    "ilo_admin",
    "ilo_officer",
    "sgs_manager",
    "sgs_staff",
    "tuv_manager",
    "inditex_viewer",
    "adidas_viewer",
    "no_role",
    "anonymous",
]


def link_without_enterprise(world):
    return factories.SupplierLinkFactory(
        brand=world.adidas, enterprise=None, requested_os_id="ZZ9", status="requested"
    )


# predicate name -> (how to ask it, the personas that may)
RULES = {
    "manage organisations": (lambda w, u: can_manage_organisations(u), {"ilo_admin"}),
    "manage licences": (lambda w, u: can_manage_licences(u), {"ilo_admin"}),
    "manage certifications": (lambda w, u: can_manage_certifications(u), {"ilo_admin"}),
    "manage training modules": (lambda w, u: can_manage_training_modules(u), {"ilo_admin"}),
    "manage SGS memberships": (
        lambda w, u: can_manage_memberships(u, organisation_id=w.sgs.pk),
        {"ilo_admin", "sgs_manager"},
    ),
    "manage SGS trainers": (
        lambda w, u: can_manage_trainer(u, organisation_id=w.sgs.pk),
        {"ilo_admin", "sgs_manager"},
    ),
    "manage SGS enterprises": (
        lambda w, u: can_manage_enterprise(u, partner_id=w.sgs.pk),
        {"ilo_admin", "ilo_officer", "sgs_manager"},
    ),
    "manage TÜV enterprises": (
        lambda w, u: can_manage_enterprise(u, partner_id=w.tuv.pk),
        {"ilo_admin", "ilo_officer", "tuv_manager"},
    ),
    "record SGS progress": (
        lambda w, u: can_record_progress(u, partner_id=w.sgs.pk),
        {"ilo_admin", "ilo_officer", "sgs_manager", "sgs_staff"},
    ),
    "record TÜV progress": (
        lambda w, u: can_record_progress(u, partner_id=w.tuv.pk),
        {"ilo_admin", "ilo_officer", "tuv_manager"},
    ),
    "request supplier links": (
        lambda w, u: can_request_supplier_link(u),
        {"inditex_viewer", "adidas_viewer"},
    ),
    "decide a link to an SGS enterprise": (
        lambda w, u: can_decide_supplier_link(u, SupplierLink.objects.get(brand=w.inditex)),
        {"ilo_admin", "ilo_officer", "sgs_manager"},
    ),
    "decide a request naming no enterprise": (
        lambda w, u: can_decide_supplier_link(u, link_without_enterprise(w)),
        {"ilo_admin", "ilo_officer"},
    ),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("rule", list(RULES))
def test_who_may_change_what(world, rule, persona):
    ask, allowed = RULES[rule]
    user = AnonymousUser() if persona == "anonymous" else getattr(world.users, persona)
    assert ask(world, user) is (persona in allowed)


@pytest.mark.parametrize("rule", list(RULES))
def test_nobody_without_an_organisation_may_change_anything(world, rule):
    ask, _ = RULES[rule]
    assert ask(world, None) is False
