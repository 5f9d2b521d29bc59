"""Who may change enterprises and the progress data hanging off them (access.md)."""

from partners.access import principal_of


def can_manage_enterprise(user, *, partner_id: int | None) -> bool:
    """Register, edit and delete enterprises: ILO staff, and the serving partner's manager."""
    principal = principal_of(user)
    return principal.is_ilo or (
        principal.is_partner_manager and principal.organisation_id == partner_id
    )


def can_record_progress(user, *, partner_id: int | None) -> bool:
    """Participants, enrolments, sessions, attendance, visits, projects and KPIs."""
    principal = principal_of(user)
    return principal.is_ilo or (principal.is_partner and principal.organisation_id == partner_id)


def can_see_personal_data(user) -> bool:
    """Participants' names and the progress details behind them: ILO staff and partners."""
    principal = principal_of(user)
    return principal.is_ilo or principal.is_partner
