"""Pure FHIR R4 export of one patient's record (built and validated with fhir.resources R4B).

Mapping decisions (see README "FHIR R4"):
- Each walk is one Observation "walk-<id>": LOINC 55411-3 exercise duration (valueQuantity in
  UCUM "min") over effectivePeriod start..start+duration, with a component 73985-4 exercise
  activity = LA11834-1 "Walking". Its steps (55423-8) and its pain before and after (72514-3)
  are separate Observations ("walk-<id>-steps", "walk-<id>-pain-before"/"-pain-after") listed
  in the walk's hasMember, so every pain score is queryable by one code.
- Each daily pain check-in is Observation "pain-<id>", 72514-3 valueInteger, effectiveDateTime
  the patient's local date.
- Each walking program is a CarePlan "program-<id>" with one Goal "goal-<id>".
- Red-flag screens are QuestionnaireResponses against the Questionnaire
  "urn:walkrx:questionnaire:red-flags" (included in the bundle when a screen exists).
- Each outcome measure (patients.QuestionnaireResponse) is a QuestionnaireResponse
  "questionnaire-<id>" against "urn:walkrx:questionnaire:<measure>" (items valueInteger for
  scales, valueBoolean for yes/no, PSFS activities as a group: valueString name + valueInteger
  score), plus a score Observation "questionnaire-<id>-score" coded in the local system
  "urn:walkrx:measure" (NPRS also LOINC 72514-3), derivedFrom the response.
- Each day with imported steps is Observation "steps-<date>", LOINC 41950-7 (steps in 24
  hours), the maximum over the day's sources (as programs.selectors.daily_step_totals).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractUser
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle, BundleEntry
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.goal import Goal
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.patient import Patient as FhirPatient
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.resource import Resource

from patients.models import PainCheckIn, RedFlagScreen
from patients.models import QuestionnaireResponse as OutcomeResponse
from patients.questionnaires import NPRS, ODI, measure_for
from patients.redflags import QUESTIONS
from patients.selectors import PatientFhirData
from programs.models import WalkingProgram, WalkLog

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
GOAL_ACHIEVEMENT = "http://terminology.hl7.org/CodeSystem/goal-achievement"

PAIN_SEVERITY = ("72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported")
STEPS = ("55423-8", "Number of steps in unspecified time Pedometer")
EXERCISE_DURATION = ("55411-3", "Exercise duration")
EXERCISE_ACTIVITY = ("73985-4", "Exercise activity")
WALKING = ("LA11834-1", "Walking")
ACTIVE_DAYS_PER_WEEK = (
    "89555-7",
    "How many days per week did you engage in moderate to strenuous physical activity",
)

PATIENT_SYSTEM = "urn:walkrx:patient"
THERAPIST_SYSTEM = "urn:walkrx:therapist"
CLINIC_SYSTEM = "urn:walkrx:clinic"
RED_FLAG_QUESTIONNAIRE = "urn:walkrx:questionnaire:red-flags"
MEASURE_QUESTIONNAIRE = "urn:walkrx:questionnaire:"  # + measure key, e.g. "...:odi"
MEASURE_SYSTEM = "urn:walkrx:measure"
DAILY_STEPS = ("41950-7", "Number of steps in 24 hour Measured")

# Stable urn:uuid fullUrls: the same object always gets the same UUID.
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:walkrx:fhir")

CAREPLAN_STATUS = {"active": "active", "flare_up": "active", "paused": "on-hold"}
ACTIVITY_STATUS = {"active": "in-progress", "flare_up": "in-progress", "paused": "on-hold"}
GOAL_STATUS = {"active": "active", "flare_up": "active", "paused": "on-hold"}


def full_url(resource_type: str, resource_id: str) -> str:
    """The entry's stable fullUrl: a name-based UUID of 'Type/id'."""
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{resource_type}/{resource_id}')}"


def ref(resource_type: str, resource_id: str, display: str | None = None) -> dict:
    reference = {"reference": full_url(resource_type, resource_id)}
    if display:
        reference["display"] = display
    return reference


def loinc(code: tuple[str, str], text: str | None = None) -> dict:
    concept = {"coding": [{"system": LOINC, "code": code[0], "display": code[1]}]}
    if text:
        concept["text"] = text
    return concept


def category(code: str) -> list[dict]:
    display = {"activity": "Activity", "survey": "Survey"}[code]
    return [{"coding": [{"system": OBSERVATION_CATEGORY, "code": code, "display": display}]}]


def minutes(value: int) -> dict:
    return {"value": value, "unit": "min", "system": UCUM, "code": "min"}


def _name(user: AbstractUser) -> list[dict]:
    given = [user.first_name] if user.first_name else []
    name = {"use": "official", "text": user.get_full_name() or user.get_username()}
    if user.last_name:
        name["family"] = user.last_name
    if given:
        name["given"] = given
    return [name]


def _local(instant: datetime, tz_name: str) -> datetime:
    """The instant in the patient's time zone, to the second, so it keeps its UTC offset."""
    return instant.astimezone(ZoneInfo(tz_name)).replace(microsecond=0)


# --- Who -------------------------------------------------------------------


def patient_resource(data: PatientFhirData) -> FhirPatient:
    patient = data.patient
    telecom = [{"system": "email", "value": patient.user.email}] if patient.user.email else None
    return FhirPatient(
        id=f"patient-{patient.pk}",
        identifier=[{"system": PATIENT_SYSTEM, "value": str(patient.pk)}],
        active=patient.status != "discharged",
        name=_name(patient.user),
        telecom=telecom,
        birthDate=patient.date_of_birth,
        managingOrganization=ref(
            "Organization", f"clinic-{patient.clinic_id}", patient.clinic.name
        ),
        generalPractitioner=[
            ref(
                "Practitioner",
                f"therapist-{patient.therapist_id}",
                patient.therapist.display_name,
            )
        ],
    )


def practitioner_resource(data: PatientFhirData) -> Practitioner:
    therapist = data.patient.therapist
    return Practitioner(
        id=f"therapist-{therapist.pk}",
        identifier=[{"system": THERAPIST_SYSTEM, "value": str(therapist.pk)}],
        active=therapist.user.is_active,
        name=_name(therapist.user),
    )


def organization_resource(data: PatientFhirData) -> Organization:
    clinic = data.patient.clinic
    return Organization(
        id=f"clinic-{clinic.pk}",
        identifier=[{"system": CLINIC_SYSTEM, "value": str(clinic.pk)}],
        active=True,
        name=clinic.name,
    )


# --- The prescription ------------------------------------------------------


def goal_description(program: WalkingProgram) -> str:
    """E.g. '30+ minutes of brisk walking on at least 5 days a week' (the WalkBack aim)."""
    days = (
        "every day"
        if program.days_per_week >= 7
        else f"on at least {program.days_per_week} days a week"
    )
    per_session = " per session" if program.sessions_per_day > 1 else ""
    return (
        f"{program.max_minutes_per_session}+ minutes of {program.intensity} walking"
        f"{per_session} {days}"
    )


def goal_resource(data: PatientFhirData, program: WalkingProgram) -> Goal:
    patient_id = f"patient-{data.patient.pk}"
    status = GOAL_STATUS.get(program.status, "completed")
    achievement = None
    if status == "completed":
        achieved = program.minutes_per_session >= program.max_minutes_per_session
        code = "achieved" if achieved else "not-achieved"
        display = "Achieved" if achieved else "Not Achieved"
        achievement = {"coding": [{"system": GOAL_ACHIEVEMENT, "code": code, "display": display}]}
    targets = [
        {
            "measure": loinc(EXERCISE_DURATION),
            "detailQuantity": {**minutes(program.max_minutes_per_session), "comparator": ">="},
        },
        {
            "measure": loinc(ACTIVE_DAYS_PER_WEEK),
            "detailQuantity": {
                "value": program.days_per_week,
                "comparator": ">=",
                "unit": "days per week",
                "system": UCUM,
                "code": "d/wk",
            },
        },
    ]
    return Goal(
        id=f"goal-{program.pk}",
        lifecycleStatus=status,
        achievementStatus=achievement,
        description={"text": goal_description(program)},
        subject=ref("Patient", patient_id),
        startDate=program.start_date,
        target=targets,
        expressedBy=ref("Practitioner", f"therapist-{program.therapist_id}"),
    )


def activity_description(program: WalkingProgram) -> str:
    """The current prescription in words, e.g. '2 x 10 min brisk walking a day, ...'."""
    days = "every day" if program.days_per_week >= 7 else f"{program.days_per_week} days a week"
    text = (
        f"{program.sessions_per_day} x {program.minutes_per_session} min {program.intensity} "
        f"walking a day, {days}; adding {program.increment_minutes} min every "
        f"{program.increment_every_days} days up to {program.max_minutes_per_session} min"
    )
    if program.indoor_allowed:
        text += "; marching in place indoors counts"
    if program.status == "flare_up":
        text += " (flare-up plan in force)"
    return text


def careplan_resource(data: PatientFhirData, program: WalkingProgram) -> CarePlan:
    patient_id = f"patient-{data.patient.pk}"
    period = {"start": program.start_date}
    if program.end_date:
        period["end"] = program.end_date
    title = program.template.name if program.template else "Walking program"
    return CarePlan(
        id=f"program-{program.pk}",
        identifier=[{"system": "urn:walkrx:program", "value": str(program.pk)}],
        status=CAREPLAN_STATUS.get(program.status, "completed"),
        intent="plan",
        title=title,
        description=activity_description(program),
        subject=ref("Patient", patient_id),
        period=period,
        author=ref("Practitioner", f"therapist-{program.therapist_id}"),
        goal=[ref("Goal", f"goal-{program.pk}")],
        activity=[
            {
                "detail": {
                    "code": loinc(WALKING, "Walking"),
                    "status": ACTIVITY_STATUS.get(program.status, "completed"),
                    "description": activity_description(program),
                    "goal": [ref("Goal", f"goal-{program.pk}")],
                    "scheduledTiming": {
                        "repeat": {
                            "frequency": program.sessions_per_day,
                            "period": 1,
                            "periodUnit": "d",
                            "duration": program.minutes_per_session,
                            "durationUnit": "min",
                        }
                    },
                    "performer": [ref("Patient", patient_id)],
                }
            }
        ],
    )


# --- Observations ----------------------------------------------------------


def pain_observation(
    *,
    resource_id: str,
    patient_id: str,
    score: int,
    effective: dict,
    text: str,
    note: str | None = None,
) -> Observation:
    return Observation(
        id=resource_id,
        status="final",
        category=category("survey"),
        code=loinc(PAIN_SEVERITY, text),
        subject=ref("Patient", patient_id),
        performer=[ref("Patient", patient_id)],
        valueInteger=score,
        note=[{"text": note}] if note else None,
        **effective,
    )


def walk_observations(data: PatientFhirData, walk: WalkLog) -> list[Observation]:
    """The walk's duration Observation, then its steps and pain before/after Observations."""
    patient_id = f"patient-{data.patient.pk}"
    tz_name = data.patient.timezone
    start = _local(walk.started_at, tz_name)
    end = _local(walk.started_at + timedelta(minutes=walk.duration_minutes), tz_name)
    walk_id = f"walk-{walk.pk}"
    members: list[Observation] = []
    if walk.steps is not None:
        members.append(
            Observation(
                id=f"{walk_id}-steps",
                status="final",
                category=category("activity"),
                code=loinc(STEPS, "Steps during the walk"),
                subject=ref("Patient", patient_id),
                performer=[ref("Patient", patient_id)],
                effectivePeriod={"start": start, "end": end},
                valueQuantity={
                    "value": walk.steps,
                    "unit": "steps",
                    "system": UCUM,
                    "code": "{steps}",
                },
                derivedFrom=[ref("Observation", walk_id)],
            )
        )
    # Imported walks carry no pain scores (the device records none): no pain Observations.
    for suffix, score, when, text in (
        ("before", walk.pain_before, start, "Pain before the walk"),
        ("after", walk.pain_after, end, "Pain after the walk"),
    ):
        if score is not None:
            members.append(
                pain_observation(
                    resource_id=f"{walk_id}-pain-{suffix}",
                    patient_id=patient_id,
                    score=score,
                    effective={"effectiveDateTime": when},
                    text=text,
                )
            )
    components = [{"code": loinc(EXERCISE_ACTIVITY), "valueCodeableConcept": loinc(WALKING)}]
    notes = [f"{walk.get_kind_display()}; talk test: {walk.get_talk_test_display()}"]
    if walk.distance_m is not None:
        notes.append(f"Distance {walk.distance_m} m")
    if walk.note:
        notes.append(walk.note)
    duration = Observation(
        id=walk_id,
        status="final",
        category=category("activity"),
        code=loinc(EXERCISE_DURATION, "Walk duration"),
        subject=ref("Patient", patient_id),
        performer=[ref("Patient", patient_id)],
        effectivePeriod={"start": start, "end": end},
        valueQuantity=minutes(walk.duration_minutes),
        component=components,
        hasMember=[ref("Observation", member.id) for member in members] or None,
        basedOn=[ref("CarePlan", f"program-{walk.program_id}")] if walk.program_id else None,
        note=[{"text": text} for text in notes],
    )
    return [duration, *members]


def pain_checkin_observation(data: PatientFhirData, checkin: PainCheckIn) -> Observation:
    notes = []
    if checkin.flare_up:
        triggers = ", ".join(checkin.triggers) if checkin.triggers else "none given"
        notes.append(f"Flare-up (triggers: {triggers})")
    if checkin.note:
        notes.append(checkin.note)
    return pain_observation(
        resource_id=f"pain-{checkin.pk}",
        patient_id=f"patient-{data.patient.pk}",
        score=checkin.score,
        effective={"effectiveDateTime": checkin.date},
        text="Daily pain check-in",
        note="; ".join(notes) or None,
    )


# --- Questionnaires --------------------------------------------------------


def red_flag_questionnaire() -> Questionnaire:
    return Questionnaire(
        id="red-flags",
        url=RED_FLAG_QUESTIONNAIRE,
        name="WalkRxRedFlagScreen",
        title="Red-flag screen for low back pain",
        status="active",
        subjectType=["Patient"],
        item=[
            {"linkId": q.key, "text": q.text, "type": "boolean", "required": True}
            for q in QUESTIONS
        ],
    )


def red_flag_response(data: PatientFhirData, screen: RedFlagScreen) -> QuestionnaireResponse:
    patient_id = f"patient-{data.patient.pk}"
    items = [
        {"linkId": q.key, "text": q.text, "answer": [{"valueBoolean": screen.answers[q.key]}]}
        for q in QUESTIONS
        if isinstance(screen.answers.get(q.key), bool)
    ]
    return QuestionnaireResponse(
        id=f"red-flag-screen-{screen.pk}",
        questionnaire=RED_FLAG_QUESTIONNAIRE,
        status="completed",
        subject=ref("Patient", patient_id),
        authored=_local(screen.created_at, data.patient.timezone),
        author=ref("Patient", patient_id),
        source=ref("Patient", patient_id),
        item=items or None,
    )


def _outcome_items(response: OutcomeResponse) -> list[dict]:
    """The stored answers as FHIR items, in the measure's item order."""
    items = []
    for item in measure_for(response.measure).items:
        value = response.answers.get(item.key)
        if value is None:
            continue
        entry = {"linkId": item.key, "text": item.prompt}
        if item.kind == "activity":
            entry["item"] = [
                {
                    "linkId": f"{item.key}.activity",
                    "text": "Activity",
                    "answer": [{"valueString": value.get("activity") or "(not kept)"}],
                },
                {
                    "linkId": f"{item.key}.score",
                    "text": "Score (0-10)",
                    "answer": [{"valueInteger": value["score"]}],
                },
            ]
        elif item.kind == "yes_no":
            entry["answer"] = [{"valueBoolean": bool(value)}]
        else:
            entry["answer"] = [{"valueInteger": value}]
        items.append(entry)
    return items


def outcome_resources(data: PatientFhirData, response: OutcomeResponse) -> list[Resource]:
    """One completed outcome measure: its QuestionnaireResponse and its score Observation."""
    patient_id = f"patient-{data.patient.pk}"
    measure = measure_for(response.measure)
    response_id = f"questionnaire-{response.pk}"
    authored = _local(response.created_at, data.patient.timezone)
    coding = [{"system": MEASURE_SYSTEM, "code": measure.key, "display": measure.name}]
    if measure.key == NPRS:
        coding.insert(0, {"system": LOINC, "code": PAIN_SEVERITY[0], "display": PAIN_SEVERITY[1]})
    notes = []
    if response.band:
        notes.append(f"Band: {response.band}")
    if response.subscale is not None:
        notes.append(f"Psychosocial subscale: {response.subscale}")
    unit = "%" if measure.key == ODI else "{score}"
    score = Observation(
        id=f"{response_id}-score",
        status="final",
        category=category("survey"),
        code={"coding": coding, "text": f"{measure.name} score"},
        subject=ref("Patient", patient_id),
        performer=[ref("Patient", patient_id)],
        effectiveDateTime=response.answered_on,
        valueQuantity={
            "value": response.score,
            "unit": unit,
            "system": UCUM,
            "code": unit,
        },
        derivedFrom=[ref("QuestionnaireResponse", response_id)],
        note=[{"text": text} for text in notes] or None,
    )
    return [
        QuestionnaireResponse(
            id=response_id,
            questionnaire=f"{MEASURE_QUESTIONNAIRE}{measure.key}",
            status="completed",
            subject=ref("Patient", patient_id),
            authored=authored,
            author=ref("Patient", patient_id),
            source=ref("Patient", patient_id),
            item=_outcome_items(response) or None,
        ),
        score,
    ]


def daily_steps_observation(data: PatientFhirData, day: date, steps: int) -> Observation:
    patient_id = f"patient-{data.patient.pk}"
    return Observation(
        id=f"steps-{day.isoformat()}",
        status="final",
        category=category("activity"),
        code=loinc(DAILY_STEPS, "Steps in the day"),
        subject=ref("Patient", patient_id),
        effectiveDateTime=day,
        valueQuantity={"value": steps, "unit": "steps", "system": UCUM, "code": "{steps}"},
    )


def questionnaire_response_resources(data: PatientFhirData) -> list[Resource]:
    """Questionnaires and the patient's responses: red-flag screens and outcome measures."""
    resources: list[Resource] = []
    if data.red_flag_screens:
        resources += [
            red_flag_questionnaire(),
            *(red_flag_response(data, screen) for screen in data.red_flag_screens),
        ]
    for response in data.questionnaire_responses:
        resources += outcome_resources(data, response)
    return resources


# --- The bundle ------------------------------------------------------------


def patient_resources(data: PatientFhirData) -> list[Resource]:
    """Every resource of the patient's export, in bundle order."""
    resources: list[Resource] = [
        patient_resource(data),
        practitioner_resource(data),
        organization_resource(data),
    ]
    for program in data.programs:
        resources += [careplan_resource(data, program), goal_resource(data, program)]
    for walk in data.walks:
        resources += walk_observations(data, walk)
    resources += [pain_checkin_observation(data, checkin) for checkin in data.pain_checkins]
    resources += questionnaire_response_resources(data)
    resources += [daily_steps_observation(data, day, steps) for day, steps in data.daily_steps]
    return resources


def bundle_of(resources: Iterable[Resource], *, bundle_id: str, now: datetime) -> Bundle:
    entries = [
        BundleEntry(fullUrl=full_url(r.get_resource_type(), r.id), resource=r) for r in resources
    ]
    return Bundle(
        id=bundle_id,
        type="collection",
        timestamp=now.replace(microsecond=0),
        entry=entries or None,
    )


def patient_bundle(data: PatientFhirData, *, now: datetime | None = None) -> Bundle:
    """The patient's record as a FHIR R4 'collection' Bundle."""
    return bundle_of(
        patient_resources(data),
        bundle_id=f"walkrx-patient-{data.patient.pk}",
        now=now or timezone.now(),
    )


def bundle_json(bundle: Bundle) -> dict:
    """The bundle as FHIR JSON (a plain dict, ready to serialize)."""
    return bundle.model_dump(mode="json", by_alias=True, exclude_none=True)
