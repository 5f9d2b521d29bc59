"""Every write to trainers and certifications, and the certification rule in words."""

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from partners.models import Organisation
from score_platform.permissions import require
from score_platform.services import (
    Errors,
    apply_changes,
    delete_unless_protected,
    save_validated,
)
from trainers.models import Certification, Trainer
from trainers.permissions import can_manage_certifications, can_manage_trainer
from trainers.selectors import trainer_is_certified

TRAINER_FIELDS = {"full_name", "email", "countries", "languages", "gender", "user"}
CERTIFICATION_FIELDS = {"level", "awarded_on", "expires_on"}


def certification_problem(*, trainer: Trainer, module, on: date) -> str | None:
    """Why the trainer may not lead the module on the date, or None when they may."""
    if trainer_is_certified(trainer_id=trainer.pk, module_id=module.pk, on=on):
        return None
    return _(
        "%(trainer)s is not a certified trainer of %(module)s on %(date)s "
        "(certified or master level, valid on that date, is required)."
    ) % {"trainer": trainer.full_name, "module": module.name, "date": on.isoformat()}


def trainer_validate(trainer: Trainer) -> None:
    errors = Errors()
    if trainer.organisation_id and trainer.organisation.kind != Organisation.Kind.PARTNER:
        errors.add("organisation", _("Trainers belong to a partner organisation."))
    if not isinstance(trainer.languages, list) or not all(
        isinstance(code, str) and 2 <= len(code) <= 8 for code in trainer.languages
    ):
        errors.add("languages", _("Give languages as a list of codes such as en, zh, es."))
    if (
        trainer.email
        and Trainer.objects.exclude(pk=trainer.pk).filter(email__iexact=trainer.email).exists()
    ):
        errors.add("email", _("Another trainer already has this email address."))
    errors.raise_if_any()


@transaction.atomic
def trainer_create(*, actor, organisation: Organisation, **fields) -> Trainer:
    require(
        can_manage_trainer(actor, organisation_id=organisation.pk),
        _("You may not add trainers to this organisation."),
    )
    trainer = Trainer(organisation=organisation)
    apply_changes(trainer, fields, allowed=TRAINER_FIELDS)
    trainer_validate(trainer)
    save_validated(trainer, actor=actor)
    return trainer


@transaction.atomic
def trainer_update(*, actor, trainer: Trainer, **changes) -> Trainer:
    require(
        can_manage_trainer(actor, organisation_id=trainer.organisation_id),
        _("You may not change this trainer."),
    )
    apply_changes(trainer, changes, allowed=TRAINER_FIELDS, frozen={"organisation"})
    trainer_validate(trainer)
    save_validated(trainer, actor=actor)
    return trainer


def certification_validate(certification: Certification) -> None:
    errors = Errors()
    if (
        certification.expires_on
        and certification.awarded_on
        and certification.expires_on <= certification.awarded_on
    ):
        errors.add("expires_on", _("A certification must expire after it was awarded."))
    if (
        certification.trainer_id
        and certification.module_id
        and Certification.objects.exclude(pk=certification.pk)
        .filter(trainer_id=certification.trainer_id, module_id=certification.module_id)
        .exists()
    ):
        errors.add(
            "module",
            _("This trainer already has a certification for this module; change that one."),
        )
    errors.raise_if_any()


@transaction.atomic
def certification_award(
    *,
    actor,
    trainer: Trainer,
    module,
    level: str,
    awarded_on: date,
    expires_on: date | None = None,
) -> Certification:
    require(can_manage_certifications(actor), _("Only ILO administrators award certifications."))
    certification = Certification(
        trainer=trainer,
        module=module,
        level=level,
        awarded_on=awarded_on,
        expires_on=expires_on,
        awarded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    certification_validate(certification)
    save_validated(certification, actor=actor)
    return certification


@transaction.atomic
def certification_update(*, actor, certification: Certification, **changes) -> Certification:
    require(can_manage_certifications(actor), _("Only ILO administrators change certifications."))
    apply_changes(
        certification, changes, allowed=CERTIFICATION_FIELDS, frozen={"trainer", "module"}
    )
    certification_validate(certification)
    save_validated(certification, actor=actor)
    return certification


@transaction.atomic
def trainer_delete(*, actor, trainer: Trainer) -> None:
    """Remove a trainer profile; one who led sessions or visits stays on the record."""
    require(
        can_manage_trainer(actor, organisation_id=trainer.organisation_id),
        _("You may not remove this trainer."),
    )
    delete_unless_protected(trainer, actor=actor)


@transaction.atomic
def certification_delete(*, actor, certification: Certification) -> None:
    """Withdraw a certification awarded by mistake; a lapsed one keeps its expiry date."""
    require(can_manage_certifications(actor), _("Only ILO administrators change certifications."))
    delete_unless_protected(certification, actor=actor)
