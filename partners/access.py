"""Who is asking: the one place that turns a user into a role and an organisation.

Every selector and permission predicate starts from :func:`principal_of`, so the
meaning of a role (access.md) is written once.
"""

from __future__ import annotations

from dataclasses import dataclass

from partners.models import Membership, Organisation, Role

ILO_ROLES = frozenset({Role.ILO_ADMIN, Role.ILO_OFFICER})
PARTNER_ROLES = frozenset({Role.PARTNER_MANAGER, Role.PARTNER_STAFF})


@dataclass(frozen=True)
class Principal:
    user_id: int | None
    role: str | None
    organisation_id: int | None
    organisation_kind: str | None

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def is_ilo(self) -> bool:
        return self.role in ILO_ROLES

    @property
    def is_ilo_admin(self) -> bool:
        return self.role == Role.ILO_ADMIN

    @property
    def is_partner(self) -> bool:
        return self.role in PARTNER_ROLES

    @property
    def is_partner_manager(self) -> bool:
        return self.role == Role.PARTNER_MANAGER

    @property
    def is_brand(self) -> bool:
        return self.role == Role.BRAND_VIEWER

    @property
    def has_role(self) -> bool:
        return self.role is not None


NOBODY = Principal(user_id=None, role=None, organisation_id=None, organisation_kind=None)

_CACHE_ATTRIBUTE = "_score_principal"


def principal_of(user) -> Principal:
    """The user's role and organisation from its one active membership (cached per request).

    A superuser without a membership counts as an ILO administrator, so the
    platform's own operators are never locked out. A user without an active
    membership has no role and sees nothing.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return NOBODY
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    membership = (
        Membership.objects.filter(user_id=user.pk, is_active=True)
        .select_related("organisation")
        .only("role", "organisation__id", "organisation__kind")
        .first()
    )
    if membership is not None and user.is_active:
        principal = Principal(
            user_id=user.pk,
            role=membership.role,
            organisation_id=membership.organisation_id,
            organisation_kind=membership.organisation.kind,
        )
    elif user.is_superuser and user.is_active:
        principal = Principal(
            user_id=user.pk,
            role=Role.ILO_ADMIN,
            organisation_id=None,
            organisation_kind=Organisation.Kind.ILO,
        )
    else:
        principal = Principal(
            user_id=user.pk, role=None, organisation_id=None, organisation_kind=None
        )
    setattr(user, _CACHE_ATTRIBUTE, principal)
    return principal


def forget_principal(user) -> None:
    """Drop the cached principal (after a membership change)."""
    if user is not None and hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)
