"""Walks and programs: input serializers (shape and field rules) and output serializers."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clinic.api.exceptions import django_errors_as_drf
from clinic.api.fields import AwareDateTimeField
from clinic.api.serializers import StrictSerializer
from clinic.conf import walkrx_setting
from programs.models import (
    BoosterPrompt,
    Intensity,
    RecurrenceCheckIn,
    TargetChange,
    WalkingProgram,
    WalkLog,
)
from programs.services import validate_walk_started_at


class WalkInSerializer(StrictSerializer):
    started_at = AwareDateTimeField(help_text="When the walk started, with a UTC offset.")
    duration_minutes = serializers.IntegerField(min_value=1, max_value=300)
    kind = serializers.ChoiceField(choices=WalkLog.Kind.choices)
    talk_test = serializers.ChoiceField(
        choices=WalkLog.TalkTest.choices,
        help_text="easy: could chat; brisk: could answer but not chat; breathless: could not talk.",
    )
    pain_before = serializers.IntegerField(min_value=0, max_value=10, help_text="NPRS 0-10.")
    pain_after = serializers.IntegerField(min_value=0, max_value=10, help_text="NPRS 0-10.")
    steps = serializers.IntegerField(
        min_value=0, max_value=100_000, required=False, allow_null=True
    )
    distance_m = serializers.IntegerField(
        min_value=0, max_value=100_000, required=False, allow_null=True
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    def validate_started_at(self, value: datetime) -> datetime:
        patient = self.context["patient"]
        django_errors_as_drf(lambda: validate_walk_started_at(patient=patient, started_at=value))
        return value


class WalkSerializer(serializers.ModelSerializer):
    editable_until = serializers.SerializerMethodField(
        help_text="Until when the walk can be changed or deleted."
    )

    class Meta:
        model = WalkLog
        fields = [
            "id",
            "started_at",
            "local_date",
            "duration_minutes",
            "kind",
            "talk_test",
            "pain_before",
            "pain_after",
            "steps",
            "distance_m",
            "note",
            "created_at",
            "editable_until",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_editable_until(self, walk: WalkLog) -> str:
        until = walk.created_at + walkrx_setting("WALK_EDIT_WINDOW")
        return serializers.DateTimeField().to_representation(until)

    def to_representation(self, walk: WalkLog) -> dict:
        # The walk lists are the portal's busiest reads, and DRF's per-field machinery
        # was a third of their time: the fields are plain, so the dict is built directly.
        # tests/api/test_walk_representation.py holds it equal to DRF's own output.
        zone = timezone.get_current_timezone()
        return {
            "id": walk.id,
            "started_at": _iso_datetime(walk.started_at, zone),
            "local_date": walk.local_date.isoformat(),
            "duration_minutes": walk.duration_minutes,
            "kind": walk.kind,
            "talk_test": walk.talk_test,
            "pain_before": walk.pain_before,
            "pain_after": walk.pain_after,
            "steps": walk.steps,
            "distance_m": walk.distance_m,
            "note": walk.note,
            "created_at": _iso_datetime(walk.created_at, zone),
            "editable_until": _iso_datetime(
                walk.created_at + walkrx_setting("WALK_EDIT_WINDOW"), zone
            ),
        }


def _iso_datetime(value: datetime, zone) -> str:
    """What DRF's DateTimeField answers: ISO 8601 in the active time zone, UTC as "Z"."""
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


PROGRAM_INPUT_FIELDS = (
    "start_date",
    "sessions_per_day",
    "days_per_week",
    "minutes_per_session",
    "increment_minutes",
    "increment_every_days",
    "max_minutes_per_session",
    "indoor_allowed",
)


class ProgramInSerializer(StrictSerializer):
    start_date = serializers.DateField(help_text="The patient's local date the program starts.")
    sessions_per_day = serializers.IntegerField(min_value=1, max_value=6)
    days_per_week = serializers.IntegerField(min_value=1, max_value=7)
    minutes_per_session = serializers.IntegerField(
        min_value=1, max_value=300, help_text="The target per session from now on."
    )
    increment_minutes = serializers.IntegerField(min_value=1, max_value=30)
    increment_every_days = serializers.IntegerField(min_value=1, max_value=60)
    max_minutes_per_session = serializers.IntegerField(min_value=1, max_value=300)
    indoor_allowed = serializers.BooleanField(help_text="Marching in place indoors counts.")
    intensity = serializers.ChoiceField(choices=Intensity.choices, required=False)
    note = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        help_text="Why the target changed (kept in the history).",
    )

    def validate_start_date(self, value):
        program = self.context.get("program")
        if program is not None and value != program.start_date:
            raise serializers.ValidationError(
                f"A current program's start date cannot change (it is {program.start_date})."
            )
        return value


class TargetChangeSerializer(serializers.ModelSerializer):
    reason_display = serializers.CharField(source="get_reason_display")
    changed_at = serializers.DateTimeField(source="created_at")

    class Meta:
        model = TargetChange
        fields = [
            "effective_on",
            "sessions_per_day",
            "minutes_per_session",
            "days_per_week",
            "reason",
            "reason_display",
            "note",
            "changed_at",
        ]


class TodayTargetSerializer(serializers.Serializer):
    date = serializers.DateField()
    sessions_target = serializers.IntegerField()
    minutes_per_session = serializers.IntegerField()


class ProgramSerializer(serializers.ModelSerializer):
    today = TodayTargetSerializer(
        source="today_summary", help_text="Today's target (0 sessions on a day off)."
    )
    history = TargetChangeSerializer(
        many=True, source="history_rows", help_text="Target changes, newest first."
    )

    class Meta:
        model = WalkingProgram
        fields = [
            "id",
            "status",
            *PROGRAM_INPUT_FIELDS,
            "end_date",
            "intensity",
            "progression_locked",
            "progression_paused_for_red_flag",
            "phase",
            "maintenance_started_on",
            "today",
            "history",
        ]


class ProgramSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = WalkingProgram
        fields = [
            "id",
            "status",
            "start_date",
            "sessions_per_day",
            "days_per_week",
            "minutes_per_session",
            "max_minutes_per_session",
            "indoor_allowed",
            "phase",
            "maintenance_started_on",
        ]


class MaintenanceInSerializer(StrictSerializer):
    day = serializers.DateField(
        required=False,
        help_text="The patient's local first day of maintenance (default: their today).",
    )


class RecurrenceCheckInInSerializer(StrictSerializer):
    had_episode = serializers.BooleanField(
        help_text="An episode of back pain that limited your activities for 24 hours or more?"
    )
    episode_started_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Required with an episode."
    )
    sought_care = serializers.BooleanField(default=False, help_text="Did you seek care for it?")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RecurrenceCheckInSerializer(serializers.ModelSerializer):
    class Meta:
        model = RecurrenceCheckIn
        fields = [
            "id",
            "month",
            "had_episode",
            "episode_started_on",
            "sought_care",
            "note",
            "created_at",
        ]
        read_only_fields = fields


class RecurrenceSerializer(serializers.Serializer):
    due = serializers.BooleanField(help_text="In maintenance and not yet answered this month.")
    maintenance_started_on = serializers.DateField(allow_null=True)
    history = RecurrenceCheckInSerializer(many=True, help_text="Newest month first.")


class BoosterPromptSerializer(serializers.ModelSerializer):
    class Meta:
        model = BoosterPrompt
        fields = ["id", "created_on", "reason", "dismissed_at"]
        read_only_fields = fields
