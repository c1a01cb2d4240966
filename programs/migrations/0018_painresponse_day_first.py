"""The pain responses' unique index leads with the day (issue 7).

The pain check records a response for each patient whose 7-day mean pain is well below
baseline, every day: about a third of a clinic's patients. With the index led by the
patient, each day's rows went to a page in every such patient's part of the index, and
the inserts cost more as the table grew: 0.031 s a 10,000-patient run on an empty table,
0.046 s with 180 days of responses (600,000 rows). Led by the day, they all go to its
right edge: 0.031-0.034 s with the same 180 days. The same pairs are unique either way.
Only a patient's data export and a patient deleted outright read them by patient, and
scan: 28 ms for one patient's rows among the 600,000.

Rebuilding the index takes the table's lock, which waits behind any open transaction on
it, and every pain check arriving meanwhile waits behind the rebuild: on PostgreSQL it
gives up after LOCK_TIMEOUT (the migration fails and can be run again) rather than hold
up the daily watch.
"""

from django.db import migrations, models

LOCK_TIMEOUT = "5s"


def set_lock_timeout(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")


class Migration(migrations.Migration):
    dependencies = [("programs", "0017_checkrun_one_per_patient_kind")]

    operations = [
        # Before the rebuild either way: first going forward, last going back.
        migrations.RunPython(set_lock_timeout, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="painresponse", name="painresponse_once_per_day"),
        migrations.AddConstraint(
            model_name="painresponse",
            constraint=models.UniqueConstraint(
                fields=("day", "patient"), name="painresponse_once_per_day"
            ),
        ),
        migrations.RunPython(migrations.RunPython.noop, set_lock_timeout),
    ]
