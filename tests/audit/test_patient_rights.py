"""export_patient and erase_patient: everything out; then no PII left, figures intact."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import models
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from clinic.api.tokens import api_token_issue
from clinic.audit import audit_record
from clinic.models import AuditEvent, WeeklyReport
from clinic.services import weekly_report_build, weekly_report_data
from patients.models import Patient, QuestionnaireResponse
from patients.questionnaires import PSFS
from patients.redflags import QUESTION_KEYS
from patients.services import (
    questionnaire_response_record,
    questionnaire_schedule,
    red_flag_screen_record,
)
from programs.models import BoosterPrompt, DailySteps, RecurrenceCheckIn, TargetChange, WalkLog
from tests.api.conftest import client_for
from tests.factories import (
    AlertFactory,
    LessonAssignmentFactory,
    PainCheckInFactory,
    PatientFactory,
    UserFactory,
    WalkingProgramFactory,
    WalkLogFactory,
)

pytestmark = pytest.mark.django_db

PII = [
    "zquillfeather",
    "Zephyrine",
    "Quillfeather",
    "zq@example.org",
    "1971-08-23",
    "knee gave way on Elm Street",
    "argued with my sister Marguerite",
    "Called her daughter Philippa",
    "lift grandson Barnaby",
    "slipped at Thornbury market",
    "zq-fitbit-88120",
]


def last_monday() -> date:
    today = timezone.localdate()
    return today - timedelta(days=today.weekday() + 7)


@pytest.fixture
def patient() -> Patient:
    user = UserFactory(
        username="zquillfeather",
        first_name="Zephyrine",
        last_name="Quillfeather",
        email="zq@example.org",
    )
    patient = PatientFactory(user=user, date_of_birth=date(1971, 8, 23))
    Patient.objects.filter(pk=patient.pk).update(created_at=timezone.now() - timedelta(days=60))
    program = WalkingProgramFactory(patient=patient)
    TargetChange.objects.filter(program=program).update(note="Called her daughter Philippa")
    monday = last_monday()
    for day in range(3):
        started = timezone.make_aware(
            timezone.datetime.combine(monday + timedelta(days=day), timezone.datetime.min.time())
        ) + timedelta(hours=10)
        WalkLogFactory(patient=patient, started_at=started, note="knee gave way on Elm Street")
        PainCheckInFactory(
            patient=patient,
            date=monday + timedelta(days=day),
            score=4 + day,
            note="argued with my sister Marguerite",
        )
    AlertFactory(patient=patient, resolution="Spoke to Zephyrine Quillfeather")
    LessonAssignmentFactory(patient=patient)
    red_flag_screen_record(patient=patient, answers=dict.fromkeys(QUESTION_KEYS, False))
    questionnaire_schedule(
        patient=patient, measure=PSFS, due_on=timezone.localdate(), reason="baseline"
    )
    questionnaire_response_record(
        patient=patient,
        measure=PSFS,
        answers={
            "activity_1": {"activity": "lift grandson Barnaby", "score": 3},
            "activity_2": {"activity": "Gardening", "score": 5},
            "activity_3": {"activity": "Driving", "score": 7},
        },
    )
    RecurrenceCheckIn.objects.create(
        patient=patient,
        month=monday.replace(day=1),
        had_episode=True,
        episode_started_on=monday,
        note="slipped at Thornbury market",
    )
    BoosterPrompt.objects.create(
        patient=patient, created_on=monday, reason="Zephyrine Quillfeather walked 40 of 150 minutes"
    )
    DailySteps.objects.create(patient=patient, date=monday, steps=6000, source="fitbit")
    DailySteps.objects.create(patient=patient, date=monday, steps=6500, source="apple_health")
    WalkLogFactory(
        patient=patient,
        started_at=timezone.now() - timedelta(days=30),
        external_id="zq-fitbit-88120",
    )
    neighbour = PatientFactory(therapist=patient.therapist)
    Patient.objects.filter(pk=neighbour.pk).update(created_at=timezone.now() - timedelta(days=60))
    WalkLogFactory(patient=neighbour, started_at=timezone.now() - timedelta(days=8))
    weekly_report_build(therapist=patient.therapist, week_start=monday)
    LogEntry.objects.create(
        user=patient.therapist.user,
        content_type=ContentType.objects.get_for_model(Patient),
        object_id=str(patient.pk),
        object_repr=str(patient),
        action_flag=CHANGE,
        change_message="[]",
    )
    audit_record(action="export", actor=user, patient=patient)
    api_token_issue(user=user)
    return patient


def pii_left() -> list[tuple[str, str, str]]:
    """Every (table, column, string) where a PII string survives, across all models."""
    found = []
    for model in apps.get_models():
        columns = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        if not columns:
            continue
        for row in model._base_manager.values_list(*columns):
            for column, value in zip(columns, row, strict=True):
                text = json.dumps(value, default=str) if not isinstance(value, str) else value
                found += [(model._meta.db_table, column, s) for s in PII if s in text]
    return found


def pii_left_in_dates(patient: Patient) -> bool:
    return Patient.objects.get(pk=patient.pk).date_of_birth == date(1971, 8, 23)


# --- Export -----------------------------------------------------------------


def test_export_patient_writes_everything_as_json(patient, tmp_path):
    out = tmp_path / "export.json"

    call_command("export_patient", str(patient.pk), "--output", str(out))

    data = json.loads(out.read_text())
    assert data["user"]["username"] == "zquillfeather"
    assert data["patient"]["date_of_birth"] == "1971-08-23"
    assert len(data["walks"]) == 4
    assert {c["note"] for c in data["pain_checkins"]} == {"argued with my sister Marguerite"}
    assert len(data["programs"]) == 1
    assert data["target_changes"][0]["note"] == "Called her daughter Philippa"
    assert len(data["alerts"]) == len(data["lessons"]) == len(data["red_flag_screens"]) == 1
    assert [r["patient_id"] for r in data["weekly_report_rows"]] == [patient.pk]
    assert data["questionnaire_responses"][0]["answers"]["activity_1"] == {
        "activity": "lift grandson Barnaby",
        "score": 3,
    }
    assert (
        data["questionnaire_assignments"][0]["response_id"]
        == (data["questionnaire_responses"][0]["id"])
    )
    assert data["recurrence_checkins"][0]["note"] == "slipped at Thornbury market"
    assert len(data["booster_prompts"]) == 1
    assert sorted(d["steps"] for d in data["daily_steps"]) == [6000, 6500]


def test_export_patient_includes_the_fhir_bundle(patient, tmp_path):
    out = tmp_path / "export.json"

    call_command("export_patient", str(patient.pk), "--output", str(out))

    bundle = json.loads(out.read_text())["fhir_bundle"]
    Bundle.model_validate(bundle)
    types = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert types.count("QuestionnaireResponse") == 2  # the red-flag screen and the PSFS
    assert bundle["entry"][0]["resource"]["id"] == f"patient-{patient.pk}"
    steps = [e["resource"] for e in bundle["entry"] if e["resource"]["id"].startswith("steps-")]
    assert [s["valueQuantity"]["value"] for s in steps] == [6500]


def test_export_patient_is_audited_as_an_export(patient, tmp_path):
    call_command("export_patient", str(patient.pk), "--output", str(tmp_path / "x.json"))

    event = AuditEvent.objects.filter(action="export", actor__isnull=True).get()
    assert (event.patient_ref, event.actor_role, event.clinic_id) == (
        patient.pk,
        "system",
        patient.clinic_id,
    )


def test_export_patient_of_an_unknown_id_is_an_error():
    with pytest.raises(CommandError, match="No patient with id 999"):
        call_command("export_patient", "999")


# --- Erasure ----------------------------------------------------------------


def test_it_leaves_no_pii_anywhere(patient):
    assert {s for *_, s in pii_left()} == set(PII) - {"1971-08-23"}  # the fixture has it all

    call_command("erase_patient", str(patient.pk), "--yes")

    assert pii_left() == []
    assert not pii_left_in_dates(patient)


def test_it_keeps_the_psfs_scores_and_the_imported_walks_source(patient):
    call_command("erase_patient", str(patient.pk), "--yes")

    response = QuestionnaireResponse.objects.get(patient=patient)
    assert response.answers == {
        "activity_1": {"activity": "", "score": 3},
        "activity_2": {"activity": "", "score": 5},
        "activity_3": {"activity": "", "score": 7},
    }
    assert response.score == 5.0
    walk = WalkLog.objects.exclude(external_id="").get(patient=patient)
    assert walk.external_id == f"erased-{walk.pk}"
    assert WalkLog.objects.filter(patient=patient, external_id="").count() == 3


def test_it_keeps_the_source_of_an_imported_walk_id(patient):
    walk = WalkLogFactory(patient=patient, external_id="apple_health:ZQ-IPHONE-0042")

    call_command("erase_patient", str(patient.pk), "--yes")

    walk.refresh_from_db()
    assert walk.external_id == f"apple_health:erased-{walk.pk}"


def test_it_keeps_only_the_year_of_birth(patient):
    call_command("erase_patient", str(patient.pk), "--yes")

    assert Patient.objects.get(pk=patient.pk).date_of_birth == date(1971, 1, 1)


def test_it_leaves_an_inactive_user_who_cannot_sign_in(patient, client):
    call_command("erase_patient", str(patient.pk), "--yes")

    user = Patient.objects.get(pk=patient.pk).user
    assert not user.is_active
    assert not user.has_usable_password()
    assert user.username.startswith("erased-")
    assert not user.api_tokens.exists()


def test_the_report_figures_stay_the_same(patient):
    monday = last_monday()
    now = timezone.now()
    before = weekly_report_data(therapist=patient.therapist, week_start=monday, now=now)

    call_command("erase_patient", str(patient.pk), "--yes")

    after = weekly_report_data(therapist=patient.therapist, week_start=monday, now=now)
    stored = WeeklyReport.objects.get(therapist=patient.therapist, week_start=monday).data
    assert after["summary"] == before["summary"]
    assert after["trend"] == before["trend"]

    def rows(data, erased_name):
        return {
            r["patient_id"]: {
                **r,
                "name": erased_name if r["patient_id"] == patient.pk else r["name"],
            }
            for r in data["patients"]
        }

    assert rows(after, "x") == rows(before, "x")
    assert rows(stored, "x") == rows(before, "x")
    assert {r["name"] for r in stored["patients"] if r["patient_id"] == patient.pk} == {
        "Erased patient"
    }


def test_the_walks_and_scores_stay(patient):
    counts = (patient.walks.count(), patient.pain_checkins.count())

    call_command("erase_patient", str(patient.pk), "--yes")

    assert (patient.walks.count(), patient.pain_checkins.count()) == counts
    assert sorted(patient.pain_checkins.values_list("score", flat=True)) == [4, 5, 6]


def test_erasure_is_audited_by_id_only(patient):
    call_command("erase_patient", str(patient.pk), "--yes")

    event = AuditEvent.objects.get(action="erase")
    assert (event.patient_ref, event.object_id, event.actor_role) == (
        patient.pk,
        str(patient.pk),
        "system",
    )


def test_erasure_asks_first_and_stops_without_yes(patient, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "no")

    with pytest.raises(CommandError, match="cancelled"):
        call_command("erase_patient", str(patient.pk))

    assert Patient.objects.get(pk=patient.pk).user.username == "zquillfeather"
    assert not AuditEvent.objects.filter(action="erase").exists()


def test_erasure_goes_ahead_when_confirmed(patient, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "yes")

    call_command("erase_patient", str(patient.pk))

    assert Patient.objects.get(pk=patient.pk).user.username.startswith("erased-")


def test_erase_patient_of_an_unknown_id_is_an_error():
    with pytest.raises(CommandError, match="No patient with id 999"):
        call_command("erase_patient", "999", "--yes")


def test_a_therapist_can_still_read_the_erased_patient_without_pii(patient):
    call_command("erase_patient", str(patient.pk), "--yes")

    r = client_for(patient.therapist.user).get(f"/api/v1/patients/{patient.pk}/")

    assert r.status_code == 200
    assert "Quillfeather" not in r.content.decode()
