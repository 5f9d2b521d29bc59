"""Who may read raw KPI values (access.md): brands read results and summaries only."""

from partners.access import principal_of


def can_see_measurements(user) -> bool:
    principal = principal_of(user)
    return principal.is_ilo or principal.is_partner
