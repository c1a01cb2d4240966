"""The FHIR R4 export: every resource validates with fhir.resources (R4B models)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import call_command
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from patients.fhir import (
    RED_FLAG_QUESTIONNAIRE,
    bundle_json,
    full_url,
    goal_description,
    patient_bundle,
)
from patients.models import Patient, RedFlagScreen
from patients.questionnaires import NPRS, ODI, PSFS, RMDQ
from patients.redflags import QUESTION_KEYS
from patients.selectors import patient_fhir_data
from patients.services import questionnaire_response_record
from programs.models import DailySteps, WalkingProgram
from programs.selectors import daily_step_totals
from tests.factories import (
    ClinicFactory,
    PainCheckInFactory,
    PatientFactory,
    TherapistFactory,
    WalkingProgramFactory,
    WalkLogFactory,
)

pytestmark = pytest.mark.django_db

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def export(patient) -> dict:
    """The patient's bundle as JSON text, parsed back (what a client receives)."""
    bundle = patient_bundle(patient_fhir_data(patient=patient), now=NOW)
    return json.loads(json.dumps(bundle_json(bundle)))


# fhir.resources checks structure, types and cardinality but not the required code bindings;
# these are the R4 value sets of the status elements we fill.
REQUIRED_BINDINGS = {
    ("Observation", "status"): {"registered", "preliminary", "final", "amended"},
    ("CarePlan", "status"): {"draft", "active", "on-hold", "revoked", "completed", "unknown"},
    ("CarePlan", "intent"): {"proposal", "plan", "order", "option"},
    ("Goal", "lifecycleStatus"): {
        "proposed",
        "planned",
        "accepted",
        "active",
        "on-hold",
        "completed",
        "cancelled",
        "entered-in-error",
        "rejected",
    },
    ("QuestionnaireResponse", "status"): {"in-progress", "completed", "amended", "stopped"},
    ("Questionnaire", "status"): {"draft", "active", "retired", "unknown"},
    ("Bundle", "type"): {"collection", "searchset"},
}


def validate_every_resource(body: dict) -> dict[str, int]:
    """Parse the bundle and each entry with its own R4B model; counts per resource type."""
    Bundle.model_validate(body)
    assert body["type"] in REQUIRED_BINDINGS["Bundle", "type"]
    counts: dict[str, int] = {}
    for entry in body["entry"]:
        resource = entry["resource"]
        model = get_fhir_model_class(resource["resourceType"])
        model.model_validate(resource)
        for (resource_type, element), allowed in REQUIRED_BINDINGS.items():
            if resource_type == resource["resourceType"]:
                assert resource[element] in allowed, (resource["id"], element)
        counts[resource["resourceType"]] = counts.get(resource["resourceType"], 0) + 1
    return counts


def test_the_validation_rejects_a_resource_missing_a_required_element(patient):
    body = export(patient)
    observation = next(
        e["resource"] for e in body["entry"] if e["resource"]["resourceType"] == "Observation"
    )
    del observation["code"]

    with pytest.raises(ValidationError):
        validate_every_resource(body)


def resources(body: dict, resource_type: str) -> dict[str, dict]:
    return {
        e["resource"]["id"]: e["resource"]
        for e in body["entry"]
        if e["resource"]["resourceType"] == resource_type
    }


def codes(concept: dict) -> set[tuple[str, str]]:
    return {(c["system"], c["code"]) for c in concept["coding"]}


@pytest.fixture
def patient():
    clinic = ClinicFactory(name="Riverside Physio", timezone="Europe/Berlin")
    therapist = TherapistFactory(clinic=clinic, user__first_name="Tess", user__last_name="Hale")
    patient = PatientFactory(
        therapist=therapist,
        user__first_name="Pat",
        user__last_name="Walker",
        date_of_birth=date(1968, 2, 29),
    )
    program = WalkingProgramFactory(
        patient=patient, start_date=date(2026, 2, 1), days_per_week=5, sessions_per_day=1
    )
    WalkLogFactory(
        patient=patient,
        program=program,
        started_at=datetime(2026, 3, 1, 8, 30, tzinfo=UTC),
        duration_minutes=25,
        steps=2900,
        pain_before=4,
        pain_after=2,
    )
    WalkLogFactory(patient=patient, program=program, steps=None)
    PainCheckInFactory(patient=patient, date=date(2026, 3, 2), score=3, flare_up=True)
    RedFlagScreen.objects.create(
        patient=patient,
        answers={**dict.fromkeys(QUESTION_KEYS, False), "night_pain": True},
        positive=True,
        emergency=False,
    )
    return patient


def test_it_validates_every_resource_type_of_a_patients_bundle(patient):
    body = export(patient)

    counts = validate_every_resource(body)

    assert body["resourceType"] == "Bundle"
    assert body["type"] == "collection"
    assert counts == {
        "Patient": 1,
        "Practitioner": 1,
        "Organization": 1,
        "CarePlan": 1,
        "Goal": 1,
        # Walk 1: duration, steps, pain before, pain after; walk 2: no steps; 1 check-in.
        "Observation": 4 + 3 + 1,
        "Questionnaire": 1,
        "QuestionnaireResponse": 1,
    }


def test_it_gives_every_entry_a_stable_unique_urn_uuid(patient):
    first, second = export(patient), export(patient)

    urls = [e["fullUrl"] for e in first["entry"]]

    assert urls == [e["fullUrl"] for e in second["entry"]]
    assert len(set(urls)) == len(urls)
    assert all(url.startswith("urn:uuid:") for url in urls)
    walk = patient.walks.order_by("started_at").first()
    assert f"walk-{walk.id}" in resources(first, "Observation")


def test_it_resolves_every_reference_inside_the_bundle(patient):
    body = export(patient)
    urls = {e["fullUrl"] for e in body["entry"]}

    found = []

    def collect(node):
        if isinstance(node, dict):
            if isinstance(node.get("reference"), str):
                found.append(node["reference"])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect([e["resource"] for e in body["entry"]])

    assert found
    assert set(found) <= urls


def test_it_maps_the_patient_with_identifier_clinic_and_therapist(patient):
    body = export(patient)

    fhir_patient = resources(body, "Patient")[f"patient-{patient.id}"]

    assert fhir_patient["identifier"] == [
        {"system": "urn:walkrx:patient", "value": str(patient.id)}
    ]
    assert fhir_patient["birthDate"] == "1968-02-29"
    assert fhir_patient["name"][0]["family"] == "Walker"
    assert fhir_patient["name"][0]["given"] == ["Pat"]
    assert fhir_patient["managingOrganization"]["reference"] == full_url(
        "Organization", f"clinic-{patient.clinic_id}"
    )
    assert fhir_patient["generalPractitioner"][0]["reference"] == full_url(
        "Practitioner", f"therapist-{patient.therapist_id}"
    )
    assert resources(body, "Organization")[f"clinic-{patient.clinic_id}"]["name"] == (
        "Riverside Physio"
    )
    practitioner = resources(body, "Practitioner")[f"therapist-{patient.therapist_id}"]
    assert practitioner["name"][0]["family"] == "Hale"


def test_it_exports_a_walk_as_exercise_duration_with_local_offsets(patient):
    walk = patient.walks.get(steps=2900)

    obs = resources(export(patient), "Observation")[f"walk-{walk.id}"]

    assert codes(obs["code"]) == {(LOINC, "55411-3")}
    assert obs["valueQuantity"] == {"value": 25, "unit": "min", "system": UCUM, "code": "min"}
    # 08:30 UTC is 09:30 in Berlin (CET, +01:00) in March before DST.
    assert obs["effectivePeriod"] == {
        "start": "2026-03-01T09:30:00+01:00",
        "end": "2026-03-01T09:55:00+01:00",
    }
    assert obs["category"][0]["coding"][0]["code"] == "activity"
    activity = obs["component"][0]
    assert codes(activity["code"]) == {(LOINC, "73985-4")}
    assert codes(activity["valueCodeableConcept"]) == {(LOINC, "LA11834-1")}
    assert obs["basedOn"][0]["reference"] == full_url("CarePlan", f"program-{walk.program_id}")


def test_it_exports_a_walks_steps_and_pain_as_member_observations(patient):
    walk = patient.walks.get(steps=2900)
    observations = resources(export(patient), "Observation")

    steps = observations[f"walk-{walk.id}-steps"]
    before = observations[f"walk-{walk.id}-pain-before"]
    after = observations[f"walk-{walk.id}-pain-after"]

    assert codes(steps["code"]) == {(LOINC, "55423-8")}
    assert steps["valueQuantity"] == {
        "value": 2900,
        "unit": "steps",
        "system": UCUM,
        "code": "{steps}",
    }
    assert codes(before["code"]) == codes(after["code"]) == {(LOINC, "72514-3")}
    assert (before["valueInteger"], after["valueInteger"]) == (4, 2)
    assert before["effectiveDateTime"] == "2026-03-01T09:30:00+01:00"
    assert after["effectiveDateTime"] == "2026-03-01T09:55:00+01:00"
    assert before["category"][0]["coding"][0]["code"] == "survey"
    members = [m["reference"] for m in observations[f"walk-{walk.id}"]["hasMember"]]
    assert members == [
        full_url("Observation", f"walk-{walk.id}-{suffix}")
        for suffix in ("steps", "pain-before", "pain-after")
    ]


def test_it_leaves_out_the_steps_observation_of_a_walk_without_steps(patient):
    walk = patient.walks.get(steps=None)

    observations = resources(export(patient), "Observation")

    assert f"walk-{walk.id}" in observations
    assert f"walk-{walk.id}-steps" not in observations


def test_it_exports_a_pain_checkin_with_its_local_date(patient):
    checkin = patient.pain_checkins.get()

    obs = resources(export(patient), "Observation")[f"pain-{checkin.id}"]

    assert codes(obs["code"]) == {(LOINC, "72514-3")}
    assert obs["valueInteger"] == 3
    assert obs["effectiveDateTime"] == "2026-03-02"
    assert "Flare-up" in obs["note"][0]["text"]


def test_it_exports_the_program_as_a_careplan_with_its_schedule_and_goal(patient):
    program = patient.programs.get()
    body = export(patient)

    careplan = resources(body, "CarePlan")[f"program-{program.id}"]
    goal = resources(body, "Goal")[f"goal-{program.id}"]

    assert careplan["status"] == "active"
    assert careplan["intent"] == "plan"
    assert careplan["period"] == {"start": "2026-02-01"}
    detail = careplan["activity"][0]["detail"]
    assert detail["code"]["text"] == "Walking"
    assert detail["scheduledTiming"]["repeat"] == {
        "frequency": 1,
        "period": 1,
        "periodUnit": "d",
        "duration": 10,
        "durationUnit": "min",
    }
    assert careplan["goal"][0]["reference"] == full_url("Goal", f"goal-{program.id}")
    assert goal["lifecycleStatus"] == "active"
    assert goal["description"]["text"] == "30+ minutes of brisk walking on at least 5 days a week"
    assert codes(goal["target"][0]["measure"]) == {(LOINC, "55411-3")}
    assert goal["target"][0]["detailQuantity"]["code"] == "min"


@pytest.mark.parametrize(
    ("status", "careplan_status"),
    [("paused", "on-hold"), ("flare_up", "active"), ("completed", "completed")],
)
def test_it_maps_the_program_status_to_the_careplan_status(status, careplan_status):
    program = WalkingProgramFactory(status=status)

    body = export(program.patient)

    assert resources(body, "CarePlan")[f"program-{program.id}"]["status"] == careplan_status
    validate_every_resource(body)


def test_goal_description_says_every_day_for_a_daily_program_with_two_sessions():
    program = WalkingProgram(
        days_per_week=7, sessions_per_day=2, max_minutes_per_session=20, intensity="easy"
    )

    assert goal_description(program) == "20+ minutes of easy walking per session every day"


def test_it_exports_a_red_flag_screen_as_a_questionnaire_response(patient):
    screen = patient.red_flag_screens.get()
    body = export(patient)

    response = resources(body, "QuestionnaireResponse")[f"red-flag-screen-{screen.id}"]
    questionnaire = resources(body, "Questionnaire")["red-flags"]

    assert response["questionnaire"] == RED_FLAG_QUESTIONNAIRE == questionnaire["url"]
    assert response["status"] == "completed"
    answers = {item["linkId"]: item["answer"][0]["valueBoolean"] for item in response["item"]}
    assert answers["night_pain"] is True
    assert answers["saddle_numbness"] is False
    assert len(answers) == len(QUESTION_KEYS)


def test_it_exports_no_questionnaire_without_screens():
    program = WalkingProgramFactory()

    counts = validate_every_resource(export(program.patient))

    assert "Questionnaire" not in counts
    assert "QuestionnaireResponse" not in counts


@pytest.mark.parametrize("walks", [1, 50])
def test_patient_fhir_data_reads_in_seven_queries_whatever_the_walk_count(
    django_assert_num_queries, walks
):
    program = WalkingProgramFactory()
    WalkLogFactory.create_batch(walks, patient=program.patient, program=program)
    PainCheckInFactory(patient=program.patient)
    patient = Patient.objects.get(pk=program.patient_id)

    with django_assert_num_queries(7):
        # 1 patient+user+clinic+therapist, 2 programs+template, 3 walks, 4 check-ins,
        # 5 red-flag screens, 6 outcome questionnaire responses, 7 daily steps (max per day).
        data = patient_fhir_data(patient=patient)
        bundle = patient_bundle(data)

    assert len(data.walks) == walks
    assert len(bundle.entry) == 3 + 2 + walks * 3 + 1


def test_every_demo_patients_bundle_validates():
    call_command("seed_demo", patients=8, days=30, verbosity=0)
    patients = list(Patient.objects.all())
    assert len(patients) == 8

    seen: dict[str, int] = {}
    for patient in patients:
        for resource_type, count in validate_every_resource(export(patient)).items():
            seen[resource_type] = seen.get(resource_type, 0) + count

    assert {"Patient", "Practitioner", "Organization", "CarePlan", "Goal", "Observation"} <= set(
        seen
    )
    assert seen["Patient"] == 8
    assert seen["Observation"] > 8 * 10


def test_the_walk_end_adds_the_duration_across_a_dst_change():
    patient = PatientFactory(timezone="Europe/Berlin")
    # 00:50 UTC on 29 March 2026 is 01:50 CET; 20 minutes later the clocks have gone forward.
    walk = WalkLogFactory(
        patient=patient, started_at=datetime(2026, 3, 29, 0, 50, tzinfo=UTC), duration_minutes=20
    )

    obs = resources(export(patient), "Observation")[f"walk-{walk.id}"]

    assert obs["effectivePeriod"] == {
        "start": "2026-03-29T01:50:00+01:00",
        "end": "2026-03-29T03:10:00+02:00",
    }
    assert timedelta(minutes=20) == datetime.fromisoformat(
        obs["effectivePeriod"]["end"]
    ) - datetime.fromisoformat(obs["effectivePeriod"]["start"])


def outcome_patient():
    program = WalkingProgramFactory(start_date=date(2026, 2, 1))
    patient = program.patient
    when = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    questionnaire_response_record(
        patient=patient, measure=ODI, answers={f"section_{n}": 2 for n in range(1, 11)}, now=when
    )
    questionnaire_response_record(
        patient=patient,
        measure=PSFS,
        answers={
            "activity_1": {"activity": "Lifting my grandson", "score": 3},
            "activity_2": {"activity": "Gardening", "score": 5},
            "activity_3": {"activity": "Driving", "score": 7},
        },
        now=when,
    )
    questionnaire_response_record(
        patient=patient,
        measure=RMDQ,
        answers={f"item_{n}": n <= 6 for n in range(1, 25)},
        now=when,
    )
    questionnaire_response_record(patient=patient, measure=NPRS, answers={"pain": 4}, now=when)
    return patient


def test_each_outcome_measure_is_a_questionnaire_response_with_a_score_observation():
    body = export(outcome_patient())

    counts = validate_every_resource(body)
    responses = resources(body, "QuestionnaireResponse")
    observations = resources(body, "Observation")
    assert counts["QuestionnaireResponse"] == 4
    by_canonical = {r["questionnaire"]: r for r in responses.values()}
    assert set(by_canonical) == {
        "urn:walkrx:questionnaire:odi",
        "urn:walkrx:questionnaire:psfs",
        "urn:walkrx:questionnaire:rmdq",
        "urn:walkrx:questionnaire:nprs",
    }
    odi = by_canonical["urn:walkrx:questionnaire:odi"]
    assert [i["answer"][0]["valueInteger"] for i in odi["item"]] == [2] * 10
    odi_score = observations[f"{odi['id']}-score"]
    assert odi_score["valueQuantity"]["value"] == 40.0
    assert ("urn:walkrx:measure", "odi") in codes(odi_score["code"])
    assert "Oswestry Disability Index" in odi_score["code"]["text"]
    assert odi_score["derivedFrom"] == [{"reference": full_url("QuestionnaireResponse", odi["id"])}]
    rmdq = by_canonical["urn:walkrx:questionnaire:rmdq"]
    yes = [i["answer"][0]["valueBoolean"] for i in rmdq["item"]]
    assert yes == [True] * 6 + [False] * 18
    assert observations[f"{rmdq['id']}-score"]["valueQuantity"]["value"] == 6.0
    nprs_score = observations[f"{by_canonical['urn:walkrx:questionnaire:nprs']['id']}-score"]
    assert (LOINC, "72514-3") in codes(nprs_score["code"])


def test_psfs_activity_names_are_exported_as_strings_with_their_scores():
    body = export(outcome_patient())

    responses = resources(body, "QuestionnaireResponse")
    psfs = next(r for r in responses.values() if r["questionnaire"].endswith(":psfs"))
    first = psfs["item"][0]["item"]
    assert first[0]["answer"] == [{"valueString": "Lifting my grandson"}]
    assert first[1]["answer"] == [{"valueInteger": 3}]
    score = resources(body, "Observation")[f"{psfs['id']}-score"]
    assert score["valueQuantity"]["value"] == 5.0


def test_each_day_of_steps_is_one_observation_with_the_largest_source():
    program = WalkingProgramFactory()
    patient = program.patient
    DailySteps.objects.create(patient=patient, date=date(2026, 3, 1), steps=8000, source="fitbit")
    DailySteps.objects.create(
        patient=patient, date=date(2026, 3, 1), steps=9500, source="apple_health"
    )
    DailySteps.objects.create(patient=patient, date=date(2026, 3, 2), steps=4000, source="csv")

    body = export(patient)

    validate_every_resource(body)
    observations = resources(body, "Observation")
    day = observations["steps-2026-03-01"]
    assert codes(day["code"]) == {(LOINC, "41950-7")}
    assert day["valueQuantity"] == {
        "value": 9500,
        "unit": "steps",
        "system": UCUM,
        "code": "{steps}",
    }
    assert day["effectiveDateTime"] == "2026-03-01"
    assert observations["steps-2026-03-02"]["valueQuantity"]["value"] == 4000
    totals = daily_step_totals(patient=patient, start=date(2026, 3, 1), end=date(2026, 3, 2))
    assert [t.steps for t in totals] == [9500, 4000]


def test_an_imported_walk_without_pain_scores_has_no_pain_observations():
    program = WalkingProgramFactory()
    walk = WalkLogFactory(
        patient=program.patient,
        program=program,
        pain_before=None,
        pain_after=None,
        steps=None,
        external_id="apple_health:abc",
    )

    body = export(program.patient)

    validate_every_resource(body)
    observations = resources(body, "Observation")
    assert f"walk-{walk.pk}" in observations
    assert "hasMember" not in observations[f"walk-{walk.pk}"]
    assert not any(key.startswith(f"walk-{walk.pk}-pain") for key in observations)
