"""CheckRun's claim column goes (issue 7).

Migration 0010 stopped writing and reading the claim token (claims are INSERT ...
RETURNING) and kept the column one release, nullable, for workers of the release before
it; no worker of this release or the last writes it. The model's state dropped the field
then, so only the table changes here. On SQLite a later rebuild of the table from the
model's state already left the column out, hence "if present"; reversing adds it back,
empty and nullable, where it was (PostgreSQL).

Dropping a column takes the table's exclusive lock, which waits behind any open
transaction on it, and every claim arriving meanwhile waits behind the drop: on
PostgreSQL it gives up after LOCK_TIMEOUT (the migration fails and can be run again)
rather than hold up the daily watch.
"""

from django.db import migrations, models

LOCK_TIMEOUT = "5s"


def _claim_field(model) -> models.CharField:
    field = models.CharField(max_length=32, null=True, editable=False)
    field.set_attributes_from_name("claim")
    field.model = model
    return field


def _has_claim(schema_editor, model) -> bool:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        columns = connection.introspection.get_table_description(cursor, model._meta.db_table)
    return any(column.name == "claim" for column in columns)


def drop_claim(apps, schema_editor):
    model = apps.get_model("programs", "CheckRun")
    if not _has_claim(schema_editor, model):
        return
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
    schema_editor.remove_field(model, _claim_field(model))


def add_claim(apps, schema_editor):
    model = apps.get_model("programs", "CheckRun")
    if schema_editor.connection.vendor == "postgresql" and not _has_claim(schema_editor, model):
        schema_editor.add_field(model, _claim_field(model))


class Migration(migrations.Migration):
    dependencies = [("programs", "0013_walkingprogram_fillfactor")]

    operations = [migrations.RunPython(drop_claim, add_claim)]
