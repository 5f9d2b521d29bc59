"""Who may change trainers and certifications (access.md)."""

from partners.access import principal_of


def can_manage_trainer(user, *, organisation_id: int | None) -> bool:
    principal = principal_of(user)
    return principal.is_ilo_admin or (
        principal.is_partner_manager and principal.organisation_id == organisation_id
    )


def can_manage_certifications(user) -> bool:
    return principal_of(user).is_ilo_admin
