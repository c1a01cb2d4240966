"""Room on each page of the programs table for progression's updates (issue 7).

Progression rewrites a program's targets when its increment falls due, and programs
prescribed together (a cohort, a clinic's intake week) sit on the same pages and fall due
on the same days. With room on the page PostgreSQL writes the new version beside the old
(a HOT update) and none of the table's six indexes gets a new entry; with full pages, the
default, every update adds six index entries. (A step back or a resume changes the status,
which the one-current-program index reads: those updates add entries either way.)
Half-free pages hold a new version of every row at once: measured on 8,000 programs
progressed together, 58 ms against 228 ms with full pages (and 105 ms at 80%, where only a
quarter found room). The price is twice the pages for a table of a row per program (2.3 MB
for 10,000), which a read of a few programs by index does not feel. Like patients/0007, it
applies to pages written from now on (VACUUM FULL or pg_repack rewrites an existing table).
Elsewhere (SQLite) there is no such setting.
"""

from django.db import migrations

FILLFACTOR = 50


def _alter(apps, schema_editor, change: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    model = apps.get_model("programs", "WalkingProgram")
    table = schema_editor.quote_name(model._meta.db_table)
    schema_editor.execute(f"ALTER TABLE {table} {change}")


def set_fillfactor(apps, schema_editor):
    _alter(apps, schema_editor, f"SET (fillfactor = {FILLFACTOR})")


def reset_fillfactor(apps, schema_editor):
    _alter(apps, schema_editor, "RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("programs", "0012_painresponse_drop_redundant_patient_index")]

    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor)]
