"""CheckRun keeps one row per patient and check: the last day claimed (issue 7).

Claims were a row per patient, check and day: 40,000 rows a day for a 10,000-patient
clinic group, which nothing removed. With 180 days of them (7.2 million rows) a pain
check's claims took 0.17 s instead of 0.09 s on an empty table, and the cost kept growing
with the clinic's age. Now a claim moves the patient's row for the check forward to the
new day (an update), and a day at or before the row's is skipped: checks only move forward.

Only each patient's latest claim per check is kept; the earlier ones said no more than
that those days were checked, which the latest implies for the forward-only watch.

The table is locked first, in the mode the constraint swap needs anyway, so no claim
lands between the cleanup and the new constraint and no lock upgrade can deadlock. On
PostgreSQL, waiting for the lock gives up after LOCK_TIMEOUT (the migration fails and can
be run again); once taken, it is held while the old days are deleted and the new index is
built, and the watch's claims wait meanwhile (their tasks retry). Workers of the release
before fail on the new table (and the new workers on the old one) until both sides are
deployed; the next hourly tick checks whatever a failed tick left.

Half-free pages let PostgreSQL write each day's new version of a row beside the old one (a
HOT update), without a new index entry, as programs/0013 does for progression. Like it,
the setting applies to pages written from now on: the rows kept stay where they are until
each is first moved forward (or a VACUUM FULL rewrites the table).

Reversing restores the per-day constraint over the rows kept (one day per patient and
check), not the days removed.
"""

import django.utils.timezone
from django.db import migrations, models

LOCK_TIMEOUT = "5s"
FILLFACTOR = 50


def _table(apps, schema_editor) -> str:
    return schema_editor.quote_name(apps.get_model("programs", "CheckRun")._meta.db_table)


def lock(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        schema_editor.execute(f"LOCK TABLE {_table(apps, schema_editor)} IN ACCESS EXCLUSIVE MODE")


def keep_latest_claims(apps, schema_editor):
    lock(apps, schema_editor)
    table = _table(apps, schema_editor)
    schema_editor.execute(
        f"DELETE FROM {table} WHERE EXISTS ("  # noqa: S608 - quoted model table
        f"SELECT 1 FROM {table} later WHERE later.patient_id = {table}.patient_id "
        f"AND later.kind = {table}.kind AND later.day > {table}.day)"
    )


def _set_fillfactor(apps, schema_editor, change: str) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {_table(apps, schema_editor)} {change}")


def set_fillfactor(apps, schema_editor):
    _set_fillfactor(apps, schema_editor, f"SET (fillfactor = {FILLFACTOR})")


def reset_fillfactor(apps, schema_editor):
    _set_fillfactor(apps, schema_editor, "RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0007_alert_fillfactor"),
        ("programs", "0016_install_caseload_sort_keys_refresh"),
    ]

    operations = [
        migrations.RunPython(keep_latest_claims, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="checkrun", name="checkrun_once_per_patient_kind_day"),
        migrations.AddConstraint(
            model_name="checkrun",
            constraint=models.UniqueConstraint(
                fields=("patient", "kind"), name="checkrun_one_per_patient_kind"
            ),
        ),
        migrations.RenameField(model_name="checkrun", old_name="created_at", new_name="checked_at"),
        migrations.AlterField(
            model_name="checkrun",
            name="checked_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now, help_text="When that day was claimed."
            ),
        ),
        migrations.AlterField(
            model_name="checkrun",
            name="day",
            field=models.DateField(
                help_text="The last of the patient's local days that was evaluated."
            ),
        ),
        migrations.RunPython(set_fillfactor, reset_fillfactor),
        # Going back, the lock first too.
        migrations.RunPython(migrations.RunPython.noop, lock),
    ]
