from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clinic.models import Clinic, Therapist
from patients.models import Alert, LessonAssignment, PainCheckIn, Patient
from programs.models import ProgramTemplate, WalkingProgram, WalkLog
from tests.factories import (
    AlertFactory,
    LessonAssignmentFactory,
    PainCheckInFactory,
    PatientFactory,
    TherapistFactory,
    UserFactory,
    WalkingProgramFactory,
    WalkLogFactory,
)

pytestmark = pytest.mark.django_db


@dataclass
class ClinicData:
    therapist: Therapist
    objects: dict[type, object]


def _clinic_data() -> ClinicData:
    program = WalkingProgramFactory()
    patient = program.patient
    template = ProgramTemplate.objects.create(
        clinic=patient.clinic, name=f"{patient.clinic.name} plan", minutes_per_session=8
    )
    return ClinicData(
        therapist=patient.therapist,
        objects={
            Clinic: patient.clinic,
            Therapist: patient.therapist,
            Patient: patient,
            WalkingProgram: program,
            WalkLog: WalkLogFactory(patient=patient),
            PainCheckIn: PainCheckInFactory(patient=patient),
            Alert: AlertFactory(patient=patient),
            LessonAssignment: LessonAssignmentFactory(patient=patient),
            ProgramTemplate: template,
        },
    )


@pytest.fixture
def mine() -> ClinicData:
    return _clinic_data()


@pytest.fixture
def theirs() -> ClinicData:
    return _clinic_data()


MODELS = [Clinic, Therapist, Patient, WalkingProgram, WalkLog, PainCheckIn, Alert]
MODELS += [LessonAssignment, ProgramTemplate]


def _url(model: type, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _listed(client, model: type) -> set[int]:
    response = client.get(_url(model, "changelist"))
    assert response.status_code == 200
    return {obj.pk for obj in response.context["cl"].result_list}


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_it_lists_only_the_therapists_own_clinic(client, model, mine, theirs):
    client.force_login(mine.therapist.user)

    listed = _listed(client, model)

    assert mine.objects[model].pk in listed
    assert theirs.objects[model].pk not in listed


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_it_opens_own_clinic_objects(client, model, mine, theirs):
    client.force_login(mine.therapist.user)

    response = client.get(_url(model, "change", mine.objects[model].pk))

    assert response.status_code == 200


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_another_clinics_object_does_not_exist_for_a_therapist(client, model, mine, theirs):
    client.force_login(mine.therapist.user)
    other = theirs.objects[model]

    response = client.get(_url(model, "change", other.pk), follow=True)

    assert response.redirect_chain == [(reverse("admin:index"), 302)]
    assert "doesn\u2019t exist" in response.content.decode()


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_a_superuser_sees_every_clinic(client, model, mine, theirs):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    listed = _listed(client, model)

    assert {mine.objects[model].pk, theirs.objects[model].pk} <= listed


def test_it_shows_the_shared_templates_to_every_therapist(client, mine):
    client.force_login(mine.therapist.user)

    listed = _listed(client, ProgramTemplate)

    shared = ProgramTemplate.objects.filter(clinic=None).values_list("pk", flat=True)
    assert set(shared) <= listed


def test_it_offers_only_own_clinic_patients_and_therapists_in_forms(client, mine, theirs):
    client.force_login(mine.therapist.user)

    response = client.get(_url(Patient, "change", mine.objects[Patient].pk))

    choices = response.context["adminform"].form.fields["therapist"].queryset
    assert set(choices) == {mine.therapist}


def test_autocomplete_offers_only_own_clinic_patients(client, mine, theirs):
    client.force_login(mine.therapist.user)
    params = {"app_label": "programs", "model_name": "walkingprogram", "field_name": "patient"}

    response = client.get(reverse("admin:autocomplete"), params)

    ids = {int(row["id"]) for row in response.json()["results"]}
    assert ids == {mine.objects[Patient].pk}


def test_a_staff_user_who_is_not_a_therapist_sees_no_patients(client, mine):
    client.force_login(UserFactory(is_staff=True))

    response = client.get(_url(Patient, "changelist"))

    assert response.status_code == 403


def test_a_therapist_cannot_edit_another_clinics_patient_by_post(client, mine, theirs):
    client.force_login(mine.therapist.user)
    other = theirs.objects[Patient]

    client.post(_url(Patient, "change", other.pk), {"status": Patient.Status.DISCHARGED})

    other.refresh_from_db()
    assert other.status == Patient.Status.ACTIVE


def test_a_therapist_cannot_point_a_patient_at_another_clinics_therapist(client, mine, theirs):
    client.force_login(mine.therapist.user)
    patient = mine.objects[Patient]
    data = {
        "therapist": theirs.therapist.pk,
        "status": patient.status,
        "timezone": patient.timezone,
        "baseline_pain": patient.baseline_pain,
    }

    response = client.post(_url(Patient, "change", patient.pk), data)

    assert response.status_code == 200
    assert "therapist" in response.context["adminform"].form.errors
    patient.refresh_from_db()
    assert patient.therapist == mine.therapist


def test_a_colleague_of_the_same_clinic_is_visible(client, mine):
    colleague = TherapistFactory(clinic=mine.therapist.clinic)
    colleagues_patient = PatientFactory(therapist=colleague)
    client.force_login(mine.therapist.user)

    listed = _listed(client, Patient)

    assert colleagues_patient.pk in listed


def _more_of_the_same_clinic(therapist: Therapist, n: int) -> None:
    colleague = TherapistFactory(clinic=therapist.clinic)
    ProgramTemplate.objects.create(clinic=therapist.clinic, name=f"Extra plan {n}")
    program = WalkingProgramFactory(patient=PatientFactory(therapist=colleague))
    WalkLogFactory(patient=program.patient)
    PainCheckInFactory(patient=program.patient)
    AlertFactory(patient=program.patient)
    LessonAssignmentFactory(patient=program.patient)


def _count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# The clinic list has one row per therapist, so it cannot grow here.
@pytest.mark.parametrize("model", MODELS[1:], ids=lambda m: m.__name__)
def test_every_list_costs_the_same_queries_for_more_rows(client, model, mine):
    client.force_login(mine.therapist.user)
    url = _url(model, "changelist")
    client.get(url)  # warm the content-type cache
    few = _count_queries(client, url)

    for n in range(4):
        _more_of_the_same_clinic(mine.therapist, n)
    many = _count_queries(client, url)

    assert many == few
