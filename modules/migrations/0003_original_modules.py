from django.db import migrations

ORIGINAL_MODULES = [
    # code, name, order, is_foundation, description
    (
        "WCO",
        "Workplace Cooperation",
        1,
        True,
        "The foundation module: cooperation between managers and workers, the Enterprise "
        "Improvement Team and the improvement plan.",
    ),
    (
        "QM",
        "Quality Management",
        2,
        False,
        "Customer-driven quality systems that cut defects and rework.",
    ),
    (
        "CP",
        "Clean Production",
        3,
        False,
        "Resource efficiency: less waste, energy and water per unit produced.",
    ),
    (
        "HRM",
        "Human Resource Management",
        4,
        False,
        "Recruitment, pay, working hours and retention that keep a motivated workforce.",
    ),
    (
        "OSH",
        "Occupational Safety and Health",
        5,
        False,
        "A safe and healthy workplace that prevents accidents and absenteeism.",
    ),
]


def create_modules(apps, schema_editor):
    TrainingModule = apps.get_model("modules", "TrainingModule")
    for code, name, order, is_foundation, description in ORIGINAL_MODULES:
        TrainingModule.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "order": order,
                "is_foundation": is_foundation,
                "description": description,
                "classroom_days": 2,
                "recommended_visits": 3,
            },
        )


def remove_modules(apps, schema_editor):
    TrainingModule = apps.get_model("modules", "TrainingModule")
    TrainingModule.objects.filter(code__in=[row[0] for row in ORIGINAL_MODULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("modules", "0002_initial")]

    operations = [migrations.RunPython(create_modules, remove_modules)]
