"""seed_demo's maintenance patients: monthly recurrence answers for the clinic curve."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from clinic.demo import demo_data_create
from clinic.models import Clinic
from programs.models import RecurrenceCheckIn, WalkingProgram
from programs.selectors import clinic_recurrence_curve

NOW = datetime(2026, 3, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
def demo(db):
    return demo_data_create(patients=20, days=90, now=NOW)


def test_demo_puts_some_adherent_patients_in_maintenance(demo):
    programs = WalkingProgram.objects.filter(phase=WalkingProgram.Phase.MAINTENANCE)

    assert programs.count() == 4  # positions 0 and 5 of each 10
    for program in programs:
        change = program.target_changes.order_by("-effective_on", "-id").first()
        assert (change.reason, change.effective_on) == (
            "maintenance",
            program.maintenance_started_on,
        )
        assert not program.target_changes.filter(
            effective_on__gt=program.maintenance_started_on
        ).exists()


def test_demo_maintenance_patients_answer_every_month(demo):
    for program in WalkingProgram.objects.filter(phase=WalkingProgram.Phase.MAINTENANCE):
        months = list(
            RecurrenceCheckIn.objects.filter(patient=program.patient).values_list(
                "month", flat=True
            )
        )
        assert min(months) == program.maintenance_started_on.replace(day=1)
        for checkin in RecurrenceCheckIn.objects.filter(patient=program.patient, had_episode=True):
            assert checkin.episode_started_on >= program.maintenance_started_on


def test_the_demo_clinics_have_a_recurrence_curve(demo):
    curves = [clinic_recurrence_curve(clinic=c) for c in Clinic.objects.all()]

    assert sum(c.patients for c in curves) == 4
    assert all(c.points for c in curves if c.patients)
