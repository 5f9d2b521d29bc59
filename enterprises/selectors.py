"""Scoped reads of enterprises and participants."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from enterprises.models import Enterprise, Participant
from partners.access import principal_of
from partners.models import SupplierLink
from score_platform.selectors import get_visible_or_404


def enterprises_visible_to(user) -> QuerySet[Enterprise]:
    """ILO: all; a partner: the enterprises it serves; a brand: its granted suppliers."""
    principal = principal_of(user)
    enterprises = Enterprise.objects.all()
    if principal.is_ilo:
        return enterprises
    if principal.is_partner:
        return enterprises.filter(partner_id=principal.organisation_id)
    if principal.is_brand:
        return enterprises.filter(
            pk__in=SupplierLink.objects.filter(
                brand_id=principal.organisation_id, status=SupplierLink.Status.GRANTED
            ).values("enterprise_id")
        )
    return enterprises.none()


def enterprise_get(*, user, pk) -> Enterprise:
    return get_visible_or_404(enterprises_visible_to(user).select_related("partner"), pk=pk)


def participants_visible_to(user) -> QuerySet[Participant]:
    """Personal data: ILO and the serving partner only, never brands."""
    principal = principal_of(user)
    participants = Participant.objects.select_related("enterprise")
    if principal.is_ilo:
        return participants
    if principal.is_partner:
        return participants.filter(enterprise__partner_id=principal.organisation_id)
    return participants.none()


@dataclass(frozen=True)
class TeamComposition:
    """Whether an Enterprise Improvement Team mixes the groups SCORE asks for.

    Managers and workers, women and men, and among the workers permanent and temporary.
    """

    members: int
    managers: int
    workers: int
    women: int
    men: int
    permanent: int
    temporary: int

    @property
    def mixes_roles(self) -> bool:
        return self.managers > 0 and self.workers > 0

    @property
    def mixes_genders(self) -> bool:
        return self.women > 0 and self.men > 0

    @property
    def mixes_contracts(self) -> bool:
        return self.permanent > 0 and self.temporary > 0

    @property
    def is_balanced(self) -> bool:
        return self.mixes_roles and self.mixes_genders and self.mixes_contracts


def improvement_team_composition(*, enterprise: Enterprise) -> TeamComposition:
    team = Participant.objects.filter(enterprise=enterprise, is_eit_member=True)
    counts = team.aggregate(
        members=Count("id"),
        managers=Count("id", filter=Q(role=Participant.Role.MANAGER)),
        workers=Count("id", filter=Q(role=Participant.Role.WORKER)),
        women=Count("id", filter=Q(gender=Participant.Gender.FEMALE)),
        men=Count("id", filter=Q(gender=Participant.Gender.MALE)),
        permanent=Count(
            "id",
            filter=Q(role=Participant.Role.WORKER, contract=Participant.Contract.PERMANENT),
        ),
        temporary=Count(
            "id",
            filter=Q(role=Participant.Role.WORKER, contract=Participant.Contract.TEMPORARY),
        ),
    )
    return TeamComposition(**counts)
