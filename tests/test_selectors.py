"""What each persona sees (access.md): every scoped selector, asked by every role.

The world has, for each partner's enterprise, one record of every kind hanging off it, and
three brands: Inditex with a granted link (brand X), Adidas with none (brand Y), and Puma
whose links were only requested or revoked.
"""

from datetime import date
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from enterprises.models import Enterprise, Participant
from enterprises.selectors import (
    enterprise_get,
    enterprises_visible_to,
    improvement_team_composition,
    participants_visible_to,
)
from modules.models import (
    Attendance,
    ClassroomSession,
    ConsultationVisit,
    Enrolment,
    ImprovementProject,
)
from modules.selectors import (
    attendance_visible_to,
    classroom_sessions_visible_to,
    enrolments_visible_to,
    enrolments_with_overdue_follow_up,
    improvement_projects_visible_to,
    visits_visible_to,
)
from partners.access import forget_principal, principal_of
from partners.models import Licence, Membership, Organisation, SupplierLink
from partners.selectors import (
    licence_covers,
    licences_visible_to,
    memberships_visible_to,
    organisations_visible_to,
    partner_licensed_in_country,
    supplier_links_visible_to,
    users_visible_to,
)
from reports.models import KpiMeasurement
from reports.selectors import kpi_measurements_visible_to
from tests import factories
from tests.factories import module
from trainers.models import Certification, Trainer
from trainers.selectors import certifications_visible_to, trainers_visible_to

pytestmark = pytest.mark.django_db

SELECTORS = {
    "enterprises": (enterprises_visible_to, Enterprise),
    "participants": (participants_visible_to, Participant),
    "enrolments": (enrolments_visible_to, Enrolment),
    "classroom_sessions": (classroom_sessions_visible_to, ClassroomSession),
    "attendance": (attendance_visible_to, Attendance),
    "visits": (visits_visible_to, ConsultationVisit),
    "improvement_projects": (improvement_projects_visible_to, ImprovementProject),
    "trainers": (trainers_visible_to, Trainer),
    "certifications": (certifications_visible_to, Certification),
    "licences": (licences_visible_to, Licence),
    "kpi_measurements": (kpi_measurements_visible_to, KpiMeasurement),
    "supplier_links": (supplier_links_visible_to, SupplierLink),
    "organisations": (organisations_visible_to, Organisation),
}
PARTNER_DATA = [name for name in SELECTORS if name not in {"supplier_links", "organisations"}]
PERSONAS = [
    "ilo_admin",
    "ilo_officer",
    "sgs_manager",
    "sgs_staff",
    "tuv_manager",
    "inditex_viewer",
    "adidas_viewer",
    "puma_viewer",
    "no_role",
    "anonymous",
]


def progress_of(world, partner, enterprise, trainer):
    """One record of every kind hanging off an enterprise, as its partner would log them."""
    enrolment = factories.EnrolmentFactory(
        enterprise=enterprise, module=module("WCO"), lead_trainer=trainer
    )
    participant = factories.ParticipantFactory(enterprise=enterprise)
    session = factories.ClassroomSessionFactory(partner=partner)
    session.trainers.set([trainer])
    return {
        "enterprises": {enterprise},
        "participants": {participant},
        "enrolments": {enrolment},
        "classroom_sessions": {session},
        "attendance": {factories.AttendanceFactory(session=session, participant=participant)},
        "visits": {factories.VisitFactory(enrolment=enrolment, trainer=trainer)},
        "improvement_projects": {factories.ImprovementProjectFactory(enrolment=enrolment)},
        "trainers": {trainer},
        "certifications": set(trainer.certifications.all()),
        "licences": set(partner.licences.all()),
        "kpi_measurements": {
            factories.KpiMeasurementFactory(enterprise=enterprise, is_baseline=True)
        },
    }


@pytest.fixture
def scoped(world):
    puma = factories.OrganisationFactory(name="Puma", kind=Organisation.Kind.BRAND)
    world.users.puma_viewer = factories.user_with_role("puma.viewer", puma, "brand_viewer")
    world.users.anonymous = AnonymousUser()
    sgs = progress_of(world, world.sgs, world.sgs_enterprise, world.sgs_trainer)
    tuv = progress_of(world, world.tuv, world.tuv_enterprise, world.tuv_trainer)
    links = SimpleNamespace(
        inditex_granted=SupplierLink.objects.get(brand=world.inditex),
        puma_requested=factories.SupplierLinkFactory(
            brand=puma, enterprise=world.tuv_enterprise, status="requested"
        ),
        puma_revoked=factories.SupplierLinkFactory(
            brand=puma, enterprise=world.sgs_enterprise, status="revoked"
        ),
        puma_unknown=factories.SupplierLinkFactory(
            brand=puma, enterprise=None, requested_os_id="ZZ9", status="requested"
        ),
    )
    sgs["supplier_links"] = {links.inditex_granted, links.puma_revoked}
    tuv["supplier_links"] = {links.puma_requested}
    sgs["organisations"] = {world.sgs, world.ilo, world.inditex, puma}
    tuv["organisations"] = {world.tuv, world.ilo, puma}
    nothing = {name: set() for name in SELECTORS}
    expected = {
        "sgs_manager": sgs,
        "sgs_staff": sgs,
        "tuv_manager": tuv,
        "inditex_viewer": {
            **nothing,
            "enterprises": {world.sgs_enterprise},
            "enrolments": sgs["enrolments"],
            "supplier_links": {links.inditex_granted},
            "organisations": {world.inditex, world.ilo, world.sgs},
        },
        "adidas_viewer": {**nothing, "organisations": {world.adidas, world.ilo}},
        "puma_viewer": {
            **nothing,
            "supplier_links": {links.puma_requested, links.puma_revoked, links.puma_unknown},
            "organisations": {puma, world.ilo},
        },
        "no_role": nothing,
        "anonymous": nothing,
    }
    return SimpleNamespace(world=world, sgs=sgs, tuv=tuv, links=links, expected=expected)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("selector", list(SELECTORS))
def test_each_persona_sees_exactly_its_scope(scoped, persona, selector):
    visible_to, model = SELECTORS[selector]
    user = getattr(scoped.world.users, persona)
    if persona.startswith("ilo_"):
        expected = set(model.objects.all())
        assert expected, "the world should hold something of every kind"
    else:
        expected = scoped.expected[persona][selector]
    visible = list(visible_to(user))
    assert len(visible) == len(set(visible)), "a selector must not repeat rows"
    assert set(visible) == expected


@pytest.mark.parametrize("selector", PARTNER_DATA)
def test_partners_see_nothing_of_each_other(scoped, selector):
    visible_to, _ = SELECTORS[selector]
    assert scoped.tuv[selector]
    assert not set(visible_to(scoped.world.users.sgs_staff)) & scoped.tuv[selector]
    assert not set(visible_to(scoped.world.users.tuv_manager)) & scoped.sgs[selector]


@pytest.mark.parametrize(
    "selector",
    [
        "participants",
        "kpi_measurements",
        "visits",
        "classroom_sessions",
        "attendance",
        "trainers",
        "certifications",
        "licences",
        "improvement_projects",
    ],
)
@pytest.mark.parametrize("persona", ["inditex_viewer", "adidas_viewer", "puma_viewer"])
def test_brands_never_see_personal_data_raw_kpis_or_partner_operations(scoped, persona, selector):
    visible_to, _ = SELECTORS[selector]
    assert not visible_to(getattr(scoped.world.users, persona)).exists()


def test_brand_sees_enrolments_of_granted_suppliers_only(scoped):
    world = scoped.world
    other = factories.EnterpriseFactory(partner=world.sgs)
    factories.EnrolmentFactory(enterprise=other)
    factories.SupplierLinkFactory(brand=world.inditex, enterprise=other, status="requested")
    assert set(enrolments_visible_to(world.users.inditex_viewer)) == scoped.sgs["enrolments"]


def test_granting_and_revoking_open_and_close_the_enterprise(scoped):
    world = scoped.world
    link = scoped.links.puma_requested
    link.status, link.decided_at = "granted", link.requested_at
    link.save()
    assert list(enterprises_visible_to(world.users.puma_viewer)) == [world.tuv_enterprise]
    assert set(enrolments_visible_to(world.users.puma_viewer)) == scoped.tuv["enrolments"]
    link.status = "revoked"
    link.save()
    assert not enterprises_visible_to(world.users.puma_viewer).exists()
    assert not enrolments_visible_to(world.users.puma_viewer).exists()


def test_brand_lists_its_own_links_only(scoped):
    world = scoped.world
    assert set(supplier_links_visible_to(world.users.inditex_viewer)) == {
        scoped.links.inditex_granted
    }
    assert not set(supplier_links_visible_to(world.users.inditex_viewer)) & {
        scoped.links.puma_revoked
    }


def test_partner_sees_requests_for_its_enterprises_but_not_requests_naming_none(scoped):
    visible = set(supplier_links_visible_to(scoped.world.users.sgs_manager))
    assert scoped.links.puma_revoked in visible
    assert scoped.links.puma_unknown not in visible
    assert scoped.links.puma_unknown in set(
        supplier_links_visible_to(scoped.world.users.ilo_officer)
    )


# --- one object: 404 outside the scope ----------------------------------------------------


ENTERPRISE_SEEN_BY = {
    "ilo_admin": {"sgs", "tuv"},
    "ilo_officer": {"sgs", "tuv"},
    "sgs_manager": {"sgs"},
    "sgs_staff": {"sgs"},
    "tuv_manager": {"tuv"},
    "inditex_viewer": {"sgs"},
    "adidas_viewer": set(),
    "puma_viewer": set(),
    "no_role": set(),
    "anonymous": set(),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("which", ["sgs", "tuv"])
def test_enterprise_get_answers_404_outside_the_scope(scoped, persona, which):
    user = getattr(scoped.world.users, persona)
    enterprise = getattr(scoped.world, f"{which}_enterprise")
    if which in ENTERPRISE_SEEN_BY[persona]:
        assert enterprise_get(user=user, pk=enterprise.pk) == enterprise
    else:
        with pytest.raises(Http404):
            enterprise_get(user=user, pk=enterprise.pk)


@pytest.mark.parametrize("pk", [999999, "abc", None, "", 2**70])
def test_enterprise_get_answers_404_for_missing_or_malformed_ids(world, pk):
    with pytest.raises(Http404):
        enterprise_get(user=world.users.ilo_admin, pk=pk)


# --- users and memberships --------------------------------------------------------------


def usernames(queryset):
    return {getattr(row, "username", None) or row.user.username for row in queryset}


def test_memberships_and_users_visible_to_each_persona(scoped):
    users = scoped.world.users
    everyone = {membership.user.username for membership in Membership.objects.all()}
    assert usernames(memberships_visible_to(users.ilo_officer)) == everyone
    assert usernames(memberships_visible_to(users.sgs_manager)) == {"sgs.manager", "sgs.staff"}
    assert usernames(memberships_visible_to(users.sgs_staff)) == {"sgs.staff"}
    assert usernames(memberships_visible_to(users.tuv_manager)) == {"tuv.manager"}
    assert usernames(memberships_visible_to(users.inditex_viewer)) == {"inditex.viewer"}
    assert usernames(memberships_visible_to(users.no_role)) == set()
    assert usernames(memberships_visible_to(users.anonymous)) == set()

    assert usernames(users_visible_to(users.ilo_admin)) == everyone | {"no.role"}
    assert usernames(users_visible_to(users.sgs_manager)) == {"sgs.manager", "sgs.staff"}
    assert usernames(users_visible_to(users.sgs_staff)) == {"sgs.staff"}
    assert usernames(users_visible_to(users.adidas_viewer)) == {"adidas.viewer"}
    assert usernames(users_visible_to(users.no_role)) == set()
    assert usernames(users_visible_to(users.anonymous)) == set()


def test_partner_manager_does_not_see_former_members(scoped):
    users = scoped.world.users
    membership = users.sgs_staff.memberships.get()
    membership.is_active = False
    membership.save()
    assert usernames(users_visible_to(users.sgs_manager)) == {"sgs.manager"}


# --- who is asking ----------------------------------------------------------------------


def test_user_with_only_an_inactive_membership_sees_nothing(scoped):
    user = scoped.world.users.sgs_staff
    user.memberships.update(is_active=False)
    forget_principal(user)
    assert not principal_of(user).has_role
    for visible_to, _ in SELECTORS.values():
        assert not visible_to(user).exists()


def test_deactivated_user_sees_nothing_despite_a_membership(scoped):
    user = scoped.world.users.sgs_manager
    user.is_active = False
    user.save()
    forget_principal(user)
    for visible_to, _ in SELECTORS.values():
        assert not visible_to(user).exists()


def test_superuser_without_membership_counts_as_ilo_admin(scoped):
    operator = factories.UserFactory(username="operator", is_superuser=True, is_staff=True)
    assert principal_of(operator).is_ilo_admin
    assert set(enterprises_visible_to(operator)) == set(Enterprise.objects.all())


def test_membership_change_takes_effect_once_the_principal_is_forgotten(scoped):
    user = scoped.world.users.sgs_staff
    assert set(enterprises_visible_to(user)) == {scoped.world.sgs_enterprise}
    user.memberships.update(organisation=scoped.world.tuv)
    forget_principal(user)
    assert set(enterprises_visible_to(user)) == {scoped.world.tuv_enterprise}


# --- unscoped helpers the rules lean on -------------------------------------------------


def test_licence_coverage_helpers(world):
    wco = module("WCO").pk
    assert licence_covers(partner_id=world.tuv.pk, country="CN", module_id=wco, on=date(2024, 1, 1))
    assert not licence_covers(
        partner_id=world.tuv.pk, country="IN", module_id=wco, on=date(2024, 1, 1)
    )
    assert not licence_covers(
        partner_id=world.tuv.pk, country="CN", module_id=wco, on=date(2014, 12, 31)
    )
    assert partner_licensed_in_country(partner_id=world.sgs.pk, country="IN", on=date(2024, 1, 1))
    assert not partner_licensed_in_country(
        partner_id=world.tuv.pk, country="IN", on=date(2024, 1, 1)
    )


def test_country_codes_are_matched_whole_not_as_substrings(world):
    partner = factories.OrganisationFactory(name="Côte d'Ivoire Institute", kind="partner")
    factories.LicenceFactory(partner=partner, countries=["CI", "NE"])
    for code in ("IN", "IE", "CN"):
        assert not partner_licensed_in_country(
            partner_id=partner.pk, country=code, on=date(2024, 1, 1)
        )
    assert partner_licensed_in_country(partner_id=partner.pk, country="NE", on=date(2024, 1, 1))


def test_follow_up_is_overdue_90_days_after_the_classroom_without_the_recommended_visits(world):
    enrolment = factories.EnrolmentFactory(
        enterprise=world.sgs_enterprise, module=module("WCO"), status="consulting"
    )
    session = factories.ClassroomSessionFactory(
        partner=world.sgs, starts_on=date(2024, 2, 5), ends_on=date(2024, 2, 6)
    )
    factories.AttendanceFactory(
        session=session, participant=factories.ParticipantFactory(enterprise=world.sgs_enterprise)
    )
    for day in (1, 2):
        factories.VisitFactory(
            enrolment=enrolment, trainer=world.sgs_trainer, visited_on=date(2024, 3, day)
        )
    enrolments = Enrolment.objects.all()
    assert not enrolments_with_overdue_follow_up(enrolments, today=date(2024, 5, 5)).exists()
    assert list(enrolments_with_overdue_follow_up(enrolments, today=date(2024, 5, 6))) == [
        enrolment
    ]
    factories.VisitFactory(
        enrolment=enrolment, trainer=world.sgs_trainer, visited_on=date(2024, 4, 1)
    )
    assert not enrolments_with_overdue_follow_up(enrolments, today=date(2024, 5, 6)).exists()


def test_improvement_team_composition_counts_the_mix(world):
    def member(**fields):
        factories.ParticipantFactory(enterprise=world.sgs_enterprise, is_eit_member=True, **fields)

    member(role="manager", gender="male")
    member(role="worker", gender="female", contract="permanent")
    factories.ParticipantFactory(enterprise=world.sgs_enterprise, is_eit_member=False)
    team = improvement_team_composition(enterprise=world.sgs_enterprise)
    assert (team.members, team.mixes_roles, team.mixes_genders) == (2, True, True)
    assert not team.mixes_contracts
    assert not team.is_balanced
    member(role="worker", gender="female", contract="temporary")
    assert improvement_team_composition(enterprise=world.sgs_enterprise).is_balanced
