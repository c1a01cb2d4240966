"""The admin records staff reads and writes of patient data; the audit list is read-only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.audit import audit_record
from clinic.models import AuditEvent
from tests.admin_forms import change_form_data
from tests.factories import (
    PatientFactory,
    TherapistFactory,
    UserFactory,
    WalkingProgramFactory,
    WalkLogFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def program():
    return WalkingProgramFactory()


def events(**filters) -> list[tuple]:
    qs = AuditEvent.objects.filter(**filters).order_by("id")
    return [(e.action, e.object_type, e.patient_ref) for e in qs]


def test_it_records_a_change_page_read(client, program):
    client.force_login(program.therapist.user)

    r = client.get(reverse("admin:patients_patient_change", args=[program.patient_id]))

    assert r.status_code == 200
    assert events() == [("view", "patient", program.patient_id)]
    assert AuditEvent.objects.get().clinic_id == program.patient.clinic_id


def test_it_records_a_changelist_as_one_event_with_the_patients_shown(client, program):
    other = PatientFactory(therapist=program.therapist)
    client.force_login(program.therapist.user)

    r = client.get(reverse("admin:patients_patient_changelist"))

    assert r.status_code == 200
    (event,) = AuditEvent.objects.all()
    assert (event.action, event.object_type) == ("list", "patient")
    assert event.detail["patient_ids"] == sorted([program.patient_id, other.pk])


def test_it_records_a_read_of_a_row_belonging_to_a_patient(client, program):
    walk = WalkLogFactory(patient=program.patient)
    client.force_login(program.therapist.user)

    client.get(reverse("admin:programs_walklog_change", args=[walk.pk]))

    assert events() == [("view", "walklog", program.patient_id)]


def test_it_does_not_record_pages_without_patient_data(client, program):
    client.force_login(program.therapist.user)

    client.get(reverse("admin:clinic_therapist_changelist"))
    client.get(reverse("admin:clinic_clinic_change", args=[program.patient.clinic_id]))

    assert events() == []


def test_it_records_a_save_with_the_changed_field_names(client, program):
    client.force_login(program.therapist.user)
    url = reverse("admin:patients_patient_change", args=[program.patient_id])
    patient = program.patient

    form = client.get(url)

    r = client.post(url, change_form_data(form, baseline_pain=2))

    assert r.status_code == 302, r.content
    (event,) = AuditEvent.objects.filter(action="update")
    assert (event.object_type, event.patient_ref) == ("patient", patient.pk)
    assert event.detail == {"fields": ["Baseline pain"]}


def test_it_records_a_deletion_before_the_row_goes(client, program):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    walk = WalkLogFactory(patient=program.patient)
    client.force_login(admin_user)

    r = client.post(reverse("admin:programs_walklog_delete", args=[walk.pk]), {"post": "yes"})

    assert r.status_code == 302
    (event,) = AuditEvent.objects.filter(action="delete")
    assert (event.object_type, event.object_id, event.patient_ref) == (
        "walklog",
        str(walk.pk),
        program.patient_id,
    )
    assert (event.actor_role, event.clinic_id) == ("superuser", program.patient.clinic_id)


def test_it_records_an_action_once_per_row(client, program):
    second = WalkingProgramFactory(patient=PatientFactory(therapist=program.therapist))
    client.force_login(program.therapist.user)

    r = client.post(
        reverse("admin:programs_walkingprogram_changelist"),
        {"action": "lock_progression", "_selected_action": [program.pk, second.pk]},
    )

    assert r.status_code == 302
    acted = AuditEvent.objects.filter(action="action").order_by("patient_ref")
    assert [(e.patient_ref, e.detail["action"]) for e in acted] == [
        (program.patient_id, "lock_progression"),
        (second.patient_id, "lock_progression"),
    ]


def test_the_weekly_report_downloads_are_recorded_as_exports(client, program):
    from clinic.models import WeeklyReport
    from clinic.services import weekly_report_data

    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    data = weekly_report_data(therapist=program.therapist, week_start=monday, now=timezone.now())
    report = WeeklyReport.objects.create(
        therapist=program.therapist, week_start=monday, generated_at=timezone.now(), data=data
    )
    client.force_login(program.therapist.user)

    r = client.get(reverse("admin:clinic_weeklyreport_csv", args=[report.pk]))

    assert r.status_code == 200
    (event,) = AuditEvent.objects.all()
    assert (event.action, event.object_type, event.clinic_id) == (
        "export",
        "weeklyreport",
        program.therapist.clinic_id,
    )
    assert event.detail == {"format": "csv", "patient_ids": [program.patient_id]}


# --- Viewing the trail ----------------------------------------------------


def _event_for(patient):
    return audit_record(action="view", patient=patient)


def test_a_clinic_admin_sees_only_their_clinics_events(client):
    mine = _event_for(PatientFactory())
    theirs = _event_for(PatientFactory())
    clinic_admin = TherapistFactory(clinic=mine.clinic, is_clinic_admin=True)
    client.force_login(clinic_admin.user)

    r = client.get(reverse("admin:clinic_auditevent_changelist"))

    assert r.status_code == 200
    shown = {e.pk for e in r.context["cl"].result_list}
    assert shown == {mine.pk}
    assert theirs.pk not in shown


def test_a_clinic_admin_can_filter_by_action(client):
    patient = PatientFactory()
    audit_record(action="view", patient=patient)
    exported = audit_record(action="export", patient=patient)
    client.force_login(TherapistFactory(clinic=patient.clinic, is_clinic_admin=True).user)

    r = client.get(reverse("admin:clinic_auditevent_changelist"), {"action__exact": "export"})

    assert [e.pk for e in r.context["cl"].result_list] == [exported.pk]


def test_an_ordinary_therapist_cannot_see_the_trail(client):
    event = _event_for(PatientFactory())
    therapist = TherapistFactory(clinic=event.clinic)
    client.force_login(therapist.user)

    listing = client.get(reverse("admin:clinic_auditevent_changelist"))
    index = client.get(reverse("admin:index"))

    assert listing.status_code == 403
    assert b"auditevent" not in index.content.lower()


def test_a_superuser_sees_every_clinic_but_cannot_add_change_or_delete(client):
    event = _event_for(PatientFactory())
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    listing = client.get(reverse("admin:clinic_auditevent_changelist"))
    add = client.get(reverse("admin:clinic_auditevent_add"))
    change = client.post(
        reverse("admin:clinic_auditevent_change", args=[event.pk]), {"action": "delete"}
    )
    delete = client.post(
        reverse("admin:clinic_auditevent_delete", args=[event.pk]), {"post": "yes"}
    )

    assert listing.status_code == 200
    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    event.refresh_from_db()
    assert event.action == "view"


def test_acknowledging_from_the_patient_page_is_recorded(client, program):
    from tests.factories import AlertFactory

    alert = AlertFactory(patient=program.patient)
    client.force_login(program.therapist.user)
    url = reverse("admin:patients_patient_acknowledge_alert", args=[program.patient_id, alert.pk])

    r = client.post(url)

    assert r.status_code == 302
    assert events(action="update") == [("update", "alert", program.patient_id)]


def test_an_action_on_every_row_records_every_row(client, program):
    second = WalkingProgramFactory(patient=PatientFactory(therapist=program.therapist))
    client.force_login(program.therapist.user)

    client.post(
        reverse("admin:programs_walkingprogram_changelist"),
        {"action": "lock_progression", "_selected_action": [program.pk], "select_across": "1"},
    )

    acted = AuditEvent.objects.filter(action="action")
    assert sorted(acted.values_list("patient_ref", flat=True)) == sorted(
        [program.patient_id, second.patient_id]
    )


def test_the_daily_watch_records_are_audited_too(client, program):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    r = client.get(reverse("admin:programs_painresponse_changelist"))

    assert r.status_code == 200
    assert events() == [("list", "painresponse", None)]
