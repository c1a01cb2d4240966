"""Clinically important responses become periods (first day, last day) instead of a row a
day (issue 7).

Each patient's run of consecutive days becomes one period: its first row is kept, with the
run's last day as its last. A period whose last day is the patient's last pain check is
still holding, and left open (no last day). The daily rows cannot tell a day not checked
from a day it did not hold, so a gap ends a period, as before it ended a run of rows.
Going back, each period is a row a day again, to its last day (an open one's: the last
pain check), each with the period's first mean: the days' own means are not kept.

On PostgreSQL the claims are locked first (a pain check finishing meanwhile would move a
patient's last check past what this reads) and then the responses' table. Each lock waits
behind any open transaction on its table, and every daily check arriving meanwhile (its
claim) waits behind the migration: it gives up waiting after LOCK_TIMEOUT (the migration
fails and can be run again) rather than hold up the daily watch, but once it holds the
locks the checks wait for it to finish (seconds for a clinic's 180 days of daily rows).
"""

from datetime import timedelta

from django.db import migrations, models

LOCK_TIMEOUT = "5s"
BATCH = 2000


def set_lock_timeout(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")


def lock_claims(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("LOCK TABLE programs_checkrun IN SHARE MODE")


def check_foreign_keys_now(schema_editor):
    # The rows written here queue foreign-key checks until the commit, and PostgreSQL
    # alters no table with checks pending: run them before the schema changes that follow.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _last_pain_checks(apps) -> dict:
    CheckRun = apps.get_model("programs", "CheckRun")
    return dict(CheckRun.objects.filter(kind="pain").values_list("patient_id", "day"))


def _batches(items: list):
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


def collapse_into_periods(apps, schema_editor):
    PainResponse = apps.get_model("programs", "PainResponse")
    last_checked = _last_pain_checks(apps)
    last_days: dict[int, object] = {}  # the kept row of each run -> the run's last day
    patients: dict[int, int] = {}
    run = None  # (patient, day, kept row) of the previous row
    rows = PainResponse.objects.order_by("patient_id", "first_day").values_list(
        "id", "patient_id", "first_day"
    )
    for row_id, patient_id, day in rows.iterator(chunk_size=BATCH):
        continues = run and run[0] == patient_id and day == run[1] + timedelta(days=1)
        kept = run[2] if continues else row_id
        last_days[kept] = day
        patients[kept] = patient_id
        run = (patient_id, day, kept)
    kept_rows = [PainResponse(id=i, last_day=day) for i, day in last_days.items()]
    PainResponse.objects.bulk_update(kept_rows, ["last_day"], batch_size=BATCH)
    PainResponse.objects.filter(last_day__isnull=True).delete()  # the runs' later days
    holding = [i for i, day in last_days.items() if last_checked.get(patients[i]) == day]
    for batch in _batches(holding):
        PainResponse.objects.filter(id__in=batch).update(last_day=None)
    check_foreign_keys_now(schema_editor)


def expand_into_days(apps, schema_editor):
    PainResponse = apps.get_model("programs", "PainResponse")
    last_checked = _last_pain_checks(apps)
    # Read whole first: SQLite's cursor would go on to the rows inserted below.
    periods = list(
        PainResponse.objects.order_by("id").values_list(
            "patient_id", "first_day", "last_day", "mean_pain", "baseline_pain"
        )
    )
    days = []
    for patient_id, first_day, last_day, mean_pain, baseline_pain in periods:
        last = last_day or last_checked.get(patient_id, first_day)
        for n in range(1, (last - first_day).days + 1):
            days.append(
                PainResponse(
                    patient_id=patient_id,
                    first_day=first_day + timedelta(days=n),
                    mean_pain=mean_pain,
                    baseline_pain=baseline_pain,
                )
            )
        if len(days) >= BATCH:
            PainResponse.objects.bulk_create(days, batch_size=BATCH)
            days = []
    PainResponse.objects.bulk_create(days, batch_size=BATCH)
    check_foreign_keys_now(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("programs", "0018_painresponse_day_first")]

    operations = [
        # Before the changes either way: first going forward, last going back.
        migrations.RunPython(set_lock_timeout, migrations.RunPython.noop),
        migrations.RunPython(lock_claims, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="painresponse", name="painresponse_once_per_day"),
        migrations.RenameField(model_name="painresponse", old_name="day", new_name="first_day"),
        migrations.AddField(
            model_name="painresponse",
            name="last_day",
            field=models.DateField(
                blank=True,
                help_text="The last day checked on which it held; empty while it still holds.",
                null=True,
            ),
        ),
        migrations.RunPython(collapse_into_periods, expand_into_days),
        migrations.AlterField(
            model_name="painresponse",
            name="first_day",
            field=models.DateField(
                help_text="The patient's local day the 7-day mean first fell 30%+ below baseline."
            ),
        ),
        migrations.AlterField(
            model_name="painresponse",
            name="mean_pain",
            field=models.FloatField(help_text="The 7-day mean on the first day."),
        ),
        migrations.AlterModelOptions(name="painresponse", options={"ordering": ["-first_day"]}),
        migrations.AddConstraint(
            model_name="painresponse",
            constraint=models.UniqueConstraint(
                condition=models.Q(("last_day__isnull", True)),
                fields=("patient",),
                name="painresponse_one_open_per_patient",
            ),
        ),
        migrations.AddConstraint(
            model_name="painresponse",
            constraint=models.UniqueConstraint(
                fields=("patient", "first_day"), name="painresponse_one_per_first_day"
            ),
        ),
        migrations.AddConstraint(
            model_name="painresponse",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("last_day__isnull", True),
                    ("last_day__gte", models.F("first_day")),
                    _connector="OR",
                ),
                name="painresponse_ends_after_it_starts",
            ),
        ),
        migrations.RunPython(migrations.RunPython.noop, lock_claims),
        migrations.RunPython(migrations.RunPython.noop, set_lock_timeout),
    ]
