"""Scoped reads of trainers and certifications, and the certification rule's query."""

from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet

from partners.access import principal_of
from trainers.models import Certification, Trainer


def trainers_visible_to(user) -> QuerySet[Trainer]:
    principal = principal_of(user)
    trainers = Trainer.objects.select_related("organisation")
    if principal.is_ilo:
        return trainers
    if principal.is_partner:
        return trainers.filter(organisation_id=principal.organisation_id)
    return trainers.none()


def certifications_visible_to(user) -> QuerySet[Certification]:
    principal = principal_of(user)
    certifications = Certification.objects.select_related("trainer", "module")
    if principal.is_ilo:
        return certifications
    if principal.is_partner:
        return certifications.filter(trainer__organisation_id=principal.organisation_id)
    return certifications.none()


def leading_certifications(*, module_id: int, on: date) -> QuerySet[Certification]:
    """Certifications that allow leading the module on the date: certified or master, valid."""
    return Certification.objects.filter(
        module_id=module_id,
        level__in=Certification.LEADING_LEVELS,
        awarded_on__lte=on,
    ).filter(Q(expires_on__isnull=True) | Q(expires_on__gte=on))


def trainers_certified_for(queryset: QuerySet[Trainer], *, module_id: int, on: date):
    """The trainers of ``queryset`` who may lead the module on the date."""
    return queryset.filter(
        Exists(leading_certifications(module_id=module_id, on=on).filter(trainer_id=OuterRef("pk")))
    )


def trainer_is_certified(*, trainer_id: int, module_id: int, on: date) -> bool:
    return leading_certifications(module_id=module_id, on=on).filter(trainer_id=trainer_id).exists()
