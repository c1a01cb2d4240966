"""program_start_maintenance, recurrence_checkin_record and the booster prompt services."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from programs.models import BoosterPrompt, RecurrenceCheckIn, TargetChange, WalkingProgram
from programs.services import (
    booster_prompt_dismiss,
    booster_prompt_email,
    program_start_maintenance,
    recurrence_checkin_record,
)
from tests.factories import UserFactory, WalkingProgramFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=ZoneInfo("UTC"))
TODAY = date(2026, 11, 20)


def program(**fields) -> WalkingProgram:
    values = {"start_date": date(2026, 6, 1), "patient__timezone": "UTC"}
    return WalkingProgramFactory(**{**values, **fields})


def in_maintenance(since: date = date(2026, 10, 1), **fields) -> WalkingProgram:
    p = program(**fields)
    return program_start_maintenance(program=p, day=since, changed_by=None, now=NOW)


def test_program_start_maintenance_sets_the_phase_and_records_why():
    therapist_user = UserFactory()
    p = program(end_date=date(2026, 12, 31))

    program_start_maintenance(program=p, day=TODAY, changed_by=therapist_user, now=NOW)

    p.refresh_from_db()
    assert (p.phase, p.maintenance_started_on, p.end_date) == ("maintenance", TODAY, None)
    change = p.target_changes.order_by("-id").first()
    assert (change.reason, change.effective_on, change.changed_by) == (
        TargetChange.Reason.MAINTENANCE,
        TODAY,
        therapist_user,
    )
    assert (change.sessions_per_day, change.minutes_per_session) == (2, 10)


def test_program_start_maintenance_restores_the_pre_flare_target():
    p = program(
        status=WalkingProgram.Status.FLARE_UP,
        sessions_per_day=3,
        minutes_per_session=6,
        pre_flare_sessions_per_day=2,
        pre_flare_minutes_per_session=12,
        pre_flare_pain=4.0,
    )

    program_start_maintenance(program=p, day=TODAY, now=NOW)

    p.refresh_from_db()
    assert (p.status, p.sessions_per_day, p.minutes_per_session) == ("active", 2, 12)
    assert p.pre_flare_minutes_per_session is None


@pytest.mark.parametrize(
    ("day", "field"),
    [(TODAY + timedelta(days=1), "day"), (date(2026, 5, 31), "day")],
)
def test_program_start_maintenance_rejects_a_bad_day(day, field):
    p = program()

    with pytest.raises(ValidationError) as exc:
        program_start_maintenance(program=p, day=day, now=NOW)

    assert field in exc.value.message_dict
    p.refresh_from_db()
    assert p.phase == "active"


def test_program_start_maintenance_twice_is_refused():
    p = in_maintenance()

    with pytest.raises(ValidationError) as exc:
        program_start_maintenance(program=p, day=TODAY, now=NOW)

    assert "phase" in exc.value.message_dict
    assert p.target_changes.filter(reason="maintenance").count() == 1


def test_program_start_maintenance_refuses_a_completed_program():
    p = program(status=WalkingProgram.Status.COMPLETED)

    with pytest.raises(ValidationError) as exc:
        program_start_maintenance(program=p, day=TODAY, now=NOW)

    assert "program" in exc.value.message_dict


def test_recurrence_checkin_record_stores_this_local_month():
    p = in_maintenance()

    checkin, created = recurrence_checkin_record(
        patient=p.patient,
        had_episode=True,
        episode_started_on=date(2026, 11, 3),
        sought_care=True,
        now=NOW,
    )

    assert created is True
    assert (checkin.month, checkin.episode_started_on, checkin.sought_care) == (
        date(2026, 11, 1),
        date(2026, 11, 3),
        True,
    )


def test_recurrence_checkin_uses_the_patients_local_month():
    p = in_maintenance(patient__timezone="Pacific/Auckland")
    new_year_in_auckland = datetime(2026, 12, 31, 12, 0, tzinfo=ZoneInfo("UTC"))

    checkin, _ = recurrence_checkin_record(
        patient=p.patient, had_episode=False, now=new_year_in_auckland
    )

    assert checkin.month == date(2027, 1, 1)


def test_a_second_recurrence_checkin_in_a_month_replaces_the_first():
    p = in_maintenance()
    recurrence_checkin_record(patient=p.patient, had_episode=False, now=NOW)

    checkin, created = recurrence_checkin_record(
        patient=p.patient, had_episode=True, episode_started_on=date(2026, 11, 10), now=NOW
    )

    assert created is False
    assert RecurrenceCheckIn.objects.filter(patient=p.patient).count() == 1
    checkin.refresh_from_db()
    assert checkin.had_episode is True


@pytest.mark.parametrize(
    ("started_on", "message"),
    [
        (None, "Say when"),
        (TODAY + timedelta(days=1), "future"),
        (date(2026, 9, 30), "before maintenance"),
    ],
)
def test_recurrence_checkin_record_validates_the_episode_date(started_on, message):
    p = in_maintenance(since=date(2026, 10, 1))

    with pytest.raises(ValidationError) as exc:
        recurrence_checkin_record(
            patient=p.patient, had_episode=True, episode_started_on=started_on, now=NOW
        )

    assert message in exc.value.message_dict["episode_started_on"][0]
    assert not RecurrenceCheckIn.objects.exists()


def test_recurrence_checkin_without_an_episode_drops_the_date_and_care():
    p = in_maintenance()

    checkin, _ = recurrence_checkin_record(
        patient=p.patient,
        had_episode=False,
        episode_started_on=date(2026, 11, 3),
        sought_care=True,
        now=NOW,
    )

    assert (checkin.episode_started_on, checkin.sought_care) == (None, False)


def test_recurrence_checkin_needs_maintenance():
    p = program()

    with pytest.raises(ValidationError) as exc:
        recurrence_checkin_record(patient=p.patient, had_episode=False, now=NOW)

    assert "non_field_errors" in exc.value.message_dict


def test_booster_prompt_email_is_sent_exactly_once():
    p = in_maintenance()
    prompt = BoosterPrompt.objects.create(patient=p.patient, created_on=TODAY, reason="Low.")

    first = booster_prompt_email(prompt_id=prompt.id, now=NOW)
    second = booster_prompt_email(prompt_id=prompt.id, now=NOW)

    assert (first, second) == (True, False)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [p.patient.user.email]
    assert "Low." in mail.outbox[0].body


def test_booster_prompt_email_releases_the_claim_when_sending_fails(monkeypatch):
    p = in_maintenance()
    prompt = BoosterPrompt.objects.create(patient=p.patient, created_on=TODAY, reason="Low.")

    def fail(self, *args, **kwargs):
        raise OSError("SMTP down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", fail)
    with pytest.raises(OSError, match="SMTP down"):
        booster_prompt_email(prompt_id=prompt.id, now=NOW)

    prompt.refresh_from_db()
    assert prompt.emailed_at is None


def test_booster_prompt_dismiss_keeps_the_first_time():
    p = in_maintenance()
    prompt = BoosterPrompt.objects.create(patient=p.patient, created_on=TODAY, reason="Low.")
    booster_prompt_dismiss(prompt=prompt, now=NOW)

    booster_prompt_dismiss(prompt=prompt, now=NOW + timedelta(hours=1))

    prompt.refresh_from_db()
    assert prompt.dismissed_at == NOW
