from django.db import migrations

THERAPIST_PERMISSIONS = {
    "questionnaireresponse": ["view"],
    "questionnaireassignment": ["view", "add", "change"],
    "questionnairetext": ["view", "add", "change", "delete"],
}


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("patients")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Therapists")
    for model, actions in THERAPIST_PERMISSIONS.items():
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="patients",
                codename__in=[f"{action}_{model}" for action in actions],
            )
        )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    group = apps.get_model("auth", "Group").objects.filter(name="Therapists").first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="patients", content_type__model__in=THERAPIST_PERMISSIONS
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0004_add_questionnaires"),
        ("clinic", "0002_therapists_group"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
