"""Scoped reads of enterprises and participants."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

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


# --- the audit trail of one enterprise ----------------------------------------------------

#: Fields every audited model carries that say nothing about the change itself.
_BOOKKEEPING = {"id", "created_at", "updated_at"}
_ACTIONS = {"+": _("created"), "~": _("changed"), "-": _("deleted")}


@dataclass(frozen=True)
class HistoryEntry:
    when: object
    who: str
    kind: str
    subject: str
    action: str
    changes: list  # (field label, old, new)


def _audited_histories():
    """The audited models that hang off an enterprise: (history queryset of one enterprise,
    related fields to read, how to name a record)."""
    from modules.models import Enrolment
    from reports.models import KpiMeasurement

    return [
        (Enterprise, "id", (), lambda record: record.name),
        (Enrolment, "enterprise_id", ("module",), lambda record: record.module.code),
        (
            KpiMeasurement,
            "enterprise_id",
            ("indicator",),
            lambda record: f"{record.indicator.name} {record.period:%Y-%m}",
        ),
        (SupplierLink, "enterprise_id", ("brand",), lambda record: record.brand.name),
    ]


def _shown(field, record) -> str:
    value = getattr(record, field.attname)
    if value is None or value == "":
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


def enterprise_change_history(*, user, enterprise: Enterprise, limit: int = 30) -> list:
    """The latest changes to the enterprise and its enrolments, KPI measurements and
    supplier links: who, when, what, with each changed field's old and new value.

    Two queries per audited model, whatever the history's length: the latest records, and
    the records of the same objects before them (to tell what each change changed).
    Only those who see the enterprise's full data see who changed it; the caller has
    read the enterprise through the user's scope.
    """
    if not can_see_history(user):
        return []
    entries = []
    for model, link, related, name in _audited_histories():
        history = model.history.model
        latest = list(
            history.objects.filter(**{link: enterprise.pk})
            .select_related("history_user", *related)
            .order_by("-history_date", "-history_id")[:limit]
        )
        if not latest:
            continue
        earlier = {}
        for record in history.objects.filter(id__in={record.id for record in latest}).order_by(
            "history_date", "history_id"
        ):
            earlier.setdefault(record.id, []).append(record)
        fields = [
            field
            for field in model._meta.concrete_fields
            if field.name not in _BOOKKEEPING and not field.many_to_many
        ]
        for record in latest:
            chain = earlier.get(record.id, [])
            position = next(
                (i for i, older in enumerate(chain) if older.history_id == record.history_id), 0
            )
            previous = chain[position - 1] if position > 0 else None
            changes = []
            if record.history_type == "~" and previous is not None:
                changes = [
                    (str(field.verbose_name), _shown(field, previous), _shown(field, record))
                    for field in fields
                    if getattr(previous, field.attname) != getattr(record, field.attname)
                ]
            entries.append(
                HistoryEntry(
                    when=record.history_date,
                    who=record.history_user.get_username() if record.history_user else "—",
                    kind=str(model._meta.verbose_name),
                    subject=name(record),
                    action=_ACTIONS.get(record.history_type, record.history_type),
                    changes=changes,
                )
            )
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries[:limit]


def can_see_history(user) -> bool:
    """ILO staff and partners; brands see results, not who on the partner's side typed them."""
    principal = principal_of(user)
    return principal.is_ilo or principal.is_partner
