from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from clinic.management.commands import create_therapist
from clinic.models import Clinic, Therapist
from tests.factories import UserFactory

PASSWORD = "stride-lumbar-meadow-42"


def _run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("create_therapist", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def answers(monkeypatch):
    """Feed getpass() prompts from a list."""
    given: list[str] = []
    monkeypatch.setattr(create_therapist, "getpass", lambda prompt: given.pop(0))
    return given


@pytest.mark.django_db
def test_create_therapist_noinput_reads_the_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("THERAPIST_PASSWORD", PASSWORD)

    out, _ = _run(
        "bea", "--clinic", "Harbour Clinic", "--timezone", "Europe/Dublin", "--noinput",
        "--email", "bea@example.org", "--first-name", "Bea", "--last-name", "Nolan",
    )  # fmt: skip

    therapist = Therapist.objects.select_related("user", "clinic").get()
    assert therapist.user.check_password(PASSWORD)
    assert therapist.user.email == "bea@example.org"
    assert therapist.user.get_full_name() == "Bea Nolan"
    assert therapist.clinic.timezone == "Europe/Dublin"
    assert "Created therapist bea at Harbour Clinic (Europe/Dublin)." in out


@pytest.mark.django_db
def test_create_therapist_noinput_without_the_variable_fails(monkeypatch):
    monkeypatch.delenv("THERAPIST_PASSWORD", raising=False)

    with pytest.raises(CommandError, match="THERAPIST_PASSWORD"):
        _run("bea", "--clinic", "Harbour Clinic", "--noinput")

    assert not Clinic.objects.exists()


@pytest.mark.django_db
def test_create_therapist_prompts_twice_until_the_passwords_match(answers):
    answers.extend(["", PASSWORD, "typo", PASSWORD, PASSWORD])

    _, err = _run("bea", "--clinic", "Harbour Clinic")

    assert "Blank passwords aren't allowed." in err
    assert "Your passwords didn't match." in err
    assert Therapist.objects.get().user.check_password(PASSWORD)
    assert answers == []


@pytest.mark.django_db
def test_create_therapist_rejects_an_existing_username(monkeypatch):
    UserFactory(username="bea")
    monkeypatch.setenv("THERAPIST_PASSWORD", PASSWORD)

    with pytest.raises(CommandError, match="username: A user with that username already"):
        _run("bea", "--clinic", "Harbour Clinic", "--noinput")

    assert not Clinic.objects.exists()


@pytest.mark.django_db
def test_create_therapist_rejects_an_invalid_time_zone(monkeypatch):
    monkeypatch.setenv("THERAPIST_PASSWORD", PASSWORD)

    with pytest.raises(CommandError, match="timezone: 'Europe/Atlantis' is not a known"):
        _run("bea", "--clinic", "Harbour Clinic", "--timezone", "Europe/Atlantis", "--noinput")

    assert not Clinic.objects.exists()


@pytest.mark.django_db
def test_create_therapist_applies_the_password_validators(answers):
    answers.extend(["password", "password"])

    with pytest.raises(CommandError, match=r"password: .*too common"):
        _run("bea", "--clinic", "Harbour Clinic")

    assert not Clinic.objects.exists()


@pytest.mark.django_db
def test_create_therapist_requires_a_clinic():
    with pytest.raises(CommandError, match="--clinic"):
        _run("bea", "--noinput")
