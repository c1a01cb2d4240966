"""Room on each page of the alerts table for its daily refreshes (issue 7).

The daily watch rewrites every open alert's message each day (it names the day). With
free space on the page PostgreSQL updates the row in place of a new version elsewhere
(a HOT update): none of the table's five indexes gets a new entry. Pages filled to the
brim, as by default, leave no room. The setting applies to pages written from now on; an
existing table's full pages keep no room until it is rewritten (VACUUM FULL, or
pg_repack without the lock). Elsewhere (SQLite) there is no such setting.
"""

from django.db import migrations

FILLFACTOR = 70


def _alter(apps, schema_editor, change: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("patients", "Alert")._meta.db_table)
    schema_editor.execute(f"ALTER TABLE {table} {change}")


def set_fillfactor(apps, schema_editor):
    _alter(apps, schema_editor, f"SET (fillfactor = {FILLFACTOR})")


def reset_fillfactor(apps, schema_editor):
    _alter(apps, schema_editor, "RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("patients", "0006_drop_redundant_patient_index")]

    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor)]
