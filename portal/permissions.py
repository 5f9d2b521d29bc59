"""Who may import what (access.md): enterprises are registered by partner managers and ILO
staff; progress data (participants, KPIs) by any partner user and ILO staff."""

from partners.access import principal_of
from portal.models import ImportJob


def can_import(user, kind: str) -> bool:
    principal = principal_of(user)
    if kind == ImportJob.Kind.ENTERPRISES:
        return principal.is_ilo or principal.is_partner_manager
    return principal.is_ilo or principal.is_partner


def can_run_import(user, job: ImportJob) -> bool:
    """Commit a checked import: someone of the uploading organisation who may import it."""
    principal = principal_of(user)
    same_organisation = principal.is_ilo or (
        job.organisation_id is not None and job.organisation_id == principal.organisation_id
    )
    return same_organisation and can_import(user, job.kind)
