"""Who may change organisations, memberships, licences and supplier links (access.md)."""

from partners.access import principal_of
from partners.models import SupplierLink


def can_manage_organisations(user) -> bool:
    return principal_of(user).is_ilo_admin


def can_manage_licences(user) -> bool:
    return principal_of(user).is_ilo_admin


def can_manage_memberships(user, *, organisation_id: int) -> bool:
    principal = principal_of(user)
    return principal.is_ilo_admin or (
        principal.is_partner_manager and principal.organisation_id == organisation_id
    )


def can_request_supplier_link(user) -> bool:
    return principal_of(user).is_brand


def can_decide_supplier_link(user, link: SupplierLink) -> bool:
    """The enterprise's partner manager or ILO staff decide; a brand never decides its own."""
    principal = principal_of(user)
    if link.enterprise_id is None:
        return principal.is_ilo
    return principal.is_ilo or (
        principal.is_partner_manager and link.enterprise.partner_id == principal.organisation_id
    )


def can_manage_users(user) -> bool:
    """Logins and their rights: ILO administrators (partner managers add theirs via memberships)."""
    return principal_of(user).is_ilo_admin


def can_revoke_api_token(user, token) -> bool:
    """Users revoke their own tokens; ILO administrators anyone's (access.md)."""
    return token.user_id == user.pk or principal_of(user).is_ilo_admin
