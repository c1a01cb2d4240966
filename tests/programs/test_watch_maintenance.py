"""The daily watch in maintenance: the phase starts on time, progression stops, boosters."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from patients.models import Patient
from programs import tasks
from programs.models import BoosterPrompt, CheckRun, ProgramTemplate, TargetChange
from programs.services import program_start_maintenance
from programs.watch import booster_check, maintenance_start_check, progression_check
from tests.programs.watch_helpers import DAY, NOW, program_for, walk_days

pytestmark = pytest.mark.django_db

TOMORROW = DAY + timedelta(days=1)


def maintenance_program(days_ago: int = 30, **fields):
    """1 x 20 min a day, in maintenance since ``days_ago`` days before DAY."""
    program = program_for(minutes_per_session=20, start_date=DAY - timedelta(days=120), **fields)
    program.target_changes.update(minutes_per_session=20)
    return program_start_maintenance(program=program, day=DAY - timedelta(days=days_ago), now=NOW)


def test_maintenance_starts_the_day_after_the_end_date():
    program = program_for(end_date=DAY)

    result = maintenance_start_check(patient_ids=[program.patient_id], day=DAY, now=NOW)

    program.refresh_from_db()
    assert (program.phase, program.maintenance_started_on) == ("maintenance", TOMORROW)
    assert result.changes == 1
    assert program.target_changes.filter(reason="maintenance", effective_on=TOMORROW).exists()


def test_maintenance_waits_until_the_end_date_has_passed():
    program = program_for(end_date=TOMORROW)

    maintenance_start_check(patient_ids=[program.patient_id], day=DAY, now=NOW)

    program.refresh_from_db()
    assert program.phase == "active"


def test_maintenance_starts_after_the_templates_duration():
    template = ProgramTemplate.objects.create(name="Ten weeks", duration_weeks=10)
    program = program_for(template=template, start_date=TOMORROW - timedelta(weeks=10))

    maintenance_start_check(patient_ids=[program.patient_id], day=DAY, now=NOW)

    program.refresh_from_db()
    assert program.maintenance_started_on == TOMORROW


def test_maintenance_start_check_is_idempotent():
    program = program_for(end_date=DAY)
    maintenance_start_check(patient_ids=[program.patient_id], day=DAY, now=NOW)

    again = maintenance_start_check(patient_ids=[program.patient_id], day=DAY, now=NOW)

    assert again.changes == 0
    assert program.target_changes.filter(reason="maintenance").count() == 1


def test_maintenance_start_check_leaves_open_ended_programs_alone():
    program = program_for()

    maintenance_start_check(patient_ids=[program.patient_id], day=DAY, now=NOW)

    program.refresh_from_db()
    assert program.phase == "active"


def test_maintenance_start_check_makes_constant_queries(django_assert_num_queries):
    programs = [program_for(end_date=DAY) for _ in range(5)]
    ids = [p.patient_id for p in programs]

    # 1 lock and read the programs, 2 save them, 3 their history rows (+2 savepoint).
    with django_assert_num_queries(5):
        maintenance_start_check(patient_ids=ids, day=DAY, now=NOW)


def test_progression_skips_programs_in_maintenance():
    program = maintenance_program(increment_every_days=7)
    walk_days(program.patient, range(14), minutes=20)

    result = progression_check(patient_ids=[program.patient_id], day=DAY, now=NOW)

    assert result.checked == 0
    program.refresh_from_db()
    assert program.minutes_per_session == 20
    assert not program.target_changes.filter(
        reason__in=[TargetChange.Reason.PROGRESSED, TargetChange.Reason.HELD]
    ).exists()


def test_booster_opens_when_two_weeks_fall_below_the_ratio():
    program = maintenance_program()
    walk_days(program.patient, range(14), minutes=10)  # 140 of 280 minutes: 50%

    result = booster_check(patient_ids=[program.patient_id], day=DAY, now=NOW)

    prompt = BoosterPrompt.objects.get(patient=program.patient)
    assert (prompt.created_on, prompt.dismissed_at) == (DAY, None)
    assert "140 of 280 minutes" in prompt.reason
    assert result.boosters == [prompt.id]


def test_no_booster_while_walking_keeps_up():
    program = maintenance_program()
    walk_days(program.patient, range(14), minutes=12)  # 168 of 280: exactly 60%

    booster_check(patient_ids=[program.patient_id], day=DAY, now=NOW)

    assert not BoosterPrompt.objects.exists()


def test_booster_ratio_comes_from_settings(settings):
    settings.WALKRX = {**settings.WALKRX, "BOOSTER_RATIO": 0.4}
    program = maintenance_program()
    walk_days(program.patient, range(14), minutes=10)  # 50%: fine at 40%

    booster_check(patient_ids=[program.patient_id], day=DAY, now=NOW)

    assert not BoosterPrompt.objects.exists()


def test_no_booster_in_the_first_two_weeks_of_maintenance():
    program = maintenance_program(days_ago=10)

    booster_check(patient_ids=[program.patient_id], day=DAY, now=NOW)

    assert not BoosterPrompt.objects.exists()


def test_at_most_one_booster_is_open_at_a_time():
    program = maintenance_program()
    BoosterPrompt.objects.create(patient=program.patient, created_on=DAY - timedelta(30), reason="")

    booster_check(patient_ids=[program.patient_id], day=DAY, now=NOW)

    assert BoosterPrompt.objects.filter(patient=program.patient).count() == 1


def test_a_dismissed_booster_holds_off_a_new_one_for_two_weeks():
    program = maintenance_program()
    BoosterPrompt.objects.create(
        patient=program.patient, created_on=DAY - timedelta(5), reason="", dismissed_at=NOW
    )

    booster_check(patient_ids=[program.patient_id], day=DAY, now=NOW)

    assert BoosterPrompt.objects.filter(patient=program.patient).count() == 1


def test_a_new_booster_after_an_old_dismissed_one():
    program = maintenance_program()
    BoosterPrompt.objects.create(
        patient=program.patient, created_on=DAY - timedelta(20), reason="", dismissed_at=NOW
    )

    booster_check(patient_ids=[program.patient_id], day=DAY, now=NOW)

    assert BoosterPrompt.objects.filter(patient=program.patient, dismissed_at=None).count() == 1


def test_booster_check_is_idempotent_per_day():
    program = maintenance_program()
    booster_check(patient_ids=[program.patient_id], day=DAY, now=NOW)
    BoosterPrompt.objects.update(dismissed_at=NOW, created_on=DAY - timedelta(30))

    again = booster_check(patient_ids=[program.patient_id], day=DAY, now=NOW)

    assert again.checked == 0
    assert CheckRun.objects.filter(kind=CheckRun.Kind.MAINTENANCE).count() == 1


def test_booster_check_skips_discharged_patients():
    program = maintenance_program()
    Patient.objects.filter(id=program.patient_id).update(status=Patient.Status.DISCHARGED)

    result = booster_check(patient_ids=[program.patient_id], day=DAY, now=NOW)

    assert result.checked == 0


@pytest.mark.parametrize("size", [1, 6])
def test_booster_check_makes_constant_queries(django_assert_num_queries, size):
    ids = [maintenance_program().patient_id for _ in range(size)]

    # 1 programs, 2 claim, 3 history, 4 walk sums, 5 recent prompts, 6 insert prompts,
    # 7 read back their ids (+2 savepoint queries of the atomic block).
    with django_assert_num_queries(9):
        booster_check(patient_ids=ids, day=DAY, now=NOW)


def test_the_maintenance_task_emails_each_new_booster_once(django_capture_on_commit_callbacks):
    program = maintenance_program()

    with django_capture_on_commit_callbacks(execute=True):
        sent = tasks.check_maintenance_chunk([program.patient_id], DAY.isoformat(), NOW.isoformat())
    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_booster_email(BoosterPrompt.objects.get().id)

    assert sent == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [program.patient.user.email]


def test_check_maintenance_enqueues_one_chunk_task_per_chunk_after_commit(
    monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("programs.watch.CHUNK_SIZE", 2)
    for _ in range(3):
        program_for()
    queued = []
    monkeypatch.setattr(
        tasks.check_maintenance_chunk,
        "apply_async",
        lambda args, kwargs=None, **options: queued.append(tuple(args)),
    )

    with django_capture_on_commit_callbacks(execute=True):
        chunks = tasks.check_maintenance()

    assert chunks == 2
    assert [len(ids) for ids, _, _ in queued] == [2, 1]


def test_the_maintenance_chunk_moves_ended_programs_to_maintenance():
    program = program_for(end_date=DAY)

    tasks.check_maintenance_chunk([program.patient_id], DAY.isoformat(), NOW.isoformat())

    program.refresh_from_db()
    assert program.phase == "maintenance"
