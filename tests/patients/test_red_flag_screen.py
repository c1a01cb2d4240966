from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from patients.models import Alert, RedFlagScreen
from patients.redflags import QUESTION_KEYS, evaluate_screen
from patients.services import red_flag_alert_notify, red_flag_screen_record
from tests.factories import PatientFactory, WalkingProgramFactory

pytestmark = pytest.mark.django_db


def answers(**yes) -> dict[str, bool]:
    return {key: yes.get(key, False) for key in QUESTION_KEYS}


@pytest.mark.parametrize(
    ("yes", "positive", "emergency"),
    [
        ({}, False, False),
        ({"weight_loss": True}, True, False),
        ({"saddle_numbness": True}, True, True),
        ({"bladder_bowel": True, "steroids": True}, True, True),
    ],
)
def test_evaluate_screen(yes, positive, emergency):
    result = evaluate_screen(answers(**yes))

    assert result.positive is positive
    assert result.emergency is emergency


def test_a_clear_screen_opens_no_alert():
    patient = PatientFactory()

    screen, _ = red_flag_screen_record(patient=patient, answers=answers())

    assert screen.positive is False
    assert Alert.objects.count() == 0


def test_a_positive_screen_opens_an_urgent_alert_and_pauses_progression(
    django_capture_on_commit_callbacks,
):
    program = WalkingProgramFactory()

    with django_capture_on_commit_callbacks(execute=True):
        _, result = red_flag_screen_record(
            patient=program.patient, answers=answers(saddle_numbness=True)
        )

    alert = Alert.objects.get()
    program.refresh_from_db()
    assert (alert.kind, alert.severity) == (Alert.Kind.RED_FLAG, Alert.Severity.URGENT)
    assert "emergency" in result.advice.lower()
    assert program.progression_paused_for_red_flag is True
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [program.patient.therapist.user.email]


def test_red_flag_email_goes_out_once():
    program = WalkingProgramFactory()
    red_flag_screen_record(patient=program.patient, answers=answers(fever_unwell=True))
    alert = Alert.objects.get()

    first = red_flag_alert_notify(alert_id=alert.id)
    second = red_flag_alert_notify(alert_id=alert.id)

    assert (first, second) == (True, False)
    assert len(mail.outbox) == 1


def test_an_incomplete_screen_names_each_missing_answer_and_saves_nothing():
    patient = PatientFactory()
    partial = answers()
    del partial["trauma"]
    partial["night_pain"] = "maybe"

    with pytest.raises(ValidationError) as excinfo:
        red_flag_screen_record(patient=patient, answers=partial)

    assert set(excinfo.value.message_dict) == {"trauma", "night_pain"}
    assert RedFlagScreen.objects.count() == 0
