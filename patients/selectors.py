"""Reads for patients' pain."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from clinic.conf import walkrx_setting
from patients.models import (
    Alert,
    PainCheckIn,
    Patient,
    QuestionnaireAssignment,
    QuestionnaireResponse,
    QuestionnaireText,
    RedFlagScreen,
)
from patients.questionnaires import MEASURES, Change, meaningful_change
from patients.trends import PainTrend, pain_trend

if TYPE_CHECKING:
    from programs.models import WalkingProgram, WalkLog


def pain_scores_between(*, patient: Patient, start: date, end: date) -> list[int]:
    """Check-in scores plus walks' pain-after on local days ``start``..``end``."""
    from programs.models import WalkLog

    checkins = PainCheckIn.objects.filter(patient=patient, date__range=(start, end))
    walks = WalkLog.objects.filter(
        patient=patient, local_date__range=(start, end), pain_after__isnull=False
    )
    return list(checkins.values_list("score", flat=True)) + list(
        walks.values_list("pain_after", flat=True)
    )


def patient_pain_trend(*, patient: Patient, end: date, days: int = 7) -> PainTrend:
    """The last ``days`` local days ending ``end`` versus the ``days`` before and baseline."""
    start = end - timedelta(days=days - 1)
    current = pain_scores_between(patient=patient, start=start, end=end)
    previous = pain_scores_between(
        patient=patient, start=start - timedelta(days=days), end=start - timedelta(days=1)
    )
    return pain_trend(
        current,
        previous,
        patient.baseline_pain,
        rise_points=walkrx_setting("PAIN_RISE_POINTS"),
        severe_score=walkrx_setting("PAIN_SEVERE_SCORE"),
        improvement_ratio=walkrx_setting("PAIN_IMPROVEMENT_RATIO"),
    )


def patient_recent_checkins(*, patient: Patient, limit: int = 10) -> list[PainCheckIn]:
    """The patient's latest pain check-ins, newest first."""
    return list(PainCheckIn.objects.filter(patient=patient).order_by("-date")[:limit])


def patient_open_alerts(*, patient: Patient) -> list[Alert]:
    """The patient's open alerts, newest first."""
    return list(
        Alert.objects.filter(patient=patient, status=Alert.Status.OPEN).order_by("-opened_at")
    )


@dataclass(frozen=True)
class PatientFhirData:
    """Everything the FHIR export of one patient needs, read in a fixed number of queries."""

    patient: Patient
    programs: list[WalkingProgram]
    walks: list[WalkLog]
    pain_checkins: list[PainCheckIn]
    red_flag_screens: list[RedFlagScreen]
    questionnaire_responses: list[QuestionnaireResponse]
    # (local date, steps): per day the maximum over sources (as daily_step_totals).
    daily_steps: list[tuple[date, int]]


def patient_fhir_data(*, patient: Patient) -> PatientFhirData:
    """The patient with clinic and therapist, programs, walks, check-ins, screens, outcome
    questionnaires and daily steps (7 queries)."""
    from django.db.models import Max

    from programs.models import DailySteps, WalkingProgram, WalkLog

    return PatientFhirData(
        # 1. The patient with user, clinic and therapist (and the therapist's user).
        patient=Patient.objects.select_related("user", "clinic", "therapist__user").get(
            pk=patient.pk
        ),
        # 2. Programs, oldest first, with their template.
        programs=list(
            WalkingProgram.objects.filter(patient_id=patient.pk)
            .select_related("template")
            .order_by("start_date", "id")
        ),
        # 3. Walks, oldest first.
        walks=list(WalkLog.objects.filter(patient_id=patient.pk).order_by("started_at", "id")),
        # 4. Pain check-ins, oldest first.
        pain_checkins=list(PainCheckIn.objects.filter(patient_id=patient.pk).order_by("date")),
        # 5. Red-flag screens, oldest first.
        red_flag_screens=list(
            RedFlagScreen.objects.filter(patient_id=patient.pk).order_by("created_at", "id")
        ),
        # 6. Outcome questionnaire responses, oldest first.
        questionnaire_responses=list(
            QuestionnaireResponse.objects.filter(patient_id=patient.pk).order_by(
                "answered_on", "id"
            )
        ),
        # 7. Daily steps, the maximum over sources per local day, oldest first.
        daily_steps=list(
            DailySteps.objects.filter(patient_id=patient.pk)
            .values("date")
            .annotate(total=Max("steps"))
            .order_by("date")
            .values_list("date", "total")
        ),
    )


@dataclass(frozen=True)
class ScoredResponse:
    """A questionnaire response with its change from the patient's first (baseline) one."""

    response: QuestionnaireResponse
    baseline_score: float
    change: Change


def responses_with_change(responses: Iterable[QuestionnaireResponse]) -> list[ScoredResponse]:
    """Pair each response with its change from the first response of the same patient and
    measure. ``responses`` must hold every response of those patients and measures."""
    ordered = sorted(responses, key=lambda r: (r.answered_on, r.id))
    baselines: dict[tuple[int, str], float] = {}
    scored = []
    for response in ordered:
        baseline = baselines.setdefault((response.patient_id, response.measure), response.score)
        scored.append(
            ScoredResponse(
                response, baseline, meaningful_change(response.measure, baseline, response.score)
            )
        )
    return scored[::-1]


def patient_questionnaire_responses(*, patient: Patient) -> list[ScoredResponse]:
    """The patient's responses, newest first, with change from baseline (one query)."""
    return responses_with_change(QuestionnaireResponse.objects.filter(patient=patient))


def questionnaires_due(*, patient: Patient, today: date) -> list[QuestionnaireAssignment]:
    """Open assignments due by today, oldest first (one query)."""
    return list(
        QuestionnaireAssignment.objects.filter(
            patient=patient, response__isnull=True, due_on__lte=today
        ).order_by("due_on", "measure")
    )


def questionnaire_texts(*, clinic_id: int) -> dict[tuple[str, str], str]:
    """The clinic's loaded item text, keyed by (measure, item key) (one query)."""
    return {
        (measure, key): text
        for measure, key, text in QuestionnaireText.objects.filter(clinic_id=clinic_id).values_list(
            "measure", "item_key", "text"
        )
    }


def latest_outcome_changes(
    *, patient_ids: Iterable[int], measures: Iterable[str], until: date | None = None
) -> dict[int, dict[str, ScoredResponse]]:
    """{patient id: {measure: latest response (answered by ``until``) with change from
    baseline}} in one query."""
    rows = QuestionnaireResponse.objects.filter(
        patient_id__any=list(patient_ids), measure__in=list(measures)
    ).only("id", "patient_id", "measure", "answered_on", "score", "band")
    if until is not None:
        rows = rows.filter(answered_on__lte=until)
    latest: dict[int, dict[str, ScoredResponse]] = {}
    for scored in responses_with_change(rows):  # newest first: keep the first seen
        latest.setdefault(scored.response.patient_id, {}).setdefault(
            scored.response.measure, scored
        )
    return latest


def questionnaire_definitions(*, clinic_id: int) -> list[dict]:
    """Every measure with its items; item text is the clinic's loaded text if any (one query)."""
    texts = questionnaire_texts(clinic_id=clinic_id)
    return [
        {
            "key": measure.key,
            "name": measure.name,
            "lower_is_better": measure.lower_is_better,
            "mcid_points": measure.mcid_points,
            "mcid_percent": measure.mcid_percent,
            "items": [
                {
                    "key": item.key,
                    "text": texts.get((measure.key, item.key), item.prompt),
                    "kind": item.kind,
                    "min_value": item.min_value,
                    "max_value": item.max_value,
                    "required": item.required,
                    "anchors": list(item.anchors),
                }
                for item in measure.items
            ],
        }
        for measure in MEASURES.values()
    ]
