from django.db import migrations

LESSONS = [
    {
        "slug": "pain-is-not-damage",
        "title": "A little pain is normal, and not damage",
        "topic": "pain_science",
        "order": 1,
        "summary": "Why some discomfort while walking is safe, and what to watch for.",
        "body": (
            "Back pain is common and usually not a sign of damage. Feeling a little pain "
            "while you walk is normal as your body adapts, and it often eases as you get "
            "fitter. Use pain as a guide: if it is 0-3 out of 10, carry on; 4-5, slow down "
            "or shorten the walk; 6 or more, reduce the load and tell your therapist. "
            "Call a doctor at once if you notice numbness around your buttocks or "
            "genitals, new trouble passing urine or controlling your bladder or bowel, "
            "or weakness in your legs."
        ),
    },
    {
        "slug": "posture-and-body-mechanics",
        "title": "Posture and body mechanics",
        "topic": "posture",
        "order": 2,
        "summary": "Moving in ways that spare your back during the day.",
        "body": (
            "Bend your knees rather than your back, move your feet instead of twisting, "
            "keep loads close to your body and avoid reaching. Walk tall, with relaxed "
            "shoulders and an easy arm swing."
        ),
    },
    {
        "slug": "pacing",
        "title": "Pacing: a little more, a little at a time",
        "topic": "pacing",
        "order": 3,
        "summary": "Why the program adds about a minute at a time.",
        "body": (
            "Your body adapts best to small, regular increases. Your program adds about a "
            "minute at a time when you have kept up with your walks and your pain has not "
            "risen. Brisk means you can answer a question but not talk the whole time."
        ),
    },
    {
        "slug": "flare-up-plan",
        "title": "Your flare-up plan",
        "topic": "flare_up_plan",
        "order": 4,
        "summary": "What to do when your back flares up.",
        "body": (
            "Flare-ups are usually a temporary irritation, not new damage. Pace yourself: "
            "take shorter, more frequent walks. Rest when you need to, but keep gently "
            "moving rather than staying in bed. Mind your body mechanics: bend the knees, "
            "move your feet, avoid reaching. Call the clinic if the pain is not settling "
            "after a few days, or at once if you have any of the warning signs."
        ),
    },
]


def add_lessons(apps, schema_editor):
    Lesson = apps.get_model("patients", "Lesson")
    for values in LESSONS:
        Lesson.objects.update_or_create(slug=values["slug"], defaults=values)


def remove_lessons(apps, schema_editor):
    apps.get_model("patients", "Lesson").objects.filter(
        slug__in=[lesson["slug"] for lesson in LESSONS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("patients", "0001_initial")]

    operations = [migrations.RunPython(add_lessons, remove_lessons)]
