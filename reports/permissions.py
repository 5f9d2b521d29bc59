"""Who may read raw KPI values (access.md): brands read results and summaries only."""

from partners.access import principal_of


def can_see_measurements(user) -> bool:
    principal = principal_of(user)
    return principal.is_ilo or principal.is_partner


def can_request_recompute(user) -> bool:
    """Only ILO staff start a full rebuild (api.md: ``reports/recompute/`` is ILO only)."""
    return principal_of(user).is_ilo
