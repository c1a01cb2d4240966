from django.db import migrations, models


def _claim_field(model) -> models.CharField:
    """The column 0010 left behind: no longer in the model's state, so built here."""
    field = models.CharField(max_length=32, null=True)
    field.set_attributes_from_name("claim")
    field.model = model
    return field


def _has_claim_column(schema_editor, model) -> bool:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        table = connection.introspection.get_table_description(cursor, model._meta.db_table)
    return any(column.name == "claim" for column in table)


def drop_claim(apps, schema_editor):
    check_run = apps.get_model("programs", "CheckRun")
    # On SQLite, 0010's later AlterField rebuilt the table from the model, without it.
    if _has_claim_column(schema_editor, check_run):
        schema_editor.remove_field(check_run, _claim_field(check_run))


def restore_claim(apps, schema_editor):
    check_run = apps.get_model("programs", "CheckRun")
    schema_editor.add_field(check_run, _claim_field(check_run))


class Migration(migrations.Migration):
    """Drop CheckRun's claim column, unwritten since 0010.

    0010 removed the field from the model but kept the nullable column for one release,
    so that workers of the release before it could still write it while the web
    container migrated. No worker of a release since 0010 reads or writes it.
    """

    dependencies = [
        ("programs", "0012_painresponse_drop_redundant_patient_index"),
    ]

    operations = [
        migrations.RunPython(drop_claim, restore_claim),
    ]
