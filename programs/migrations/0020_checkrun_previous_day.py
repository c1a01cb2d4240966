"""CheckRun.previous_day: the day a claim moved on from (issue 7).

The pain check ends a response on the day checked before the one that finds it no longer
holds. It read that day before its claim, and a run for another day holding the claim row
could move it meanwhile; the claim itself now records the day it moves on from. Nullable,
without a default: PostgreSQL adds the column without rewriting the table.
"""

from django.db import migrations, models


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
    ]
