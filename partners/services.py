"""Every write to organisations, memberships, licences and supplier links."""

from collections.abc import Iterable
from datetime import date

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partners import permissions
from partners.access import forget_principal, principal_of
from partners.models import ROLE_ORGANISATION_KIND, Licence, Membership, Organisation, SupplierLink
from reports.services import results_stale
from score_platform.permissions import require
from score_platform.services import (
    Errors,
    apply_changes,
    delete_unless_protected,
    save_validated,
)

ORGANISATION_FIELDS = {"name", "short_name", "kind", "countries", "website"}
LICENCE_FIELDS = {"reference", "countries", "valid_from", "valid_until", "status"}


# --- organisations ----------------------------------------------------------------------


@transaction.atomic
def organisation_create(*, actor, name: str, kind: str, **fields) -> Organisation:
    require(
        permissions.can_manage_organisations(actor),
        _("Only ILO administrators manage organisations."),
    )
    organisation = Organisation(name=name, kind=kind)
    apply_changes(organisation, fields, allowed=ORGANISATION_FIELDS - {"name", "kind"})
    save_validated(organisation, actor=actor)
    return organisation


@transaction.atomic
def organisation_update(*, actor, organisation: Organisation, **changes) -> Organisation:
    require(
        permissions.can_manage_organisations(actor),
        _("Only ILO administrators manage organisations."),
    )
    if "kind" in changes and changes["kind"] != organisation.kind:
        organisation_validate_kind_change(organisation=organisation, kind=changes["kind"])
    apply_changes(organisation, changes, allowed=ORGANISATION_FIELDS)
    save_validated(organisation, actor=actor)
    return organisation


def organisation_validate_kind_change(*, organisation: Organisation, kind: str) -> None:
    if organisation.pk and organisation.memberships.filter(is_active=True).exists():
        raise_field("kind", _("An organisation with active members cannot change its kind."))
    if organisation.pk and kind != Organisation.Kind.PARTNER and organisation.enterprises.exists():
        raise_field("kind", _("An organisation that serves enterprises must stay a partner."))


def raise_field(field: str, message: str) -> None:
    errors = Errors()
    errors.add(field, message)
    errors.raise_if_any()


# --- memberships ------------------------------------------------------------------------


def membership_validate(membership: Membership) -> None:
    errors = Errors()
    expected_kind = ROLE_ORGANISATION_KIND.get(membership.role)
    organisation = membership.organisation if membership.organisation_id else None
    if expected_kind and organisation and organisation.kind != expected_kind:
        errors.add(
            "role",
            _("The role %(role)s belongs to an organisation of kind %(kind)s, not %(actual)s.")
            % {
                "role": membership.get_role_display(),
                "kind": Organisation.Kind(expected_kind).label,
                "actual": organisation.get_kind_display(),
            },
        )
    if (
        membership.is_active
        and membership.user_id
        and Membership.objects.filter(user_id=membership.user_id, is_active=True)
        .exclude(pk=membership.pk)
        .exists()
    ):
        errors.add("user", _("This user already has an active membership."))
    errors.raise_if_any()


@transaction.atomic
def membership_save(*, actor, membership: Membership) -> Membership:
    """Create or change a membership (a user has exactly one active membership)."""
    require(
        actor is None
        or permissions.can_manage_memberships(actor, organisation_id=membership.organisation_id),
        _("You may not manage the members of this organisation."),
    )
    membership_validate(membership)
    save_validated(membership, actor=actor)
    forget_principal(membership.user)
    return membership


@transaction.atomic
def user_create_with_membership(
    *, actor, username: str, password: str, organisation: Organisation, role: str, **user_fields
):
    """A new login with its one membership; used by the admin, seeding and partner managers."""
    user_model = get_user_model()
    errors = Errors()
    if user_model.objects.filter(username__iexact=username).exists():
        errors.add("username", _("This username is taken."))
    errors.raise_if_any()
    user = user_model(username=username, **user_fields)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    membership_save(
        actor=actor, membership=Membership(user=user, organisation=organisation, role=role)
    )
    return user


# --- licences ---------------------------------------------------------------------------


def licence_validate(licence: Licence, *, modules: Iterable | None = None) -> None:
    errors = Errors()
    if licence.partner_id and licence.partner.kind != Organisation.Kind.PARTNER:
        errors.add("partner", _("Licences are signed with partner organisations only."))
    if licence.valid_from and licence.valid_until and licence.valid_until < licence.valid_from:
        errors.add("valid_until", _("A licence cannot end before it starts."))
    if not licence.countries:
        errors.add("countries", _("A licence covers at least one country."))
    if modules is not None and not list(modules):
        errors.add("modules", _("A licence covers at least one module."))
    errors.raise_if_any()


@transaction.atomic
def licence_create(
    *,
    actor,
    partner: Organisation,
    reference: str,
    countries: list[str],
    modules: Iterable,
    valid_from: date,
    valid_until: date,
    status: str = Licence.Status.ACTIVE,
) -> Licence:
    require(permissions.can_manage_licences(actor), _("Only ILO administrators manage licences."))
    modules = list(modules)
    licence = Licence(
        partner=partner,
        reference=reference,
        countries=countries,
        valid_from=valid_from,
        valid_until=valid_until,
        status=status,
    )
    licence_validate(licence, modules=modules)
    save_validated(licence, actor=actor)
    licence.modules.set(modules)
    return licence


@transaction.atomic
def licence_update(
    *, actor, licence: Licence, modules: Iterable | None = None, **changes
) -> Licence:
    require(permissions.can_manage_licences(actor), _("Only ILO administrators manage licences."))
    apply_changes(licence, changes, allowed=LICENCE_FIELDS, frozen={"partner"})
    modules = list(modules) if modules is not None else None
    licence_validate(licence, modules=modules)
    save_validated(licence, actor=actor)
    if modules is not None:
        licence.modules.set(modules)
    return licence


# --- supplier links ---------------------------------------------------------------------


@transaction.atomic
def supplier_link_request(
    *, actor, brand: Organisation, enterprise_id: int | None = None, os_id: str = ""
) -> SupplierLink:
    """A brand asks to see a supplier, by platform id or Open Supply Hub ID.

    The request is recorded whether or not such an enterprise exists, and the brand sees
    only what it asked for, so the answer never confirms that an id exists.
    """
    from enterprises.models import Enterprise

    require(permissions.can_request_supplier_link(actor), _("Only brands request supplier links."))
    errors = Errors()
    if brand.pk != principal_of(actor).organisation_id:
        errors.add("brand", _("A brand requests links for itself only."))
    os_id = (os_id or "").strip()
    if enterprise_id is None and not os_id:
        errors.add("enterprise", _("Give the enterprise's id or its Open Supply Hub ID."))
    errors.raise_if_any()

    enterprises = Enterprise.objects.all()
    enterprise = (
        enterprises.filter(pk=enterprise_id).first()
        if enterprise_id is not None
        else enterprises.filter(os_id=os_id).first()
    )
    existing, enterprise = _existing_link(
        brand=brand, enterprise=enterprise, enterprise_id=enterprise_id, os_id=os_id
    )
    now = timezone.now()
    if existing is not None:
        if existing.status == SupplierLink.Status.REVOKED:
            existing.status = SupplierLink.Status.REQUESTED
            existing.requested_at = now
            existing.requested_by = actor
            existing.decided_at = None
            existing.decided_by = None
            save_validated(existing, actor=actor)
        return existing
    link = SupplierLink(
        brand=brand,
        enterprise=enterprise,
        requested_enterprise_id=enterprise_id,
        requested_os_id=os_id,
        status=SupplierLink.Status.REQUESTED,
        requested_at=now,
        requested_by=actor,
    )
    save_validated(link, actor=actor)
    return link


def _existing_link(*, brand, enterprise, enterprise_id, os_id):
    """The brand's link this request repeats, and the enterprise a new request may name.

    A brand that already asked for an enterprise under one identifier and now asks under
    the other must not get the earlier link back (unless granted, when it sees the
    enterprise anyway): that would tell it both identifiers name one existing enterprise.
    Such a request is recorded as asked, without the enterprise, like one naming nothing.
    """
    links = SupplierLink.objects.select_for_update().filter(brand=brand)
    if enterprise is not None:
        link = links.filter(enterprise=enterprise).first()
        if link is None:
            return None, enterprise
        if link.status == SupplierLink.Status.GRANTED or _asked_alike(
            link, enterprise_id=enterprise_id, os_id=os_id
        ):
            return link, enterprise
        enterprise = None
    if enterprise_id is not None:
        unbound = links.filter(enterprise__isnull=True, requested_enterprise_id=enterprise_id)
    else:
        unbound = links.filter(enterprise__isnull=True, requested_os_id=os_id)
    return unbound.first(), enterprise


def _asked_alike(link: SupplierLink, *, enterprise_id, os_id) -> bool:
    if link.requested_enterprise_id is None and not link.requested_os_id:
        # Recorded without the brand's words (by ILO staff or an import): nothing to tell apart.
        return True
    if enterprise_id is not None:
        return link.requested_enterprise_id == enterprise_id
    return link.requested_os_id == os_id


@transaction.atomic
def supplier_link_grant(*, actor, link: SupplierLink) -> SupplierLink:
    return _supplier_link_decide(actor=actor, link=link, status=SupplierLink.Status.GRANTED)


@transaction.atomic
def supplier_link_revoke(*, actor, link: SupplierLink) -> SupplierLink:
    return _supplier_link_decide(actor=actor, link=link, status=SupplierLink.Status.REVOKED)


def _supplier_link_decide(*, actor, link: SupplierLink, status: str) -> SupplierLink:
    require(
        permissions.can_decide_supplier_link(actor, link),
        _("Only the enterprise's partner manager or ILO staff decide supplier links."),
    )
    if link.enterprise_id is None:
        raise_field("enterprise", _("This request names no enterprise on the platform."))
    if link.status == status:
        return link
    link.status = status
    link.decided_at = timezone.now()
    link.decided_by = actor
    save_validated(link, actor=actor)
    # The brand's group gains or loses the enterprise; the recompute finds out which.
    results_stale(link.enterprise_id, kpis=False, reach=False)
    return link


# --- deletions and logins (used by the ILO admin) ---------------------------------------

USER_FIELDS = {
    "username",
    "first_name",
    "last_name",
    "email",
    "is_active",
    "is_staff",
    "is_superuser",
}


@transaction.atomic
def organisation_delete(*, actor, organisation: Organisation) -> None:
    require(
        permissions.can_manage_organisations(actor),
        _("Only ILO administrators manage organisations."),
    )
    delete_unless_protected(organisation, actor=actor)


@transaction.atomic
def membership_delete(*, actor, membership: Membership) -> None:
    require(
        permissions.can_manage_memberships(actor, organisation_id=membership.organisation_id),
        _("You may not manage the members of this organisation."),
    )
    user = membership.user
    membership.delete()
    forget_principal(user)


@transaction.atomic
def licence_delete(*, actor, licence: Licence) -> None:
    """Remove a licence recorded by mistake; an ended agreement is terminated instead."""
    require(permissions.can_manage_licences(actor), _("Only ILO administrators manage licences."))
    delete_unless_protected(licence, actor=actor)


@transaction.atomic
def user_update(*, actor, user, **changes):
    """Change a login's name, contact and rights; its role lives in its membership."""
    require(permissions.can_manage_users(actor), _("Only ILO administrators manage logins."))
    changed = apply_changes(user, changes, allowed=USER_FIELDS)
    if "is_superuser" in changed and not getattr(actor, "is_superuser", False):
        # A role grants the platform's rights; superuser status goes further, so only a
        # superuser passes it on.
        raise_field("is_superuser", _("Only a superuser can grant or remove superuser status."))
    user.full_clean(exclude=["password"])
    user.save()
    forget_principal(user)
    return user


# --- API tokens ---------------------------------------------------------------------------


def api_token_issue(*, actor, request=None):
    """The actor's API token, created when they have none."""
    from rest_framework.authtoken.models import Token

    from score_platform.security import log_event

    token, created = Token.objects.get_or_create(user=actor)
    if created:
        log_event("api token issued", request, owner=actor.get_username())
    return token


@transaction.atomic
def api_token_revoke(*, actor, token, request=None) -> None:
    """Delete a token: clients using it get 401 from then on."""
    from score_platform.security import log_event

    require(
        permissions.can_revoke_api_token(actor, token),
        _("Only the token's owner or an ILO administrator may revoke it."),
    )
    owner = token.user.get_username()
    token.delete()
    log_event("api token revoked", request, owner=owner, by=actor.get_username())
