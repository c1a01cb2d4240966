"""Reads for patients' pain."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Least, NullIf

from clinic.conf import walkrx_setting
from patients.models import Alert, PainCheckIn, Patient
from patients.trends import PainTrend, pain_trend


def pain_scores_between(*, patient: Patient, start: date, end: date) -> list[int]:
    """Check-in scores plus walks' pain-after on local days ``start``..``end``."""
    from programs.models import WalkLog

    checkins = PainCheckIn.objects.filter(patient=patient, date__range=(start, end))
    walks = WalkLog.objects.filter(patient=patient, local_date__range=(start, end))
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


CASELOAD_WINDOW_DAYS = 7


def patients_with_caseload_stats(*, queryset: QuerySet[Patient], today: date) -> QuerySet[Patient]:
    """``queryset`` annotated in SQL with the caseload list's columns (still one query).

    - ``open_alerts``: the patient's open alerts.
    - ``pain_mean_7d`` / ``pain_change``: mean NPRS over the 7 local days ending ``today``
      (check-ins and walks' pain-after, as pain_scores_between) and its change from baseline.
    - ``adherence_7d``: sessions done / prescribed over those days, 0-1, None when nothing
      was prescribed. Like programs.adherence, each day's sessions count up to the day's
      target, days before the start or while paused prescribe nothing, and indoor marching
      counts only where allowed; unlike program_adherence it applies the current target to
      all 7 days (no per-day history), so the list can be sorted by it in SQL.
    """
    days = [today - timedelta(days=i) for i in range(CASELOAD_WINDOW_DAYS)]
    start = days[-1]
    prescribed_days = sum(
        (
            Case(
                When(
                    Q(cur_start__lte=day) & (Q(cur_end__isnull=True) | Q(cur_end__gte=day)),
                    then=Value(1.0),
                ),
                default=Value(0.0),
                output_field=FloatField(),
            )
            for day in days
        ),
        Value(0.0),
    )
    sessions_done = sum(
        (Least(_walks_counted_on(day), F("cur_spd"), output_field=FloatField()) for day in days),
        Value(0.0),
    )
    checkins = PainCheckIn.objects.filter(date__range=(start, today))
    walks = _walk_model().objects.filter(local_date__range=(start, today))
    pain_total = _per_patient(checkins, Sum("score")) + _per_patient(walks, Sum("pain_after"))
    pain_count = _per_patient(checkins, Count("id")) + _per_patient(walks, Count("id"))
    return queryset.annotate(
        open_alerts=_per_patient(Alert.objects.filter(status=Alert.Status.OPEN), Count("id")),
        cur_spd=Cast(_current_program_value("sessions_per_day"), FloatField()),
        cur_dpw=Cast(_current_program_value("days_per_week"), FloatField()),
        cur_start=_current_program_value("start_date"),
        cur_end=_current_program_value("end_date"),
        cur_status=_current_program_value("status"),
        pain_mean_7d=Cast(pain_total, FloatField()) / NullIf(pain_count, Value(0)),
        pain_change=F("pain_mean_7d") - F("baseline_pain"),
        prescribed_7d=Case(
            When(Q(cur_status="paused") | Q(cur_spd__isnull=True), then=Value(0.0)),
            default=F("cur_spd") * F("cur_dpw") / Value(7.0) * prescribed_days,
            output_field=FloatField(),
        ),
        sessions_done_7d=sessions_done,
        adherence_7d=Case(
            When(prescribed_7d__lte=0, then=Value(None, output_field=FloatField())),
            default=Least(F("sessions_done_7d") / F("prescribed_7d"), Value(1.0)),
            output_field=FloatField(),
        ),
    )


def _walk_model():
    from programs.models import WalkLog

    return WalkLog


def _per_patient(rows: QuerySet, aggregate) -> Coalesce:
    """A correlated subquery: ``aggregate`` over the outer patient's ``rows`` (0 if none)."""
    subquery = (
        rows.filter(patient=OuterRef("pk")).order_by().values("patient").annotate(v=aggregate)
    )
    return Coalesce(Subquery(subquery.values("v")), Value(0))


def _walks_counted_on(day: date) -> Coalesce:
    walk_model = _walk_model()
    walks = walk_model.objects.filter(local_date=day).exclude(
        kind=walk_model.Kind.INDOOR_MARCHING, program__indoor_allowed=False
    )
    return _per_patient(walks, Count("id"))


def _current_program_value(field: str) -> Subquery:
    from programs.models import WalkingProgram

    programs = WalkingProgram.objects.filter(
        patient=OuterRef("pk"), status__in=WalkingProgram.CURRENT_STATUSES
    ).order_by("-start_date")
    return Subquery(programs.values(field)[:1])
