"""Every registered ModelAdmin: another clinic's therapist sees none of this clinic's rows."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import (
    AlertFactory,
    LessonAssignmentFactory,
    PainCheckInFactory,
    TherapistFactory,
    WalkingProgramFactory,
    WalkLogFactory,
)

pytestmark = pytest.mark.django_db

MODEL_ADMINS = sorted(
    (model._meta.app_label, model._meta.model_name) for model in admin.site._registry
)


@pytest.fixture
def clinic_rows():
    """One row of (nearly) every admin-registered model, all of one clinic."""
    program = WalkingProgramFactory()
    patient = program.patient
    # A name no admin page contains by chance (a random "Chang" is in "Change password").
    patient.user.last_name = "Quillfeather"
    patient.user.save(update_fields=["last_name"])
    return {
        "patient": patient,
        "rows": [
            patient,
            program,
            patient.therapist,
            patient.clinic,
            WalkLogFactory(patient=patient),
            PainCheckInFactory(patient=patient),
            AlertFactory(patient=patient),
            LessonAssignmentFactory(patient=patient),
        ],
    }


@pytest.mark.parametrize(("app", "model"), MODEL_ADMINS, ids=[f"{a}.{m}" for a, m in MODEL_ADMINS])
def test_another_clinics_therapist_sees_no_foreign_rows_in_any_changelist(
    client, clinic_rows, app, model
):
    outsider = TherapistFactory()
    client.force_login(outsider.user)
    patient = clinic_rows["patient"]

    r = client.get(reverse(f"admin:{app}_{model}_changelist"))

    assert r.status_code in (200, 302, 403)
    body = r.content.decode()
    assert patient.user.username not in body
    assert patient.user.last_name not in body


@pytest.mark.parametrize(("app", "model"), MODEL_ADMINS, ids=[f"{a}.{m}" for a, m in MODEL_ADMINS])
def test_another_clinics_therapist_cannot_open_a_foreign_row(client, clinic_rows, app, model):
    rows = [
        row
        for row in clinic_rows["rows"]
        if (row._meta.app_label, row._meta.model_name) == (app, model)
    ]
    if not rows:
        pytest.skip(f"{app}.{model} has no clinic-owned row in this fixture")
    outsider = TherapistFactory()
    client.force_login(outsider.user)

    r = client.get(reverse(f"admin:{app}_{model}_change", args=[rows[0].pk]))

    # Django's admin answers a row outside get_queryset with a redirect to the admin index
    # ("doesn't exist"), a 404, or 403 for a model the user may not see at all.
    assert r.status_code in (302, 403, 404)
    if r.status_code == 302:
        assert r["Location"] in ("/admin/", reverse("admin:index"))
    assert clinic_rows["patient"].user.last_name not in r.content.decode()


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
