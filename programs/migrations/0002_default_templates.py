from django.db import migrations

TEMPLATES = [
    {
        "name": "Walk twice a day (article)",
        "description": (
            "Walk twice a day. Start at a duration that is comfortable, then slowly add "
            "about a minute at a time. Walk briskly: able to answer a question but not "
            "talk the whole time. On bad-weather days, or when the route is not safe, "
            "marching in place indoors counts."
        ),
        "sessions_per_day": 2,
        "days_per_week": 7,
        "minutes_per_session": 10,
        "increment_minutes": 1,
        "increment_every_days": 3,
        "max_minutes_per_session": 30,
        "intensity": "brisk",
        "indoor_allowed": True,
        "duration_weeks": None,
        "includes_education": False,
    },
    {
        "name": "WalkBack (5+ days a week, 6 months)",
        "description": (
            "The WalkBack trial's approach: walking sessions on at least 5 days a week, "
            "building up to 30 minutes or more per session over up to 6 months, with "
            "education lessons and coaching check-ins."
        ),
        "sessions_per_day": 1,
        "days_per_week": 5,
        "minutes_per_session": 10,
        "increment_minutes": 2,
        "increment_every_days": 7,
        "max_minutes_per_session": 35,
        "intensity": "brisk",
        "indoor_allowed": True,
        "duration_weeks": 26,
        "includes_education": True,
    },
]


def add_templates(apps, schema_editor):
    ProgramTemplate = apps.get_model("programs", "ProgramTemplate")
    for values in TEMPLATES:
        ProgramTemplate.objects.update_or_create(
            clinic=None, name=values["name"], defaults=values
        )


def remove_templates(apps, schema_editor):
    ProgramTemplate = apps.get_model("programs", "ProgramTemplate")
    ProgramTemplate.objects.filter(clinic=None, name__in=[t["name"] for t in TEMPLATES]).delete()


class Migration(migrations.Migration):
    dependencies = [("programs", "0001_initial")]

    operations = [migrations.RunPython(add_templates, remove_templates)]
