"""Portal forms: they check the shape of what the patient typed; services apply the rules."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from patients.models import PainCheckIn
from patients.redflags import QUESTIONS
from programs.imports import FORMAT_CHOICES
from programs.models import WalkLog
from programs.services import WalkIn

PAIN_CHOICES = [(n, str(n)) for n in range(11)]
YES_NO = [("yes", "Yes"), ("no", "No")]


class PortalForm(forms.Form):
    """Adds the idempotency key and maps service errors onto the fields they concern."""

    # Service error keys that belong to a differently named form field.
    service_field_map: dict[str, str] = {}

    def add_service_errors(self, error: ValidationError) -> None:
        """Show each service message next to its field (or at the top when it has none)."""
        for key, messages in error.message_dict.items():
            field = self.service_field_map.get(key, key)
            self.add_error(field if field in self.fields else None, messages)

    def mark_invalid_fields(self) -> None:
        """Point each invalid input at its error message for screen readers."""
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"{self[name].auto_id}-error"


class IdempotentForm(PortalForm):
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=255, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            # A fresh key per rendered form: a retry of the same submission replays it.
            self.initial.setdefault("idempotency_key", str(uuid.uuid4()))

    def payload(self) -> dict:
        """What identifies this submission (the idempotency fingerprint), without the key."""
        return {k: v for k, v in self.cleaned_data.items() if k != "idempotency_key"}

    def renew_key(self) -> None:
        """Give a bound form a new key (its previous one was already used)."""
        data = self.data.copy()
        data["idempotency_key"] = str(uuid.uuid4())
        self.data = data


class WalkForm(IdempotentForm):
    WHEN_TODAY, WHEN_YESTERDAY = "today", "yesterday"

    duration_minutes = forms.IntegerField(
        label="How many minutes?",
        min_value=1,
        max_value=300,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "input-big"}),
    )
    kind = forms.ChoiceField(
        label="Where?",
        choices=WalkLog.Kind.choices,
        initial=WalkLog.Kind.OUTDOOR,
        widget=forms.RadioSelect,
    )
    talk_test = forms.ChoiceField(
        label="While walking, you...",
        choices=WalkLog.TalkTest.choices,
        initial=WalkLog.TalkTest.BRISK,
        widget=forms.RadioSelect,
    )
    pain_before = forms.TypedChoiceField(
        label="Pain before (0 = none, 10 = worst)",
        choices=PAIN_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    pain_after = forms.TypedChoiceField(
        label="Pain after (0 = none, 10 = worst)",
        choices=PAIN_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    walked_on = forms.ChoiceField(
        label="When?",
        choices=[(WHEN_TODAY, "Today"), (WHEN_YESTERDAY, "Yesterday")],
        initial=WHEN_TODAY,
        widget=forms.RadioSelect,
    )
    start_time = forms.TimeField(
        label="Started at",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )

    service_field_map = {"started_at": "start_time", "non_field_errors": "__all__"}

    def started_at(self, *, today: date, tz_name: str) -> datetime:
        """The aware start instant in the patient's time zone."""
        yesterday = self.cleaned_data["walked_on"] == self.WHEN_YESTERDAY
        day = today - timedelta(days=1) if yesterday else today
        start: time = self.cleaned_data["start_time"]
        return datetime.combine(day, start, tzinfo=ZoneInfo(tz_name))

    def walk_in(self, *, today: date, tz_name: str) -> WalkIn:
        """The walk for programs.services.walk_log_create."""
        data = self.cleaned_data
        return WalkIn(
            started_at=self.started_at(today=today, tz_name=tz_name),
            duration_minutes=data["duration_minutes"],
            kind=data["kind"],
            talk_test=data["talk_test"],
            pain_before=data["pain_before"],
            pain_after=data["pain_after"],
        )


class PainForm(IdempotentForm):
    score = forms.TypedChoiceField(
        label="Your back pain right now (0 = none, 10 = worst)",
        choices=PAIN_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    flare_up = forms.BooleanField(
        label="I am having a flare-up",
        required=False,
        help_text="Pain much worse than usual for you.",
    )
    triggers = forms.MultipleChoiceField(
        label="What might have set it off? (optional)",
        choices=PainCheckIn.Trigger.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label="Anything else? (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    service_field_map = {"date": "__all__", "non_field_errors": "__all__"}


class RedFlagForm(PortalForm):
    """One required yes/no question per red flag (patients.redflags.QUESTIONS)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for question in QUESTIONS:
            self.fields[question.key] = forms.ChoiceField(
                label=question.text,
                choices=YES_NO,
                widget=forms.RadioSelect,
                error_messages={"required": "Answer yes or no."},
            )

    def answers(self) -> dict[str, bool]:
        return {q.key: self.cleaned_data[q.key] == "yes" for q in QUESTIONS}


class QuestionnaireForm(PortalForm):
    """One outcome measure; every item is optional here, the service names what is missing.

    ``definition`` is one entry of patients.selectors.questionnaire_definitions (with the
    clinic's loaded item text). A PSFS activity is two fields: its name and its 0-10 score.
    """

    def __init__(self, *args, definition: dict, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.definition = definition
        for item in definition["items"]:
            key, kind = item["key"], item["kind"]
            if kind == "yes_no":
                choices = YES_NO
            elif item["anchors"] and len(item["anchors"]) == item["max_value"] + 1:
                choices = [(str(n), label) for n, label in enumerate(item["anchors"])]
            else:
                choices = [
                    (str(n), str(n)) for n in range(item["min_value"], item["max_value"] + 1)
                ]
            if kind == "activity":
                self.fields[f"{key}_name"] = forms.CharField(
                    label=f"Activity {key.rsplit('_', 1)[1]}",
                    required=False,
                    max_length=100,
                    help_text="Something your back makes hard to do (leave empty if none).",
                )
            label = "How well can you do it today?" if kind == "activity" else item["text"]
            help_text = item["text"] if kind == "activity" and key == "activity_1" else ""
            self.fields[key] = forms.ChoiceField(
                label=label,
                choices=choices,
                required=False,
                widget=forms.RadioSelect,
                help_text=help_text if kind == "activity" else " · ".join(item["anchors"]),
            )

    def answers(self) -> dict:
        answers: dict = {}
        for item in self.definition["items"]:
            key, value = item["key"], self.cleaned_data.get(item["key"]) or None
            if item["kind"] == "activity":
                name = self.cleaned_data.get(f"{key}_name", "").strip()
                if name or value is not None:
                    answers[key] = {
                        "activity": name,
                        "score": int(value) if value is not None else None,
                    }
            elif value is not None:
                answers[key] = value == "yes" if item["kind"] == "yes_no" else int(value)
        return answers


class RecurrenceForm(IdempotentForm):
    """The monthly maintenance question (WalkBack's activity-limiting recurrence)."""

    had_episode = forms.TypedChoiceField(
        label=(
            "Since your last check-in, have you had an episode of back pain that limited "
            "your activities for 24 hours or more?"
        ),
        choices=YES_NO,
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    episode_started_on = forms.DateField(
        label="When did it start? (if yes)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    sought_care = forms.BooleanField(
        label="I saw a doctor, physiotherapist or other health professional for it",
        required=False,
    )
    note = forms.CharField(
        label="Anything else? (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    service_field_map = {"non_field_errors": "__all__"}


class StepsImportForm(forms.Form):
    """The admin's step-data upload: a file and its format (programs.imports.FORMATS)."""

    format = forms.ChoiceField(choices=FORMAT_CHOICES)
    file = forms.FileField(help_text="Apple Health export.xml, Fitbit JSON/CSV, CSV or FHIR JSON.")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.WALKRX_IMPORT_MAX_MB
        if upload.size > limit * 1024 * 1024:
            raise ValidationError(f"The file is larger than {limit} MB.")
        upload.seek(0)
        return upload
