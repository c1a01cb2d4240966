from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from programs.models import WalkLog
from programs.services import WalkIn, walk_log_create, walk_log_delete, walk_log_update
from tests.factories import PatientFactory, WalkingProgramFactory, WalkLogFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def walk(**overrides) -> WalkIn:
    values = {
        "started_at": NOW - timedelta(hours=2),
        "duration_minutes": 12,
        "pain_before": 3,
        "pain_after": 2,
    }
    return WalkIn(**{**values, **overrides})


def test_walk_log_create_stores_the_patients_local_date():
    patient = PatientFactory(timezone="Pacific/Auckland")  # UTC+13 in November

    log = walk_log_create(patient=patient, walk=walk(started_at=NOW), now=NOW + timedelta(hours=1))

    assert log.local_date.isoformat() == "2026-11-29"


def test_walk_log_create_links_the_current_program():
    program = WalkingProgramFactory()

    log = walk_log_create(patient=program.patient, walk=walk(), now=NOW)

    assert log.program == program


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": 301}, "duration_minutes"),
        ({"pain_before": 11}, "pain_before"),
        ({"pain_after": -1}, "pain_after"),
        ({"kind": "swimming"}, "kind"),
        ({"talk_test": "shouting"}, "talk_test"),
        ({"started_at": NOW + timedelta(minutes=5)}, "started_at"),
        ({"started_at": NOW - timedelta(days=15)}, "started_at"),
    ],
)
def test_walk_log_create_rejects_bad_input_and_saves_nothing(overrides, field):
    patient = PatientFactory()

    with pytest.raises(ValidationError) as excinfo:
        walk_log_create(patient=patient, walk=walk(**overrides), now=NOW)

    assert field in excinfo.value.message_dict
    assert WalkLog.objects.count() == 0


def test_walk_log_backdating_window_is_configurable(settings):
    settings.WALKRX = {**settings.WALKRX, "WALK_BACKDATE_DAYS": 30}
    patient = PatientFactory()

    log = walk_log_create(patient=patient, walk=walk(started_at=NOW - timedelta(days=20)), now=NOW)

    assert log.pk is not None


def test_walk_log_update_is_refused_after_the_edit_window():
    log = WalkLogFactory()

    with pytest.raises(ValidationError):
        walk_log_update(log=log, walk=walk(), now=log.created_at + timedelta(hours=25))


def test_walk_log_delete_within_the_edit_window():
    log = WalkLogFactory()

    walk_log_delete(log=log, now=log.created_at + timedelta(hours=23))

    assert WalkLog.objects.filter(pk=log.pk).exists() is False
