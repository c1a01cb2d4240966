"""The walk lists' hand-built representation equals what DRF's fields would answer."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from rest_framework import serializers

from programs.api.serializers import WalkSerializer
from tests.factories import WalkLogFactory

pytestmark = pytest.mark.django_db


def drf_representation(walk) -> dict:
    return serializers.ModelSerializer.to_representation(WalkSerializer(), walk)


@pytest.mark.parametrize(
    "zone", ["UTC", "Europe/London", "Asia/Kolkata", "America/St_Johns", "Pacific/Kiritimati"]
)
@pytest.mark.parametrize(
    "started_at",
    [
        datetime(2026, 7, 1, 6, 30, 15, 123456, tzinfo=UTC),  # summer time, microseconds
        datetime(2026, 1, 15, 23, 59, tzinfo=UTC),  # winter, the next local day east
    ],
)
def test_it_equals_drfs_fields_in_every_time_zone(zone, started_at):
    walk = WalkLogFactory(
        started_at=started_at, steps=4321, distance_m=2800, note="Park <loop> & back"
    )
    walk.refresh_from_db()

    with timezone.override(ZoneInfo(zone)):
        assert WalkSerializer(walk).data == drf_representation(walk)


def test_it_equals_drfs_fields_for_an_imported_walk_without_pain_or_steps():
    walk = WalkLogFactory(pain_before=None, pain_after=None, steps=None, distance_m=None)
    walk.refresh_from_db()

    assert WalkSerializer(walk).data == drf_representation(walk)


def test_it_answers_every_field_the_schema_names():
    walk = WalkLogFactory()

    assert list(WalkSerializer(walk).data) == WalkSerializer.Meta.fields
