"""Trainers and their certifications through the services."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from tests import factories
from tests.factories import module
from tests.helpers import assert_rejected
from trainers.models import Certification, Trainer
from trainers.selectors import trainer_is_certified, trainers_certified_for
from trainers.services import (
    certification_award,
    certification_update,
    trainer_create,
    trainer_update,
)

pytestmark = pytest.mark.django_db


def award(world, trainer=None, code="WCO", **fields):
    values = {"level": "certified", "awarded_on": date(2020, 1, 1)}
    values.update(fields)
    return certification_award(
        actor=world.users.ilo_admin,
        trainer=trainer or factories.TrainerFactory(organisation=world.sgs),
        module=module(code),
        **values,
    )


def test_ilo_admin_awards_a_certification(world):
    certification = award(world, expires_on=date(2023, 1, 1))
    assert certification.awarded_by == world.users.ilo_admin


@pytest.mark.parametrize("expires_on", [date(2020, 1, 1), date(2019, 6, 1)])
def test_certification_expiring_on_or_before_its_award_is_refused(world, expires_on):
    trainer = factories.TrainerFactory(organisation=world.sgs)
    assert_rejected(
        lambda: award(world, trainer=trainer, expires_on=expires_on),
        "expires_on",
        "must expire after it was awarded",
    )
    assert not trainer.certifications.exists()


def test_certification_update_expiring_before_award_is_refused(world):
    certification = award(world)
    assert_rejected(
        lambda: certification_update(
            actor=world.users.ilo_admin, certification=certification, expires_on=date(2019, 1, 1)
        ),
        "expires_on",
        "must expire after",
    )
    certification.refresh_from_db()
    assert certification.expires_on is None


def test_second_certification_for_the_same_module_is_refused(world):
    assert_rejected(
        lambda: award(world, trainer=world.sgs_trainer, level="master"),
        "module",
        "already has a certification for this module",
    )
    assert world.sgs_trainer.certifications.get(module=module("WCO")).level == "certified"


def test_raising_a_level_changes_the_one_certification(world):
    certification = world.sgs_trainer.certifications.get(module=module("WCO"))
    certification_update(actor=world.users.ilo_admin, certification=certification, level="master")
    assert Certification.objects.get(pk=certification.pk).level == "master"


@pytest.mark.parametrize("field", ["trainer", "module"])
def test_certification_keeps_its_trainer_and_module(world, field):
    certification = world.sgs_trainer.certifications.get(module=module("WCO"))
    value = {"trainer": world.tuv_trainer, "module": module("QM")}[field]
    assert_rejected(
        lambda: certification_update(
            actor=world.users.ilo_admin, certification=certification, **{field: value}
        ),
        field,
        "cannot be changed",
    )


@pytest.mark.parametrize("persona", ["ilo_officer", "sgs_manager", "inditex_viewer", "no_role"])
def test_only_ilo_admin_awards_certifications(world, persona):
    trainer = factories.TrainerFactory(organisation=world.sgs)
    with pytest.raises(PermissionDenied):
        certification_award(
            actor=getattr(world.users, persona),
            trainer=trainer,
            module=module("WCO"),
            level="master",
            awarded_on=date(2020, 1, 1),
        )
    assert not trainer.certifications.exists()


def test_certification_rule_counts_level_and_validity(world):
    trainer = factories.TrainerFactory(organisation=world.sgs)
    factories.CertificationFactory(
        trainer=trainer,
        module=module("WCO"),
        awarded_on=date(2020, 1, 1),
        expires_on=date(2022, 12, 31),
    )
    factories.CertificationFactory(trainer=trainer, module=module("QM"), level="candidate")

    def certified(code, on):
        return trainer_is_certified(trainer_id=trainer.pk, module_id=module(code).pk, on=on)

    assert certified("WCO", date(2020, 1, 1))
    assert certified("WCO", date(2022, 12, 31))
    assert not certified("WCO", date(2019, 12, 31))
    assert not certified("WCO", date(2023, 1, 1))
    assert not certified("QM", date(2021, 1, 1))
    assert not certified("CP", date(2021, 1, 1))
    certifications = Certification.objects.filter(trainer=trainer)
    assert [c.allows_leading_on(date(2021, 1, 1)) for c in certifications.order_by("module")] == [
        True,
        False,
    ]
    qualified = trainers_certified_for(
        Trainer.objects.all(), module_id=module("WCO").pk, on=date(2023, 1, 1)
    )
    assert set(qualified) == {world.sgs_trainer, world.tuv_trainer}


# --- trainers ---------------------------------------------------------------------------


def test_partner_manager_adds_a_trainer_to_its_organisation(world):
    trainer = trainer_create(
        actor=world.users.sgs_manager,
        organisation=world.sgs,
        full_name="Priya Nair",
        email="priya@example.org",
        languages=["en", "ta"],
    )
    assert trainer.organisation == world.sgs


@pytest.mark.parametrize("persona", ["sgs_staff", "tuv_manager", "inditex_viewer", "no_role"])
def test_others_may_not_add_trainers_to_a_partner(world, persona):
    with pytest.raises(PermissionDenied):
        trainer_create(
            actor=getattr(world.users, persona),
            organisation=world.sgs,
            full_name="Priya Nair",
            email="priya@example.org",
        )


def test_trainer_belongs_to_a_partner_organisation(world):
    assert_rejected(
        lambda: trainer_create(
            actor=world.users.ilo_admin,
            organisation=world.inditex,
            full_name="Priya Nair",
            email="priya@example.org",
        ),
        "organisation",
        "partner organisation",
    )


def test_trainer_email_is_unique_ignoring_case(world):
    assert_rejected(
        lambda: trainer_create(
            actor=world.users.sgs_manager,
            organisation=world.sgs,
            full_name="Someone Else",
            email=world.sgs_trainer.email.upper(),
        ),
        "email",
        "another trainer",
    )


def test_trainer_languages_are_codes(world):
    assert_rejected(
        lambda: trainer_update(
            actor=world.users.sgs_manager, trainer=world.sgs_trainer, languages="English"
        ),
        "languages",
        "codes",
    )


def test_trainer_keeps_its_organisation(world):
    assert_rejected(
        lambda: trainer_update(
            actor=world.users.ilo_admin, trainer=world.sgs_trainer, organisation=world.tuv
        ),
        "organisation",
        "cannot be changed",
    )
    world.sgs_trainer.refresh_from_db()
    assert world.sgs_trainer.organisation == world.sgs
