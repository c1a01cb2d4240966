"""Reads for patients' pain."""

from __future__ import annotations

from datetime import date, timedelta

from clinic.conf import walkrx_setting
from patients.models import Alert, PainCheckIn, Patient
from patients.trends import PainTrend, pain_trend


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
