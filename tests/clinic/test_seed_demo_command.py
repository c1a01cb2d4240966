from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from clinic.models import Clinic
from patients.models import Patient
from programs.models import WalkLog
from tests.factories import ClinicFactory


def _seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_seed_demo_prints_credentials_and_timing():
    output = _seed("--patients", "8", "--days", "30")

    assert "admin        walkrx-demo  superuser" in output
    assert "therapist1   walkrx-demo" in output
    assert "8 patients (4 adherent, 2 drifting, 1 flaring, 1 indoor)" in output
    assert "Seeded the demo in" in output
    assert Patient.objects.count() == 8


@pytest.mark.django_db
def test_seed_demo_reset_is_idempotent():
    _seed("--patients", "8", "--days", "30")
    walks = WalkLog.objects.count()
    users = get_user_model().objects.count()

    _seed("--patients", "8", "--days", "30", "--reset")
    output = _seed("--patients", "8", "--days", "30", "--reset")

    assert "Deleted the old demo and its 13 users." in output

    assert Clinic.objects.count() == 2
    assert get_user_model().objects.count() == users
    assert WalkLog.objects.count() == walks


@pytest.mark.django_db
def test_seed_demo_without_reset_refuses_to_duplicate():
    _seed("--patients", "2", "--days", "14")

    with pytest.raises(CommandError, match="--reset"):
        _seed("--patients", "2", "--days", "14")


@pytest.mark.django_db
def test_seed_demo_if_empty_skips_when_a_clinic_exists():
    ClinicFactory(name="Real clinic")

    output = _seed("--if-empty", "--patients", "2", "--days", "14")

    assert "leaving the data alone" in output
    assert list(Clinic.objects.values_list("name", flat=True)) == ["Real clinic"]
    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_seed_demo_if_empty_seeds_an_empty_database():
    _seed("--if-empty", "--patients", "2", "--days", "14")

    assert Patient.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--patients", "0"], "--patients must be at least 1"),
        (["--patients", "-5"], "--patients must be at least 1"),
        (["--days", "3"], "--days must be at least 14"),
        (["--patients", "many"], "invalid int value"),
    ],
)
def test_seed_demo_rejects_bad_arguments(args, message):
    with pytest.raises(CommandError, match=message):
        _seed(*args)
    assert not Clinic.objects.exists()
