"""Scheduling, recording and stratification for the outcome measures."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from patients.models import (
    Lesson,
    Patient,
    QuestionnaireAssignment,
    QuestionnaireResponse,
    QuestionnaireText,
)
from patients.selectors import latest_outcome_changes, patient_questionnaire_responses
from patients.services import (
    patient_stratification_override,
    patient_update,
    questionnaire_response_record,
    questionnaire_schedule,
    questionnaires_schedule_defaults,
)
from tests.factories import LessonFactory, PatientFactory, WalkingProgramFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
TODAY = date(2026, 3, 10)


def start_back_answers(items_1_8, bother):
    answers = {f"item_{n}": bool(v) for n, v in enumerate(items_1_8, start=1)}
    answers["item_9"] = bother
    return answers


HIGH_RISK = start_back_answers((0, 0, 0, 0, 1, 1, 1, 1), 0)
MEDIUM_RISK = start_back_answers((1, 1, 1, 0, 1, 0, 0, 0), 0)
LOW_RISK = start_back_answers((1, 0, 0, 0, 0, 0, 0, 0), 0)


def odi_all(value):
    return {f"section_{n}": value for n in range(1, 11)}


@pytest.fixture
def patient():
    return PatientFactory(clinic__timezone="UTC")


def test_questionnaires_schedule_defaults_covers_26_weeks(patient):
    created = questionnaires_schedule_defaults(patient=patient, start=TODAY)

    rows = list(patient.questionnaire_assignments.values_list("measure", "due_on", "reason"))
    # Baseline: ODI, NPRS, PSFS, STarT Back; then every 28 days up to 182 days: 6 x 3.
    assert created == len(rows) == 4 + 6 * 3
    assert ("start_back", TODAY, "baseline") in rows
    assert ("odi", TODAY + timedelta(days=168), "interval") in rows
    assert not any(due > TODAY + timedelta(weeks=26) for _, due, _ in rows)


def test_questionnaires_schedule_defaults_stops_at_the_programs_end(patient):
    WalkingProgramFactory(patient=patient, start_date=TODAY, end_date=TODAY + timedelta(weeks=8))

    questionnaires_schedule_defaults(patient=patient, start=TODAY)

    dues = set(patient.questionnaire_assignments.values_list("due_on", flat=True))
    assert dues == {TODAY, TODAY + timedelta(days=28), TODAY + timedelta(days=56)}


def test_questionnaires_schedule_defaults_twice_adds_nothing(patient):
    questionnaires_schedule_defaults(patient=patient, start=TODAY)

    assert questionnaires_schedule_defaults(patient=patient, start=TODAY) == 0


def test_questionnaire_schedule_names_a_bad_measure(patient):
    with pytest.raises(ValidationError) as exc:
        questionnaire_schedule(patient=patient, measure="sf36", due_on=TODAY, reason="baseline")

    assert set(exc.value.message_dict) == {"measure"}


def test_discharging_a_patient_schedules_discharge_measures(patient):
    patient_update(patient=patient, status=Patient.Status.DISCHARGED)

    reasons = set(patient.questionnaire_assignments.values_list("measure", "reason"))
    assert reasons == {("odi", "discharge"), ("nprs", "discharge"), ("psfs", "discharge")}


def test_questionnaire_response_record_scores_and_completes_the_due_assignment(patient):
    assignment, _ = questionnaire_schedule(
        patient=patient, measure="odi", due_on=TODAY, reason="baseline"
    )

    response = questionnaire_response_record(
        patient=patient, measure="odi", answers=odi_all(2), now=NOW
    )

    assignment.refresh_from_db()
    assert (response.score, response.band, response.answered_on) == (40.0, "moderate", TODAY)
    assert assignment.response == response


def test_questionnaire_response_record_leaves_a_later_assignment_open(patient):
    later, _ = questionnaire_schedule(
        patient=patient, measure="odi", due_on=TODAY + timedelta(days=28), reason="interval"
    )

    questionnaire_response_record(patient=patient, measure="odi", answers=odi_all(2), now=NOW)

    later.refresh_from_db()
    assert later.response is None


def test_questionnaire_response_record_saves_nothing_on_bad_answers(patient):
    with pytest.raises(ValidationError) as exc:
        questionnaire_response_record(
            patient=patient, measure="rmdq", answers={"item_1": True}, now=NOW
        )

    assert len(exc.value.message_dict) == 23  # items 2-24 named
    assert not QuestionnaireResponse.objects.exists()


@pytest.mark.parametrize(
    ("answers", "risk", "every", "education"),
    [
        (LOW_RISK, "low", 28, "standard"),
        (MEDIUM_RISK, "medium", 14, "standard"),
        (HIGH_RISK, "high", 7, "enhanced"),
    ],
)
def test_start_back_sets_the_stratified_care(patient, answers, risk, every, education):
    questionnaire_response_record(patient=patient, measure="start_back", answers=answers, now=NOW)

    patient.refresh_from_db()
    assert (patient.risk_group, patient.coaching_every_days, patient.education_intensity) == (
        risk,
        every,
        education,
    )


def test_high_risk_assigns_every_lesson(patient):
    LessonFactory.create_batch(3)

    questionnaire_response_record(patient=patient, measure="start_back", answers=HIGH_RISK, now=NOW)

    assert set(patient.lesson_assignments.values_list("lesson_id", flat=True)) == set(
        Lesson.objects.values_list("id", flat=True)
    )


def test_medium_risk_assigns_no_lessons(patient):
    LessonFactory()

    questionnaire_response_record(
        patient=patient, measure="start_back", answers=MEDIUM_RISK, now=NOW
    )

    assert not patient.lesson_assignments.exists()


def test_a_therapist_override_survives_a_new_start_back(patient):
    patient_stratification_override(
        patient=patient, coaching_every_days=21, education_intensity="standard"
    )
    LessonFactory()

    questionnaire_response_record(patient=patient, measure="start_back", answers=HIGH_RISK, now=NOW)

    patient.refresh_from_db()
    assert (patient.risk_group, patient.coaching_every_days, patient.education_intensity) == (
        "high",
        21,
        "standard",
    )
    assert not patient.lesson_assignments.exists()


def test_patient_questionnaire_responses_change_from_baseline(patient):
    questionnaire_response_record(patient=patient, measure="odi", answers=odi_all(3), now=NOW)
    questionnaire_response_record(
        patient=patient, measure="odi", answers=odi_all(2), now=NOW + timedelta(days=28)
    )
    questionnaire_response_record(
        patient=patient, measure="nprs", answers={"pain": 6}, now=NOW + timedelta(days=28)
    )

    rows = patient_questionnaire_responses(patient=patient)

    summary = [(r.response.measure, r.change.change, r.change.crossed_mcid) for r in rows]
    assert summary == [("nprs", 0, False), ("odi", -20.0, True), ("odi", 0, False)]


def test_latest_outcome_changes_keeps_each_patients_latest(patient):
    other = PatientFactory(clinic__timezone="UTC")
    for days, value in ((0, 3), (28, 2), (56, 1)):
        questionnaire_response_record(
            patient=patient, measure="odi", answers=odi_all(value), now=NOW + timedelta(days=days)
        )
    questionnaire_response_record(patient=other, measure="odi", answers=odi_all(1), now=NOW)

    latest = latest_outcome_changes(patient_ids=[patient.id, other.id], measures=["odi", "rmdq"])

    assert latest[patient.id]["odi"].change.change == -40.0
    assert latest[other.id]["odi"].change.change == 0


# --- load_questionnaire_text ----------------------------------------------------


def write_json(tmp_path, data) -> str:
    path = tmp_path / "texts.json"
    path.write_text(json.dumps(data))
    return str(path)


def test_load_questionnaire_text_stores_the_clinics_text(patient, tmp_path):
    path = write_json(tmp_path, {"section_1": "Pain intensity", "section_2": "Personal care"})

    call_command("load_questionnaire_text", patient.clinic.name, "odi", path)

    texts = dict(QuestionnaireText.objects.values_list("item_key", "text"))
    assert texts == {"section_1": "Pain intensity", "section_2": "Personal care"}


def test_load_questionnaire_text_rejects_unknown_items_and_saves_nothing(patient, tmp_path):
    path = write_json(tmp_path, {"section_1": "Pain intensity", "section_11": "Extra"})

    with pytest.raises(CommandError, match="section_11"):
        call_command("load_questionnaire_text", patient.clinic.name, "odi", path)

    assert not QuestionnaireText.objects.exists()


def test_load_questionnaire_text_rejects_an_unknown_measure(patient, tmp_path):
    path = write_json(tmp_path, {"item_1": "x"})

    with pytest.raises(CommandError, match="Unknown measure: sf36"):
        call_command("load_questionnaire_text", patient.clinic.name, "sf36", path)


def test_load_questionnaire_text_rejects_an_unknown_clinic(tmp_path):
    path = write_json(tmp_path, {"item_1": "x"})

    with pytest.raises(CommandError, match="No clinic named"):
        call_command("load_questionnaire_text", "Nowhere", "rmdq", path)


def test_questionnaire_assignment_measure_is_constrained(patient):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        QuestionnaireAssignment.objects.create(
            patient=patient, measure="sf36", due_on=TODAY, reason="baseline"
        )
