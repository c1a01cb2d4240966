"""Every registered ModelAdmin, against every kind of staff user.

Each model is one of three kinds, and a model added to the admin must be put in one:

- clinic-owned: one row of it in ``clinic_rows``. Another clinic's therapist or clinic
  admin (even one granted every permission on the model) never lists or opens it.
- shared (lessons, shared program templates): every therapist may read, only a
  superuser may change.
- system (users, groups, sign-in lockouts, the beat schedule): superusers only; for
  therapists and clinic admins the model is not in the admin at all (403).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from clinic.api.tokens import api_token_issue
from clinic.audit import audit_record
from clinic.models import PatientReportSettings, Therapist
from clinic.services import patient_report_settings_update, weekly_report_build
from patients.models import QuestionnaireText
from patients.services import (
    questionnaire_response_record,
    questionnaire_schedule,
    questionnaire_text_load,
)
from programs.models import CheckRun, PainResponse, ProgramTemplate
from tests.factories import (
    AlertFactory,
    LessonAssignmentFactory,
    LessonFactory,
    PainCheckInFactory,
    TherapistFactory,
    UserFactory,
    WalkingProgramFactory,
    WalkLogFactory,
)

pytestmark = pytest.mark.django_db

MODEL_ADMINS = sorted(
    (model._meta.app_label, model._meta.model_name) for model in admin.site._registry
)
SYSTEM_MODELS = {
    ("auth", "user"),
    ("auth", "group"),
    ("axes", "accessattempt"),
    ("axes", "accessfailurelog"),
    ("axes", "accesslog"),
    ("django_celery_beat", "clockedschedule"),
    ("django_celery_beat", "crontabschedule"),
    ("django_celery_beat", "intervalschedule"),
    ("django_celery_beat", "periodictask"),
    ("django_celery_beat", "solarschedule"),
}
SHARED_MODELS = {("patients", "lesson"), ("programs", "programtemplate")}
CLINIC_MODELS = [m for m in MODEL_ADMINS if m not in SYSTEM_MODELS | {("patients", "lesson")}]
OUTSIDERS = ["therapist", "clinic_admin", "therapist_with_every_model_permission"]
WEEK = date(2026, 11, 16)


def _ids(models) -> list[str]:
    return [f"{a}.{m}" for a, m in models]


def _key(row) -> tuple[str, str]:
    return (row._meta.app_label, row._meta.model_name)


@pytest.fixture
def clinic_rows():
    """One row of every clinic-owned admin model, all of one clinic."""
    program = WalkingProgramFactory()
    patient = program.patient
    # A name no admin page contains by chance (a random "Chang" is in "Change password").
    patient.user.last_name = "Quillfeather"
    patient.user.save(update_fields=["last_name"])
    clinic = patient.clinic
    questionnaire_text_load(clinic=clinic, measure="rmdq", texts={"item_1": "Licensed wording"})
    assignment, _ = questionnaire_schedule(
        patient=patient, measure="odi", due_on=date(2026, 11, 1), reason="baseline"
    )
    rows = [
        patient,
        program,
        patient.therapist,
        clinic,
        WalkLogFactory(patient=patient),
        PainCheckInFactory(patient=patient),
        AlertFactory(patient=patient),
        LessonAssignmentFactory(patient=patient),
        assignment,
        questionnaire_response_record(
            patient=patient, measure="rmdq", answers={f"item_{n}": True for n in range(1, 25)}
        ),
        QuestionnaireText.objects.get(clinic=clinic),
        CheckRun.objects.create(patient=patient, kind="adherence", day=WEEK),
        PainResponse.objects.create(
            patient=patient, first_day=WEEK, mean_pain=2.0, baseline_pain=6
        ),
        ProgramTemplate.objects.create(clinic=clinic, name="Clinic template"),
        api_token_issue(user=patient.user).token,
        audit_record(action="view", actor=patient.therapist.user, patient=patient, obj=patient),
        patient_report_settings_update(patient=patient, weekly_summary_email=True),
        weekly_report_build(therapist=patient.therapist, week_start=WEEK),
    ]
    return {"patient": patient, "rows": rows}


@pytest.fixture
def system_rows(clinic_rows):
    """One row of every system model, several naming the clinic's patient."""
    username = clinic_rows["patient"].user.username
    seen = {"ip_address": "203.0.113.9", "user_agent": "test", "http_accept": "*/*"}
    seen |= {"username": username, "path_info": "/api/v1/auth/token/"}
    crontab = CrontabSchedule.objects.create(minute="5", hour="3")
    return [
        clinic_rows["patient"].user,
        Group.objects.get(name="Therapists"),
        AccessAttempt.objects.create(**seen, get_data="", post_data="", failures_since_start=1),
        AccessFailureLog.objects.create(**seen),
        AccessLog.objects.create(**seen),
        ClockedSchedule.objects.create(clocked_time=datetime(2026, 12, 1, tzinfo=UTC)),
        crontab,
        IntervalSchedule.objects.create(every=10, period=IntervalSchedule.MINUTES),
        PeriodicTask.objects.create(name="Matrix task", task="clinic.tasks.x", crontab=crontab),
        SolarSchedule.objects.create(event="sunrise", latitude=51.5, longitude=-0.1),
    ]


def _outsider(kind: str, app: str, model: str):
    """A therapist of another clinic: plain, clinic admin, or granted the model's every
    permission (so only the clinic scoping, not a missing permission, stands in the way)."""
    therapist = TherapistFactory(is_clinic_admin=kind == "clinic_admin")
    if kind == "therapist_with_every_model_permission":
        _grant_every_permission(therapist.user, app, model)
    return therapist.user


def _grant_every_permission(user, app: str, model: str) -> None:
    content_type = ContentType.objects.get_by_natural_key(app, model)
    user.user_permissions.add(*Permission.objects.filter(content_type=content_type))


def _own_row(clinic_rows, app: str, model: str):
    rows = [row for row in clinic_rows["rows"] if _key(row) == (app, model)]
    assert rows, f"{app}.{model}: add a row to clinic_rows, or list it as a system model"
    return rows[0]


def _is_refused(r) -> bool:
    """The admin's answers for a row outside get_queryset: the "doesn't exist" redirect to
    the index, a 404, or 403 for a model the user may not see at all."""
    if r.status_code == 302:
        return r["Location"] in ("/admin/", reverse("admin:index"))
    return r.status_code in (403, 404)


def test_every_admin_model_is_classified():
    unknown = set(MODEL_ADMINS) - set(CLINIC_MODELS) - SYSTEM_MODELS - SHARED_MODELS
    assert not unknown


@pytest.mark.parametrize("kind", OUTSIDERS)
@pytest.mark.parametrize(("app", "model"), CLINIC_MODELS, ids=_ids(CLINIC_MODELS))
def test_another_clinic_sees_no_foreign_rows_in_any_changelist(
    client, clinic_rows, app, model, kind
):
    row = _own_row(clinic_rows, app, model)
    client.force_login(_outsider(kind, app, model))
    patient = clinic_rows["patient"]

    r = client.get(reverse(f"admin:{app}_{model}_changelist"))

    assert r.status_code in (200, 403)
    body = r.content.decode()
    assert reverse(f"admin:{app}_{model}_change", args=[row.pk]) not in body
    assert patient.user.username not in body
    assert patient.user.last_name not in body


@pytest.mark.parametrize("view", ["change", "history", "delete"])
@pytest.mark.parametrize("kind", OUTSIDERS)
@pytest.mark.parametrize(("app", "model"), CLINIC_MODELS, ids=_ids(CLINIC_MODELS))
def test_another_clinic_cannot_open_a_foreign_row(client, clinic_rows, app, model, kind, view):
    row = _own_row(clinic_rows, app, model)
    client.force_login(_outsider(kind, app, model))

    r = client.get(reverse(f"admin:{app}_{model}_{view}", args=[row.pk]))

    assert _is_refused(r), (r.status_code, r.get("Location"))
    assert clinic_rows["patient"].user.last_name not in r.content.decode()


@pytest.mark.parametrize("kind", OUTSIDERS)
@pytest.mark.parametrize(("app", "model"), CLINIC_MODELS, ids=_ids(CLINIC_MODELS))
def test_another_clinic_cannot_delete_a_foreign_row(client, clinic_rows, app, model, kind):
    row = _own_row(clinic_rows, app, model)
    client.force_login(_outsider(kind, app, model))

    r = client.post(reverse(f"admin:{app}_{model}_delete", args=[row.pk]), {"post": "yes"})

    assert _is_refused(r)
    assert type(row).objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize(("app", "model"), CLINIC_MODELS, ids=_ids(CLINIC_MODELS))
def test_a_superuser_opens_every_clinics_rows(client, clinic_rows, app, model):
    row = _own_row(clinic_rows, app, model)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    assert client.get(reverse(f"admin:{app}_{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:{app}_{model}_change", args=[row.pk])).status_code == 200


@pytest.mark.parametrize("fmt", ["html", "csv", "pdf"])
@pytest.mark.parametrize("kind", OUTSIDERS)
def test_another_clinic_cannot_download_a_foreign_weekly_report(client, clinic_rows, kind, fmt):
    report = _own_row(clinic_rows, "clinic", "weeklyreport")
    client.force_login(_outsider(kind, "clinic", "weeklyreport"))

    r = client.get(reverse(f"admin:clinic_weeklyreport_{fmt}", args=[report.pk]))

    assert r.status_code == 404


@pytest.mark.parametrize("kind", OUTSIDERS)
def test_another_clinic_cannot_import_steps_or_acknowledge_for_a_foreign_patient(
    client, clinic_rows, kind
):
    patient = clinic_rows["patient"]
    alert = _own_row(clinic_rows, "patients", "alert")
    client.force_login(_outsider(kind, "patients", "patient"))

    steps = client.get(reverse("admin:patients_patient_import_steps", args=[patient.pk]))
    ack = client.post(
        reverse("admin:patients_patient_acknowledge_alert", args=[patient.pk, alert.pk])
    )

    assert (steps.status_code, ack.status_code) == (404, 404)
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


SYSTEM = sorted(SYSTEM_MODELS)


@pytest.mark.parametrize("is_clinic_admin", [False, True], ids=["therapist", "clinic_admin"])
@pytest.mark.parametrize(("app", "model"), SYSTEM, ids=_ids(SYSTEM))
def test_therapists_and_clinic_admins_cannot_reach_system_models(
    client, system_rows, app, model, is_clinic_admin
):
    row = next(r for r in system_rows if _key(r) == (app, model))
    client.force_login(TherapistFactory(is_clinic_admin=is_clinic_admin).user)

    index = client.get(reverse("admin:index")).content.decode()
    changelist = client.get(reverse(f"admin:{app}_{model}_changelist"))
    change = client.get(reverse(f"admin:{app}_{model}_change", args=[row.pk]))
    add = client.get(reverse(f"admin:{app}_{model}_add"))

    assert reverse(f"admin:{app}_{model}_changelist") not in index
    assert (changelist.status_code, change.status_code, add.status_code) == (403, 403, 403)


@pytest.mark.parametrize(("app", "model"), SYSTEM, ids=_ids(SYSTEM))
def test_a_superuser_manages_system_models(client, system_rows, app, model):
    row = next(r for r in system_rows if _key(r) == (app, model))
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    assert client.get(reverse(f"admin:{app}_{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:{app}_{model}_change", args=[row.pk])).status_code == 200


@pytest.fixture
def shared_rows():
    return {
        "lesson": LessonFactory(),
        "template": ProgramTemplate.objects.create(clinic=None, name="Shared template"),
    }


@pytest.mark.parametrize(
    ("app", "model", "key"),
    [("patients", "lesson", "lesson"), ("programs", "programtemplate", "template")],
)
def test_any_therapist_reads_a_shared_row_but_cannot_change_it(
    client, shared_rows, app, model, key
):
    row = shared_rows[key]
    client.force_login(TherapistFactory().user)
    url = reverse(f"admin:{app}_{model}_change", args=[row.pk])

    page = client.get(url)
    post = client.post(url, {"name": "Renamed", "title": "Renamed"})
    delete = client.post(reverse(f"admin:{app}_{model}_delete", args=[row.pk]), {"post": "yes"})

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert (post.status_code, delete.status_code) == (403, 403)
    row.refresh_from_db()
    assert "Renamed" not in str(row)


@pytest.mark.parametrize(("app", "model", "key"), [("patients", "lesson", "lesson")])
def test_a_superuser_changes_a_shared_row(client, shared_rows, app, model, key):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    r = client.get(reverse(f"admin:{app}_{model}_change", args=[shared_rows[key].pk]))

    assert 'name="_save"' in r.content.decode()


@pytest.mark.django_db
def test_walk_notes_with_markup_show_escaped_in_the_admin_patient_page(client, clinic_rows):
    patient = clinic_rows["patient"]
    WalkLogFactory(patient=patient, note="<script>alert('x')</script>")
    client.force_login(patient.therapist.user)

    r = client.get(reverse("admin:patients_patient_change", args=[patient.pk]))

    assert r.status_code == 200
    body = r.content.decode()
    assert "<script>alert('x')</script>" not in body
    assert "&lt;script&gt;alert(" in body


@pytest.mark.parametrize(("app", "model"), CLINIC_MODELS, ids=_ids(CLINIC_MODELS))
def test_no_admin_form_offers_another_clinics_rows(rf, clinic_rows, app, model):
    """A therapist of another clinic, granted every permission on the model, is offered
    none of this clinic's rows (nor its people's accounts) in any editable foreign key."""
    model_admin = admin.site._registry[type(_own_row(clinic_rows, app, model))]
    request = rf.get("/")
    request.user = _outsider("therapist_with_every_model_permission", app, model)
    patient = clinic_rows["patient"]
    foreign = [*clinic_rows["rows"], patient.user, patient.therapist.user]

    offered = [
        f"{name}: {row}"
        for name, queryset in _editable_choices(model_admin, request).items()
        for row in foreign
        if type(row) is queryset.model and queryset.filter(pk=row.pk).exists()
    ]

    assert offered == []


def _editable_choices(model_admin, request) -> dict:
    """The querysets of the foreign keys a user may set on the model's form."""
    if not (model_admin.has_add_permission(request) or model_admin.has_change_permission(request)):
        return {}  # view-only: the admin renders every field read-only
    readonly = set(model_admin.get_readonly_fields(request))
    form = model_admin.get_form(request)()
    return {
        name: field.queryset
        for name, field in form.fields.items()
        if hasattr(field, "queryset") and name not in readonly
    }


def test_a_therapist_may_still_link_a_new_account_or_a_colleagues(rf):
    therapist = TherapistFactory()
    colleague = TherapistFactory(clinic=therapist.clinic)
    _grant_every_permission(therapist.user, "clinic", "therapist")
    request = rf.get("/")
    request.user = therapist.user
    fresh = UserFactory()

    choices = _editable_choices(admin.site._registry[Therapist], request)["user"]

    assert {fresh.pk, colleague.user.pk} <= set(choices.values_list("pk", flat=True))


def test_another_clinic_cannot_opt_a_foreign_patient_in_to_summary_emails(client, clinic_rows):
    patient = clinic_rows["patient"]
    PatientReportSettings.objects.filter(patient=patient).delete()
    client.force_login(
        _outsider("therapist_with_every_model_permission", "clinic", "patientreportsettings")
    )

    r = client.post(
        reverse("admin:clinic_patientreportsettings_add"),
        {"patient": patient.pk, "weekly_summary_email": "on"},
    )

    assert r.status_code == 200  # the form again, with the patient refused
    assert not PatientReportSettings.objects.filter(patient=patient).exists()
