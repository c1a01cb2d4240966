from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.demo import (
    DEMO_PASSWORD,
    DemoDataError,
    Trajectory,
    demo_data_create,
    demo_data_delete,
    trajectory_for,
)
from clinic.models import Clinic, Therapist
from clinic.timezones import local_date
from patients.models import LessonAssignment, PainCheckIn, Patient
from patients.selectors import patient_pain_trend
from programs.adherence import inactive_streak
from programs.models import TargetChange, WalkingProgram, WalkLog
from programs.selectors import (
    current_program,
    daily_activity,
    program_adherence,
    program_day_targets,
)
from tests.factories import ClinicFactory, UserFactory

NOW = datetime(2026, 3, 30, 12, 0, tzinfo=UTC)  # the day after London's clocks went forward


@pytest.fixture
def demo(db):
    return demo_data_create(patients=8, days=30, now=NOW)


def _patients(summary, trajectory):
    names = [p.username for p in summary.patients if p.trajectory == trajectory]
    return list(Patient.objects.filter(user__username__in=names).select_related("user"))


def _yesterday(patient):
    return local_date(NOW, patient.timezone) - timedelta(days=1)


def _week(patient, end=None):
    """Adherence, inactive streak and pain trend over the 7 local days ending ``end``."""
    end = end or _yesterday(patient)
    program = current_program(patient=patient)
    start = end - timedelta(days=6)
    targets = program_day_targets(program=program, start=start, end=end)
    activity = daily_activity(
        patient_id=patient.id, start=start, end=end, indoor_allowed=program.indoor_allowed
    )
    streak = inactive_streak(targets, activity)
    return (
        program_adherence(program=program, start=start, end=end),
        streak,
        patient_pain_trend(patient=patient, end=end),
    )


def test_demo_data_create_builds_the_expected_counts(demo):
    assert Clinic.objects.count() == 2
    assert Therapist.objects.count() == demo.therapists == 4
    assert Patient.objects.count() == len(demo.patients) == 8
    assert WalkingProgram.objects.count() == 8
    assert WalkLog.objects.count() == demo.walks > 8 * 20
    assert PainCheckIn.objects.count() == demo.checkins > 8 * 10
    assert TargetChange.objects.count() == demo.target_changes
    assert LessonAssignment.objects.count() == demo.lesson_assignments >= 8 * 2
    assert get_user_model().objects.count() == 1 + 4 + 8


def test_demo_data_create_uses_both_time_zones(demo):
    assert set(Clinic.objects.values_list("timezone", flat=True)) == {
        "Europe/London",
        "America/New_York",
    }
    for patient in Patient.objects.select_related("clinic"):
        assert patient.timezone == patient.clinic.timezone
        assert patient.therapist.clinic_id == patient.clinic_id


def test_demo_data_create_follows_the_fixed_mix(demo):
    assert demo.count_by_trajectory() == {
        Trajectory.ADHERENT: 4,
        Trajectory.DRIFTING: 2,
        Trajectory.FLARING: 1,
        Trajectory.INDOOR: 1,
    }
    assert [p.trajectory for p in demo.patients[:4]] == [trajectory_for(i) for i in range(4)]


def test_demo_credentials_work(demo):
    users = get_user_model().objects
    admin = users.get(username="admin")
    assert admin.is_superuser
    assert admin.check_password(DEMO_PASSWORD)
    therapist = users.get(username="therapist1")
    assert therapist.is_staff
    assert therapist.check_password(DEMO_PASSWORD)
    assert therapist.groups.filter(name="Therapists").exists()
    assert Therapist.objects.filter(user=therapist).exists()
    assert users.get(username="patient8").check_password(DEMO_PASSWORD)
    assert {c.username for c in demo.credentials} == {
        "admin",
        "therapist1",
        "therapist2",
        "therapist3",
        "therapist4",
    }


def test_demo_walks_use_the_patients_local_date(demo):
    walks = WalkLog.objects.select_related("patient")
    assert all(w.local_date == local_date(w.started_at, w.patient.timezone) for w in walks)
    # A New York patient's evening walk is the next day in UTC.
    new_york = WalkLog.objects.filter(patient__timezone="America/New_York")
    assert any(w.started_at.astimezone(UTC).date() != w.local_date for w in new_york)


def test_demo_walks_are_logged_after_they_end_and_never_in_the_future(demo):
    for walk in WalkLog.objects.all():
        assert walk.started_at < walk.created_at < NOW
        assert walk.program_id is not None


def test_demo_programs_have_a_history_with_progressions(demo):
    for program in WalkingProgram.objects.all():
        reasons = list(
            program.target_changes.order_by("effective_on", "id").values_list("reason", flat=True)
        )
        assert reasons[0] == TargetChange.Reason.PRESCRIBED
        latest = program.target_changes.order_by("-effective_on", "-id").first()
        assert (latest.sessions_per_day, latest.minutes_per_session) == (
            program.sessions_per_day,
            program.minutes_per_session,
        )
    assert TargetChange.objects.filter(reason=TargetChange.Reason.PROGRESSED).count() >= 8
    assert set(WalkingProgram.objects.values_list("template__name", flat=True)) == {
        "Walk twice a day (article)",
        "WalkBack (5+ days a week, 6 months)",
    }


@pytest.mark.parametrize("trajectory", [Trajectory.ADHERENT, Trajectory.INDOOR])
def test_adherent_demo_patients_raise_no_alerts_in_the_last_two_weeks(demo, trajectory):
    patients = _patients(demo, trajectory)
    assert patients
    for patient in patients:
        for end in (_yesterday(patient), _yesterday(patient) - timedelta(days=7)):
            adherence, streak, pain = _week(patient, end)
            assert adherence.sessions_ratio >= 0.8, (patient, end)
            assert streak < 3, (patient, end)
            assert not pain.rising, (patient, end, pain)
            assert pain.max_score < 8


def test_adherent_demo_patients_improve(demo):
    for patient in _patients(demo, Trajectory.ADHERENT):
        _, _, pain = _week(patient)
        assert pain.mean < patient.baseline_pain


def test_indoor_demo_patients_only_march_indoors(demo):
    for patient in _patients(demo, Trajectory.INDOOR):
        kinds = set(patient.walks.values_list("kind", flat=True))
        assert kinds == {WalkLog.Kind.INDOOR_MARCHING}


def test_drifting_demo_patients_stopped_walking(demo):
    patients = _patients(demo, Trajectory.DRIFTING)
    assert patients
    for patient in patients:
        adherence, streak, _ = _week(patient)
        assert streak >= 3
        assert adherence.sessions_ratio < 0.5
        # They walked well at first.
        program = current_program(patient=patient)
        first = program_adherence(
            program=program, start=program.start_date, end=program.start_date + timedelta(days=6)
        )
        assert first.sessions_ratio >= 0.5
        assert not patient.walks.filter(local_date__gt=_yesterday(patient) - timedelta(days=3))


def test_flaring_demo_patients_report_a_recent_flare_up(demo):
    patients = _patients(demo, Trajectory.FLARING)
    assert patients
    for patient in patients:
        yesterday = _yesterday(patient)
        checkin = PainCheckIn.objects.get(patient=patient, date=yesterday)
        assert checkin.flare_up
        assert checkin.score >= 8
        _, _, pain = _week(patient)
        assert pain.rising
        assert pain.max_score >= 8
        assert current_program(patient=patient).status == WalkingProgram.Status.FLARE_UP


def test_demo_data_create_is_deterministic(db):
    def snapshot():
        return list(
            WalkLog.objects.order_by("patient__user__username", "started_at").values_list(
                "patient__user__username", "started_at", "duration_minutes", "pain_after"
            )
        )

    demo_data_create(patients=4, days=14, now=NOW)
    first = snapshot()
    demo_data_delete()
    demo_data_create(patients=4, days=14, now=NOW)
    assert snapshot() == first


def test_demo_data_create_queries_do_not_grow_with_patients(db):
    def queries(patients):
        with CaptureQueriesContext(connection) as captured:
            demo_data_create(patients=patients, days=14, now=NOW)
        demo_data_delete()
        return len(captured)

    assert queries(3) == queries(9)


def test_demo_data_create_refuses_to_run_twice(demo):
    with pytest.raises(DemoDataError, match="--reset"):
        demo_data_create(patients=2, days=14, now=NOW)


@pytest.mark.parametrize(
    ("options", "message"),
    [({"patients": 0}, "--patients"), ({"patients": -3}, "--patients"), ({"days": 13}, "--days")],
)
def test_demo_data_create_rejects_bad_options(db, options, message):
    with pytest.raises(DemoDataError, match=message):
        demo_data_create(**{"patients": 2, "days": 30, **options})
    assert not Clinic.objects.exists()


def test_demo_data_delete_removes_only_the_demo(demo):
    other_clinic = ClinicFactory(name="Real clinic")
    other_user = UserFactory(username="real-admin")

    deleted = demo_data_delete()

    assert deleted == 1 + 4 + 8
    assert list(Clinic.objects.all()) == [other_clinic]
    assert list(get_user_model().objects.all()) == [other_user]
    assert not WalkLog.objects.exists()
    assert not PainCheckIn.objects.exists()
