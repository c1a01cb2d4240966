from __future__ import annotations

import pytest
from django.urls import reverse

from clinic.admin import CappedCountPaginator
from programs.models import ProgramTemplate, WalkLog
from tests.admin_forms import change_form_data
from tests.factories import PatientFactory, TherapistFactory, WalkLogFactory

pytestmark = pytest.mark.django_db
TEMPLATE_ADD = reverse("admin:programs_programtemplate_add")
WALKS = reverse("admin:programs_walklog_changelist")


def _template_url(template: ProgramTemplate) -> str:
    return reverse("admin:programs_programtemplate_change", args=[template.pk])


def _template_data(name: str) -> dict:
    return {
        "name": name,
        "sessions_per_day": 2,
        "days_per_week": 7,
        "minutes_per_session": 5,
        "increment_minutes": 1,
        "increment_every_days": 3,
        "max_minutes_per_session": 20,
        "intensity": "brisk",
    }


@pytest.fixture
def therapist(client):
    therapist = TherapistFactory()
    client.force_login(therapist.user)
    return therapist


def test_a_shared_template_is_read_only_for_a_therapist(client, therapist):
    shared = ProgramTemplate.objects.filter(clinic=None).first()
    page = client.get(_template_url(shared))

    response = client.post(_template_url(shared), change_form_data(page, name="Mine now"))

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert response.status_code == 403
    shared.refresh_from_db()
    assert shared.name != "Mine now"


def test_a_therapist_adds_a_template_for_their_own_clinic(client, therapist):
    response = client.post(TEMPLATE_ADD, _template_data("Gentle start"))

    assert response.status_code == 302
    template = ProgramTemplate.objects.get(name="Gentle start")
    assert template.clinic == therapist.clinic


def test_a_duplicate_template_name_in_the_clinic_is_a_form_error(client, therapist):
    ProgramTemplate.objects.create(clinic=therapist.clinic, name="Gentle start")

    response = client.post(TEMPLATE_ADD, _template_data("Gentle start"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert ProgramTemplate.objects.filter(name="Gentle start").count() == 1


def test_a_therapist_edits_their_clinics_template(client, therapist):
    own = ProgramTemplate.objects.create(clinic=therapist.clinic, name="Gentle start")
    page = client.get(_template_url(own))

    response = client.post(_template_url(own), change_form_data(page, minutes_per_session=7))

    assert response.status_code == 302
    own.refresh_from_db()
    assert own.minutes_per_session == 7


def test_walks_are_read_only_for_a_therapist(client, therapist):
    walk = WalkLogFactory(patient=PatientFactory(therapist=therapist), duration_minutes=20)
    url = reverse("admin:programs_walklog_change", args=[walk.pk])
    page = client.get(url)

    response = client.post(url, {"duration_minutes": 90})

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert response.status_code == 403
    walk.refresh_from_db()
    assert walk.duration_minutes == 20


def test_the_walk_list_skips_the_full_count(client, therapist):
    WalkLogFactory(patient=PatientFactory(therapist=therapist))

    response = client.get(WALKS)

    assert response.context["cl"].full_result_count is None
    assert response.context["cl"].result_count == 1


def test_the_capped_paginator_counts_no_further_than_its_cap(monkeypatch):
    WalkLogFactory.create_batch(4)
    monkeypatch.setattr(CappedCountPaginator, "cap", 3)

    paginator = CappedCountPaginator(WalkLog.objects.order_by("-id"), 2)

    assert paginator.count == 3
    assert paginator.num_pages == 2
