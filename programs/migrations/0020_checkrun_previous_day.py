"""CheckRun.previous_day: the day a claim moved on from; and no response left open for a
patient the daily watch no longer judges (issue 7).

The pain check ends a response on the day checked before the one that finds it no longer
holds. It read that day before its claim, and a run for another day holding the claim row
could move it meanwhile; the claim itself now records the day it moves on from. Nullable,
without a default: PostgreSQL adds the column without rewriting the table.

A response of a patient paused or discharged stayed open, as the watch judges active
patients only; pausing or discharging now ends it (programs.services.pain_response_end),
and this ends those already left open, at the patient's last pain check (or its first
day). Reversed, they stay ended: which were open is not kept.
"""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest


def end_responses_of_patients_not_watched(apps, schema_editor):
    CheckRun = apps.get_model("programs", "CheckRun")
    PainResponse = apps.get_model("programs", "PainResponse")
    last_checked = CheckRun.objects.filter(patient=OuterRef("patient"), kind="pain").values("day")
    PainResponse.objects.filter(last_day__isnull=True).exclude(patient__status="active").update(
        last_day=Greatest("first_day", Coalesce(Subquery(last_checked), "first_day"))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0019_painresponse_periods"),
    ]

    operations = [
        migrations.AddField(
            model_name="checkrun",
            name="previous_day",
            field=models.DateField(
                blank=True,
                help_text=(
                    "The day evaluated before it (empty on the first): what the claim moved on "
                    "from."
                ),
                null=True,
            ),
        ),
        migrations.RunPython(end_responses_of_patients_not_watched, migrations.RunPython.noop),
    ]
