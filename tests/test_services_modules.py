"""The training-module catalogue: ILO administrators add modules; one is the foundation."""

import pytest
from django.core.exceptions import PermissionDenied

from modules.models import TrainingModule
from modules.services import training_module_create, training_module_update
from tests.factories import module
from tests.helpers import assert_rejected

pytestmark = pytest.mark.django_db


def test_ilo_admin_adds_a_module(world):
    lean = training_module_create(
        actor=world.users.ilo_admin, code=" LEAN ", name="Lean", order=6, classroom_days=3
    )
    lean.refresh_from_db()
    assert (lean.code, lean.classroom_days, lean.is_foundation) == ("LEAN", 3, False)


def test_second_foundation_module_is_refused(world):
    assert_rejected(
        lambda: training_module_create(
            actor=world.users.ilo_admin, code="LEAN", name="Lean", is_foundation=True
        ),
        "is_foundation",
        "Workplace Cooperation is already the foundation module",
    )
    assert not TrainingModule.objects.filter(code="LEAN").exists()
    assert_rejected(
        lambda: training_module_update(
            actor=world.users.ilo_admin, training_module=module("QM"), is_foundation=True
        ),
        "is_foundation",
        "already the foundation module",
    )
    assert TrainingModule.objects.filter(is_foundation=True).get().code == "WCO"


def test_foundation_can_move_once_the_old_one_lets_go(world):
    training_module_update(
        actor=world.users.ilo_admin, training_module=module("WCO"), is_foundation=False
    )
    training_module_update(
        actor=world.users.ilo_admin, training_module=module("QM"), is_foundation=True
    )
    assert TrainingModule.objects.filter(is_foundation=True).get().code == "QM"


def test_module_code_is_unique_ignoring_case(world):
    assert_rejected(
        lambda: training_module_create(actor=world.users.ilo_admin, code="wco", name="Copy"),
        "code",
        "already has the code",
    )


@pytest.mark.parametrize("days", [0, 11])
def test_classroom_days_outside_one_to_ten_are_refused(world, days):
    assert_rejected(
        lambda: training_module_update(
            actor=world.users.ilo_admin, training_module=module("QM"), classroom_days=days
        ),
        "classroom_days",
        "between 1 and 10",
    )
    assert module("QM").classroom_days == 2


@pytest.mark.parametrize("persona", ["ilo_officer", "sgs_manager", "inditex_viewer", "no_role"])
def test_only_ilo_admin_manages_the_catalogue(world, persona):
    with pytest.raises(PermissionDenied):
        training_module_create(actor=getattr(world.users, persona), code="LEAN", name="Lean")
    with pytest.raises(PermissionDenied):
        training_module_update(
            actor=getattr(world.users, persona), training_module=module("QM"), name="Q"
        )
    assert module("QM").name == "Quality Management"
