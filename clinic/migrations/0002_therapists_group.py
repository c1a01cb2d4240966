from django.db import migrations

THERAPIST_PERMISSIONS = {
    "patients": {
        "patient": ["view", "change", "add"],
        "paincheckin": ["view"],
        "alert": ["view", "change"],
        "lesson": ["view"],
        "lessonassignment": ["view", "add", "change"],
    },
    "programs": {
        "walkingprogram": ["view", "add", "change"],
        "targetchange": ["view"],
        "walklog": ["view"],
        "programtemplate": ["view", "add", "change"],
    },
}


def create_therapists_group(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Therapists")
    for app_label, models in THERAPIST_PERMISSIONS.items():
        for model, actions in models.items():
            codenames = [f"{action}_{model}" for action in actions]
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label=app_label, codename__in=codenames
                )
            )


def remove_therapists_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Therapists").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0001_initial"),
        ("patients", "0001_initial"),
        ("programs", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_therapists_group, remove_therapists_group)]
