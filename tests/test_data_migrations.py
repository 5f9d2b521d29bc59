"""The catalogue the migrations bring: the five original modules and the eight KPIs (kpis.md)."""

import importlib

import pytest
from django.apps import apps

from modules.models import TrainingModule
from reports.models import Indicator

pytestmark = pytest.mark.django_db

MODULES = [
    ("WCO", "Workplace Cooperation", 1, True),
    ("QM", "Quality Management", 2, False),
    ("CP", "Clean Production", 3, False),
    ("HRM", "Human Resource Management", 4, False),
    ("OSH", "Occupational Safety and Health", 5, False),
]

INDICATORS = [
    ("productivity", "Labour productivity", "good units per worker-hour", "higher", False),
    ("defect_rate", "Defective products", "% of units produced", "lower", True),
    ("waste", "Material waste", "% of material input", "lower", True),
    ("accidents", "Work-related accidents", "accidents per 100 workers", "lower", False),
    ("absenteeism", "Absenteeism", "% of scheduled worker-days", "lower", True),
    ("staff_turnover", "Staff turnover", "% of headcount", "lower", True),
    ("worker_suggestions", "Worker suggestions implemented", "suggestions", "higher", False),
    ("energy_intensity", "Energy per unit", "kWh per good unit", "lower", False),
]


def test_the_five_original_modules_exist_in_order():
    rows = list(
        TrainingModule.objects.order_by("order").values_list(
            "code", "name", "order", "is_foundation"
        )
    )
    assert rows == MODULES


def test_each_original_module_has_two_classroom_days_and_three_visits():
    assert set(
        TrainingModule.objects.values_list("classroom_days", "recommended_visits", "is_active")
    ) == {(2, 3, True)}


def test_workplace_cooperation_is_the_only_foundation_module():
    assert list(
        TrainingModule.objects.filter(is_foundation=True).values_list("code", flat=True)
    ) == ["WCO"]


def test_the_eight_indicators_of_the_catalogue_exist_in_order():
    rows = list(
        Indicator.objects.order_by("order").values_list(
            "code", "name", "unit", "direction", "is_percentage"
        )
    )
    assert rows == INDICATORS


def test_percentage_indicators_are_exactly_those_measured_in_percent():
    for indicator in Indicator.objects.all():
        assert indicator.is_percentage == indicator.unit.startswith("%"), indicator.code


def test_every_indicator_says_what_is_reported_each_month():
    assert all(Indicator.objects.values_list("definition", flat=True))


@pytest.mark.parametrize(
    ("migration", "function", "model"),
    [
        ("modules.migrations.0003_original_modules", "create_modules", TrainingModule),
        ("reports.migrations.0002_indicator_catalogue", "create_indicators", Indicator),
    ],
)
def test_running_a_catalogue_migration_again_adds_nothing(migration, function, model):
    before = list(model.objects.order_by("pk").values())
    getattr(importlib.import_module(migration), function)(apps, None)
    after = list(model.objects.order_by("pk").values())
    for row in before + after:
        row.pop("updated_at")
    assert after == before
