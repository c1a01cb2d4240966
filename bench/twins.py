"""Bare Django twins of the benchmarked API endpoints: the framework's floor for that work.

Each twin authenticates the same way (the same bearer-token lookup and touch), runs the
same selectors and services (so the same queries) and answers a plain JsonResponse of the
same shape, without DRF (no serializers, content negotiation, throttles or filters).
Mounted under /bench/ only when settings.WALKRX_BENCH_TWINS is true (bench.urls).
"""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from clinic.api.tokens import api_token_touch
from clinic.conf import walkrx_setting
from clinic.selectors import api_token_for_raw, patient_for_user, walks_visible_to
from patients.models import Patient
from patients.services import patient_today
from programs.models import WalkLog
from programs.selectors import patient_today_summary, patient_weekly_progress
from programs.services import WalkIn, walk_log_create

PAGE_SIZE = 50


def _patient(request: HttpRequest) -> Patient | None:
    """BearerTokenAuthentication's queries (token + user, touch) and the patient row."""
    header = request.headers.get("Authorization", "")
    parts = header.split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return None
    token = api_token_for_raw(parts[1])
    if token is None:
        return None
    api_token_touch(token=token)
    return patient_for_user(token.user)


def _unauthorized() -> JsonResponse:
    return JsonResponse({"detail": "Authentication credentials were not provided."}, status=401)


def _local(value: datetime, zone: ZoneInfo) -> str:
    return value.astimezone(zone).isoformat()


def today(request: HttpRequest) -> JsonResponse:
    """GET /api/v1/me/today/'s twin."""
    patient = _patient(request)
    if patient is None:
        return _unauthorized()
    s = patient_today_summary(patient=patient, today=patient_today(patient=patient))
    return JsonResponse(
        {
            "date": s.date.isoformat(),
            "sessions_target": s.sessions_target,
            "minutes_per_session": s.minutes_per_session,
            "sessions_done": s.sessions_done,
            "minutes_done": s.minutes_done,
        }
    )


def progress(request: HttpRequest) -> JsonResponse:
    """GET /api/v1/me/progress/'s twin (8 weeks)."""
    patient = _patient(request)
    if patient is None:
        return _unauthorized()
    weeks = patient_weekly_progress(patient=patient, weeks=8, today=patient_today(patient=patient))
    return JsonResponse(
        {
            "weeks": [
                {
                    "week_start": w.week_start.isoformat(),
                    "minutes": w.minutes,
                    "target_minutes": w.target_minutes,
                    "sessions": w.sessions,
                    "target_sessions": w.target_sessions,
                    "adherence": w.adherence,
                    "pain_mean": w.pain_mean,
                    "steps": w.steps,
                }
                for w in weeks
            ]
        }
    )


def _walk(w: WalkLog, zone: ZoneInfo) -> dict:
    return {
        "id": w.id,
        "started_at": _local(w.started_at, zone),
        "local_date": w.local_date.isoformat(),
        "duration_minutes": w.duration_minutes,
        "kind": w.kind,
        "talk_test": w.talk_test,
        "pain_before": w.pain_before,
        "pain_after": w.pain_after,
        "steps": w.steps,
        "distance_m": w.distance_m,
        "note": w.note,
        "created_at": _local(w.created_at, zone),
        "editable_until": _local(w.created_at + walkrx_setting("WALK_EDIT_WINDOW"), zone),
    }


@csrf_exempt
def walks(request: HttpRequest) -> JsonResponse:
    """GET (keyset page: ?before=<started_at ISO>,<id>) and POST /api/v1/me/walks/'s twin."""
    patient = _patient(request)
    if patient is None:
        return _unauthorized()
    zone = ZoneInfo(patient.timezone)
    if request.method == "POST":
        return _create(request, patient, zone)
    qs = walks_visible_to(patient.user).filter(patient=patient).order_by("-started_at", "-id")
    before = request.GET.get("before")
    if before:
        started, _, walk_id = before.rpartition(",")
        at = datetime.fromisoformat(started)
        qs = qs.filter(started_at__lte=at).exclude(started_at=at, id__gte=int(walk_id))
    rows = list(qs[: PAGE_SIZE + 1])
    page = rows[:PAGE_SIZE]
    following = None
    if len(rows) > PAGE_SIZE:
        last = page[-1]
        following = "?" + urlencode({"before": f"{last.started_at.isoformat()},{last.id}"})
    return JsonResponse(
        {"next": following, "previous": None, "results": [_walk(w, zone) for w in page]}
    )


def _create(request: HttpRequest, patient: Patient, zone: ZoneInfo) -> JsonResponse:
    try:
        data = json.loads(request.body)
        walk = WalkIn(
            started_at=datetime.fromisoformat(data["started_at"]),
            duration_minutes=int(data["duration_minutes"]),
            kind=data.get("kind", WalkLog.Kind.OUTDOOR),
            talk_test=data.get("talk_test", WalkLog.TalkTest.BRISK),
            pain_before=int(data.get("pain_before", 0)),
            pain_after=int(data.get("pain_after", 0)),
            steps=data.get("steps"),
            distance_m=data.get("distance_m"),
            note=data.get("note", ""),
        )
        log = walk_log_create(patient=patient, walk=walk, now=timezone.now())
    except (ValueError, KeyError, TypeError) as exc:
        return JsonResponse({"detail": str(exc)}, status=400)
    except ValidationError as exc:
        return JsonResponse(exc.message_dict, status=400)
    return JsonResponse(_walk(log, zone), status=201)


def nodb(request: HttpRequest) -> JsonResponse:
    """No authentication, no query: Django's own request/response floor."""
    return JsonResponse({"ok": True})
