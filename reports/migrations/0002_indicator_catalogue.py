from django.db import migrations

INDICATORS = [
    # code, name, unit, direction, is_percentage, definition
    (
        "productivity",
        "Labour productivity",
        "good units per worker-hour",
        "higher",
        False,
        "good output ÷ worker-hours worked",
    ),
    (
        "defect_rate",
        "Defective products",
        "% of units produced",
        "lower",
        True,
        "rejected or reworked units ÷ units produced × 100",
    ),
    (
        "waste",
        "Material waste",
        "% of material input",
        "lower",
        True,
        "material wasted ÷ material used × 100",
    ),
    (
        "accidents",
        "Work-related accidents",
        "accidents per 100 workers",
        "lower",
        False,
        "accidents needing first aid or more ÷ average headcount × 100",
    ),
    (
        "absenteeism",
        "Absenteeism",
        "% of scheduled worker-days",
        "lower",
        True,
        "worker-days absent (unplanned) ÷ scheduled worker-days × 100",
    ),
    (
        "staff_turnover",
        "Staff turnover",
        "% of headcount",
        "lower",
        True,
        "workers who left ÷ average headcount × 100",
    ),
    (
        "worker_suggestions",
        "Worker suggestions implemented",
        "suggestions",
        "higher",
        False,
        "suggestions from workers put into practice",
    ),
    (
        "energy_intensity",
        "Energy per unit",
        "kWh per good unit",
        "lower",
        False,
        "energy used ÷ good units",
    ),
]


def create_indicators(apps, schema_editor):
    Indicator = apps.get_model("reports", "Indicator")
    for order, (code, name, unit, direction, is_percentage, definition) in enumerate(
        INDICATORS, start=1
    ):
        Indicator.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "unit": unit,
                "direction": direction,
                "is_percentage": is_percentage,
                "definition": definition,
                "order": order,
            },
        )


def remove_indicators(apps, schema_editor):
    Indicator = apps.get_model("reports", "Indicator")
    Indicator.objects.filter(code__in=[row[0] for row in INDICATORS]).delete()


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [migrations.RunPython(create_indicators, remove_indicators)]
