"""The patient portal: server-rendered pages over the same services and selectors as the API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, LogoutView
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic.idempotency import (
    IdempotencyKeyReusedError,
    IdempotentResult,
    idempotent_perform,
)
from clinic.report_queries import patient_weekly_summary
from clinic.selectors import patient_for_user, patient_summary_email_opted_in
from clinic.services import patient_report_settings_update
from clinic.timezones import week_start
from patients.flareups import FLARE_UP_PLAN
from patients.forms import (
    IdempotentForm,
    PainForm,
    PortalForm,
    QuestionnaireForm,
    RecurrenceForm,
    RedFlagForm,
    WalkForm,
)
from patients.models import Patient
from patients.redflags import evaluate_screen
from patients.selectors import (
    patient_questionnaire_responses,
    questionnaire_definitions,
    questionnaires_due,
)
from patients.services import (
    lesson_complete,
    pain_checkin_record,
    patient_onboard_complete,
    patient_today,
    questionnaire_response_record,
    red_flag_screen_record,
)
from programs.models import BoosterPrompt, WalkLog
from programs.selectors import (
    current_program,
    open_booster_prompt,
    patient_daily_pain,
    patient_recurrence_summary,
    patient_target_changes,
    patient_today_summary,
    patient_weekly_progress,
    recurrence_checkin_due,
)
from programs.services import booster_prompt_dismiss, recurrence_checkin_record, walk_log_create

PROGRESS_WEEKS = 8
DEFAULT_WALK_MINUTES = 10
KEY_REUSED_MESSAGE = (
    "This form was already saved once with different answers. Check Today before saving "
    "it again; tap Save to save these answers as a new entry."
)

PatientView = Callable[..., HttpResponse]


def patient_page(view: PatientView | None = None, *, onboarding: bool = False):
    """Signed-in patients only; others get a clear page. Sends new patients to the welcome."""

    def decorate(func: PatientView) -> PatientView:
        @wraps(func)
        @login_required(login_url="portal:login")
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            patient = patient_for_user(request.user)
            if patient is None:
                return render(request, "patients/portal/not_a_patient.html", status=403)
            if patient.onboarded_at is None and not onboarding:
                return redirect("portal:welcome")
            # Times on the page are the patient's local times.
            with timezone.override(ZoneInfo(patient.timezone)):
                return func(request, patient, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate


def _render_form(
    request: HttpRequest, template: str, form: PortalForm, context: dict
) -> HttpResponse:
    """Re-show a form with the patient's answers; 422 when it has errors."""
    form.mark_invalid_fields()
    status = 422 if form.is_bound and form.errors else 200
    return render(request, template, {"form": form, **context}, status=status)


class PortalLoginView(LoginView):
    template_name = "patients/portal/login.html"
    redirect_authenticated_user = True
    next_page = "portal:today"


class PortalLogoutView(LogoutView):
    next_page = "portal:login"


@patient_page
def today(request: HttpRequest, patient: Patient) -> HttpResponse:
    day = patient_today(patient=patient)
    summary = patient_today_summary(patient=patient, today=day)
    program = current_program(patient=patient)
    in_maintenance = program is not None and program.in_maintenance
    context = {
        "patient": patient,
        "nav": "today",
        "summary": summary,
        "program": program,
        "walks": patient.walks.filter(local_date=day).order_by("started_at"),
        "checkin": patient.pain_checkins.filter(date=day).first(),
        "sessions_left": max(summary.sessions_target - summary.sessions_done, 0),
        "questionnaires_due": questionnaires_due(patient=patient, today=day),
        # Maintenance only (no queries before it): the monthly question and a booster.
        "recurrence_due": recurrence_checkin_due(program=program, today=day),
        "booster": open_booster_prompt(patient=patient) if in_maintenance else None,
    }
    return render(request, "patients/portal/today.html", context)


@patient_page
def recurrence(request: HttpRequest, patient: Patient) -> HttpResponse:
    """The monthly recurrence check-in of the maintenance phase."""
    summary = patient_recurrence_summary(patient=patient, today=patient_today(patient=patient))
    context = {"patient": patient, "nav": "today", "recurrence": summary}
    if request.method != "POST":
        return _render_form(
            request, "patients/portal/recurrence_form.html", RecurrenceForm(), context
        )
    form = RecurrenceForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data

        def perform() -> tuple[int, dict]:
            checkin, created = recurrence_checkin_record(
                patient=patient,
                had_episode=data["had_episode"],
                episode_started_on=data["episode_started_on"],
                sought_care=data["sought_care"],
                note=data["note"],
            )
            return (201 if created else 200), {"id": checkin.id}

        if _perform_once(request, form, scope="recurrence.create", perform=perform) is not None:
            messages.success(request, "Thank you: your monthly check-in is saved.")
            return redirect("portal:today")
    return _render_form(request, "patients/portal/recurrence_form.html", form, context)


@require_POST
@patient_page
def booster_dismiss(request: HttpRequest, patient: Patient, pk: int) -> HttpResponse:
    """The patient has read their booster prompt."""
    prompt = get_object_or_404(BoosterPrompt.objects.filter(patient=patient), pk=pk)
    booster_prompt_dismiss(prompt=prompt)
    return redirect("portal:today")


def _perform_once(
    request: HttpRequest,
    form: IdempotentForm,
    *,
    scope: str,
    perform: Callable[[], tuple[int, dict]],
) -> IdempotentResult | None:
    """Run a create once per form key (a retry replays it); on a rule error, mark the form."""
    try:
        return idempotent_perform(
            user=request.user,
            scope=scope,
            key=form.cleaned_data["idempotency_key"],
            payload=form.payload(),
            perform=perform,
        )
    except ValidationError as exc:
        form.add_service_errors(exc)
    except IdempotencyKeyReusedError:
        form.add_error(None, KEY_REUSED_MESSAGE)
        form.renew_key()
    return None


@patient_page
def walk_new(request: HttpRequest, patient: Patient) -> HttpResponse:
    day = patient_today(patient=patient)
    summary = patient_today_summary(patient=patient, today=day)
    program = current_program(patient=patient)
    context = {"patient": patient, "nav": "today", "summary": summary, "program": program}
    if request.method != "POST":
        form = WalkForm(initial=_walk_initial(request, patient, summary.minutes_per_session))
        return _render_form(request, "patients/portal/walk_form.html", form, context)
    form = WalkForm(request.POST)
    if form.is_valid():
        walk = form.walk_in(today=day, tz_name=patient.timezone)
        result = _perform_once(
            request,
            form,
            scope="walks.create",
            perform=lambda: (201, {"id": walk_log_create(patient=patient, walk=walk).id}),
        )
        if result is not None:
            note = " (it was already saved before)" if result.replayed else ""
            messages.success(
                request, f"Walk saved{note}: {walk.duration_minutes} minutes. Well done!"
            )
            return redirect("portal:today")
    return _render_form(request, "patients/portal/walk_form.html", form, context)


def _walk_initial(request: HttpRequest, patient: Patient, target_minutes: int) -> dict:
    """Prefill: the target's minutes, started that long ago, and ?kind= (the indoor button)."""
    minutes = target_minutes or DEFAULT_WALK_MINUTES
    local_start = (timezone.now() - timedelta(minutes=minutes)).astimezone(
        ZoneInfo(patient.timezone)
    )
    yesterday = local_start.date() < patient_today(patient=patient)
    initial = {
        "duration_minutes": minutes,
        "start_time": local_start.strftime("%H:%M"),
        "walked_on": WalkForm.WHEN_YESTERDAY if yesterday else WalkForm.WHEN_TODAY,
    }
    kind = request.GET.get("kind")
    if kind in WalkLog.Kind.values:
        initial["kind"] = kind
    return initial


@patient_page
def pain_new(request: HttpRequest, patient: Patient) -> HttpResponse:
    day = patient_today(patient=patient)
    checkin = patient.pain_checkins.filter(date=day).first()
    context = {"patient": patient, "nav": "pain", "checkin": checkin}
    if request.method != "POST":
        return _render_form(request, "patients/portal/pain_form.html", PainForm(), context)
    form = PainForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data

        def perform() -> tuple[int, dict]:
            checkin, created = pain_checkin_record(
                patient=patient,
                day=day,
                score=data["score"],
                flare_up=data["flare_up"],
                triggers=data["triggers"],
                note=data["note"],
            )
            return (201 if created else 200), {"id": checkin.id, "flare_up": checkin.flare_up}

        result = _perform_once(request, form, scope="pain.create", perform=perform)
        if result is not None:
            if result.body["flare_up"]:
                return redirect("portal:flare_up")
            messages.success(request, f"Pain check-in saved: {data['score']} out of 10.")
            return redirect("portal:today")
    return _render_form(request, "patients/portal/pain_form.html", form, context)


@patient_page
def flare_up(request: HttpRequest, patient: Patient) -> HttpResponse:
    context = {
        "patient": patient,
        "nav": "pain",
        "plan": FLARE_UP_PLAN,
        "therapist": patient.therapist,
        "clinic": patient.clinic,
        "checkin": patient.pain_checkins.filter(date=patient_today(patient=patient)).first(),
    }
    return render(request, "patients/portal/flare_up.html", context)


@patient_page
def progress(request: HttpRequest, patient: Patient) -> HttpResponse:
    day = patient_today(patient=patient)
    weeks = patient_weekly_progress(patient=patient, weeks=PROGRESS_WEEKS, today=day)
    start = week_start(day) - timedelta(weeks=PROGRESS_WEEKS - 1)
    pain = patient_daily_pain(patient=patient, start=start, end=day)
    changes = patient_target_changes(patient=patient, start=start, end=day)
    context = {
        "patient": patient,
        "nav": "progress",
        "summary": patient_weekly_summary(
            patient=patient, week_start=week_start(day) - timedelta(weeks=1)
        ),
        "summary_email": patient_summary_email_opted_in(patient=patient),
        "weeks": weeks,
        "pain": pain,
        "changes": changes,
        "chart_data": _chart_data(weeks, pain, changes),
    }
    return render(request, "patients/portal/progress.html", context)


def _chart_data(weeks, pain, changes) -> dict:
    """Plain lists for the Chart.js charts (the page also shows them as tables)."""
    mondays = [w.week_start for w in weeks]
    marks = []
    for change in changes:
        index = max(i for i, monday in enumerate(mondays) if monday <= change.effective_on)
        marks.append(
            {
                "week": index,
                "day": change.effective_on.isoformat(),
                "label": f"{change.get_reason_display()}: {change.sessions_per_day} x "
                f"{change.minutes_per_session} min",
            }
        )
    return {
        "weeks": [f"{m.day} {m:%b}" for m in mondays],
        "minutes": [w.minutes for w in weeks],
        "targets": [w.target_minutes for w in weeks],
        "steps": [w.steps for w in weeks],
        "changes": marks,
        "painDays": [p.day.isoformat() for p in pain],
        "pain": [p.mean for p in pain],
    }


@patient_page
def lessons(request: HttpRequest, patient: Patient) -> HttpResponse:
    assignments = patient.lesson_assignments.select_related("lesson")
    context = {"patient": patient, "nav": "lessons", "assignments": assignments}
    return render(request, "patients/portal/lessons.html", context)


@require_POST
@patient_page
def summary_email(request: HttpRequest, patient: Patient) -> HttpResponse:
    opted_in = request.POST.get("weekly_summary_email") == "on"
    patient_report_settings_update(patient=patient, weekly_summary_email=opted_in)
    if opted_in:
        messages.success(request, "We will email you your weekly summary every Monday.")
    else:
        messages.success(request, "We will no longer email you your weekly summary.")
    return redirect("portal:progress")


@require_POST
@patient_page
def lesson_done(request: HttpRequest, patient: Patient, pk: int) -> HttpResponse:
    assignment = get_object_or_404(patient.lesson_assignments.select_related("lesson"), pk=pk)
    lesson_complete(assignment=assignment)
    messages.success(request, f"Marked “{assignment.lesson.title}” as complete.")
    return redirect("portal:lessons")


@patient_page(onboarding=True)
def red_flags(request: HttpRequest, patient: Patient) -> HttpResponse:
    context = {"patient": patient, "nav": None, "onboarding": patient.onboarded_at is None}
    if request.method != "POST":
        return _render_form(request, "patients/portal/red_flags.html", RedFlagForm(), context)
    form = RedFlagForm(request.POST)
    if form.is_valid():
        try:
            red_flag_screen_record(patient=patient, answers=form.answers())
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            return redirect("portal:red_flag_result")
    return _render_form(request, "patients/portal/red_flags.html", form, context)


@patient_page(onboarding=True)
def red_flag_result(request: HttpRequest, patient: Patient) -> HttpResponse:
    screen = patient.red_flag_screens.first()
    if screen is None:
        return redirect("portal:welcome")
    context = {
        "patient": patient,
        "screen": screen,
        "result": evaluate_screen(screen.answers),
        "onboarding": patient.onboarded_at is None,
    }
    return render(request, "patients/portal/red_flag_result.html", context)


@patient_page(onboarding=True)
def welcome(request: HttpRequest, patient: Patient) -> HttpResponse:
    """The first-time screen: the red-flag questions first, then the program explained."""
    if patient.onboarded_at is not None:
        return redirect("portal:today")
    if not patient.red_flag_screens.exists():
        return redirect("portal:red_flags")
    return redirect("portal:welcome_program")


@patient_page(onboarding=True)
def welcome_program(request: HttpRequest, patient: Patient) -> HttpResponse:
    if not patient.red_flag_screens.exists():
        return redirect("portal:red_flags")
    if request.method == "POST":
        patient_onboard_complete(patient=patient)
        return redirect("portal:today")
    program = current_program(patient=patient)
    summary = patient_today_summary(patient=patient, today=patient_today(patient=patient))
    context = {"patient": patient, "program": program, "summary": summary}
    return render(request, "patients/portal/welcome_program.html", context)


@patient_page
def questionnaires(request: HttpRequest, patient: Patient) -> HttpResponse:
    context = {
        "patient": patient,
        "nav": "questionnaires",
        "due": questionnaires_due(patient=patient, today=patient_today(patient=patient)),
        "completed": patient_questionnaire_responses(patient=patient),
    }
    return render(request, "patients/portal/questionnaires.html", context)


@patient_page
def questionnaire_answer(request: HttpRequest, patient: Patient, measure: str) -> HttpResponse:
    definitions = {d["key"]: d for d in questionnaire_definitions(clinic_id=patient.clinic_id)}
    if measure not in definitions:
        raise Http404("No such questionnaire.")
    definition = definitions[measure]
    context = {"patient": patient, "nav": "questionnaires", "definition": definition}
    template = "patients/portal/questionnaire_form.html"
    if request.method != "POST":
        return _render_form(request, template, QuestionnaireForm(definition=definition), context)
    form = QuestionnaireForm(request.POST, definition=definition)
    if form.is_valid():
        try:
            response = questionnaire_response_record(
                patient=patient, measure=measure, answers=form.answers()
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            band = f" ({response.band})" if response.band else ""
            messages.success(
                request, f"Thank you. {definition['name']} saved: score {response.score:g}{band}."
            )
            return redirect("portal:questionnaires")
    return _render_form(request, template, form, context)
