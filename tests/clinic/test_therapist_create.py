from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from clinic.models import Clinic, Therapist
from clinic.services import therapist_create
from tests.factories import ClinicFactory, UserFactory

PASSWORD = "stride-lumbar-meadow-42"


def _create(**overrides):
    values = {
        "username": "ahmed",
        "clinic_name": "Northside Physio",
        "password": PASSWORD,
        "email": "ahmed@example.org",
        "first_name": "Ahmed",
        "last_name": "Khan",
    }
    return therapist_create(**{**values, **overrides})


def _nothing_saved():
    return not get_user_model().objects.exists() and not Clinic.objects.exists()


@pytest.mark.django_db
def test_therapist_create_makes_a_staff_therapist_and_the_clinic():
    therapist = _create(timezone_name="America/New_York")

    user = therapist.user
    assert user.is_staff
    assert not user.is_superuser
    assert user.check_password(PASSWORD)
    assert list(user.groups.values_list("name", flat=True)) == ["Therapists"]
    assert (user.first_name, user.last_name, user.email) == ("Ahmed", "Khan", "ahmed@example.org")
    assert therapist.clinic.name == "Northside Physio"
    assert therapist.clinic.timezone == "America/New_York"


@pytest.mark.django_db
def test_therapist_create_defaults_a_new_clinic_to_utc():
    assert _create().clinic.timezone == "UTC"


@pytest.mark.django_db
def test_therapist_create_joins_an_existing_clinic():
    clinic = ClinicFactory(name="Northside Physio", timezone="Europe/London")

    therapist = _create()

    assert therapist.clinic == clinic
    assert Clinic.objects.count() == 1


@pytest.mark.django_db
def test_therapist_create_rejects_a_taken_username():
    UserFactory(username="Ahmed")

    with pytest.raises(ValidationError) as caught:
        _create()

    assert "username" in caught.value.message_dict
    assert not Therapist.objects.exists()
    assert not Clinic.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("password", ["short", "password123", "12345678901", "ahmedkhan"])
def test_therapist_create_applies_the_password_validators(password):
    with pytest.raises(ValidationError) as caught:
        _create(password=password)

    assert "password" in caught.value.message_dict
    assert _nothing_saved()


@pytest.mark.django_db
def test_therapist_create_rejects_an_unknown_time_zone():
    with pytest.raises(ValidationError) as caught:
        _create(timezone_name="Mars/Olympus_Mons")

    assert "timezone" in caught.value.message_dict
    assert _nothing_saved()


@pytest.mark.django_db
def test_therapist_create_refuses_a_clinic_in_another_time_zone():
    ClinicFactory(name="Northside Physio", timezone="Europe/London")

    with pytest.raises(ValidationError) as caught:
        _create(timezone_name="America/New_York")

    assert "Europe/London" in caught.value.message_dict["timezone"][0]
    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_therapist_create_rejects_an_invalid_username():
    with pytest.raises(ValidationError) as caught:
        _create(username="no spaces allowed")

    assert "username" in caught.value.message_dict
    assert _nothing_saved()


@pytest.mark.django_db
def test_therapist_create_saves_nothing_when_a_late_step_fails(monkeypatch):
    def fail(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(Therapist.objects, "create", fail)

    with pytest.raises(RuntimeError):
        _create()

    assert _nothing_saved()
