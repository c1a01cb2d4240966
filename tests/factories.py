"""factory_boy factories: build the minimum, override what the test is about."""

from __future__ import annotations

from datetime import date, timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from clinic.models import Clinic, Therapist
from clinic.timezones import local_date
from patients.models import Alert, Lesson, LessonAssignment, PainCheckIn, Patient
from programs.models import TargetChange, WalkingProgram, WalkLog

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password(DEFAULT_PASSWORD)


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Clinic {n}")
    timezone = "Europe/London"


class TherapistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Therapist
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, is_staff=True)
    clinic = factory.SubFactory(ClinicFactory)

    @factory.post_generation
    def in_group(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            group, _ = Group.objects.get_or_create(name="Therapists")
            obj.user.groups.add(group)


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    user = factory.SubFactory(UserFactory)
    therapist = factory.SubFactory(TherapistFactory)
    clinic = factory.SelfAttribute("therapist.clinic")
    date_of_birth = date(1970, 5, 17)
    timezone = factory.SelfAttribute("clinic.timezone")
    baseline_pain = 5


class WalkingProgramFactory(factory.django.DjangoModelFactory):
    """A program with its 'prescribed' history row, as program_prescribe makes it."""

    class Meta:
        model = WalkingProgram
        skip_postgeneration_save = True

    patient = factory.SubFactory(PatientFactory)
    therapist = factory.SelfAttribute("patient.therapist")
    sessions_per_day = 2
    days_per_week = 7
    minutes_per_session = 10
    max_minutes_per_session = 30
    start_date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=28))

    @factory.post_generation
    def history(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            TargetChangeFactory(
                program=obj,
                effective_on=obj.start_date,
                sessions_per_day=obj.sessions_per_day,
                minutes_per_session=obj.minutes_per_session,
                days_per_week=obj.days_per_week,
            )


class TargetChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TargetChange

    program = factory.SubFactory(WalkingProgramFactory)
    effective_on = factory.SelfAttribute("program.start_date")
    sessions_per_day = 2
    minutes_per_session = 10
    days_per_week = 7
    reason = TargetChange.Reason.PRESCRIBED


class WalkLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WalkLog

    patient = factory.SubFactory(PatientFactory)
    started_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    local_date = factory.LazyAttribute(lambda w: local_date(w.started_at, w.patient.timezone))
    duration_minutes = 10
    kind = WalkLog.Kind.OUTDOOR
    talk_test = WalkLog.TalkTest.BRISK
    pain_before = 3
    pain_after = 3


class PainCheckInFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PainCheckIn

    patient = factory.SubFactory(PatientFactory)
    date = factory.LazyFunction(timezone.localdate)
    score = 4


class AlertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Alert

    patient = factory.SubFactory(PatientFactory)
    kind = Alert.Kind.LOW_ADHERENCE
    message = "Adherence below 50% over the last 7 days."
    opened_at = factory.LazyFunction(timezone.now)


class LessonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lesson

    slug = factory.Sequence(lambda n: f"lesson-{n}")
    title = factory.Sequence(lambda n: f"Lesson {n}")
    topic = Lesson.Topic.PACING
    body = "Walk a little more, a little at a time."


class LessonAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LessonAssignment

    patient = factory.SubFactory(PatientFactory)
    lesson = factory.SubFactory(LessonFactory)
