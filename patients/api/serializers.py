"""Patients, pain, progress, lessons, screening and alerts: input and output serializers."""

from __future__ import annotations

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from clinic.api.exceptions import django_errors_as_drf
from clinic.api.fields import TimezoneField
from clinic.api.serializers import StrictSerializer
from clinic.models import Therapist
from clinic.selectors import therapists_visible_to
from patients.models import (
    Alert,
    Lesson,
    LessonAssignment,
    PainCheckIn,
    Patient,
    QuestionnaireAssignment,
)
from patients.questionnaires import MEASURE_CHOICES
from patients.redflags import QUESTIONS
from patients.services import validate_patient_day
from programs.api.serializers import ProgramSummarySerializer


class MeSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")
    first_name = serializers.CharField(source="user.first_name")
    last_name = serializers.CharField(source="user.last_name")
    email = serializers.EmailField(source="user.email")
    therapist_name = serializers.CharField(source="therapist.display_name")
    clinic_name = serializers.CharField(source="clinic.name")
    program = ProgramSummarySerializer(
        source="current_program", allow_null=True, help_text="The current program, if any."
    )

    class Meta:
        model = Patient
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "date_of_birth",
            "timezone",
            "baseline_pain",
            "status",
            "therapist_name",
            "clinic_name",
            "program",
        ]


class TodaySerializer(serializers.Serializer):
    date = serializers.DateField(help_text="The patient's local date.")
    sessions_target = serializers.IntegerField()
    minutes_per_session = serializers.IntegerField()
    sessions_done = serializers.IntegerField()
    minutes_done = serializers.IntegerField()


class PainCheckInInSerializer(StrictSerializer):
    date = serializers.DateField(help_text="The patient's local date (YYYY-MM-DD).")
    score = serializers.IntegerField(min_value=0, max_value=10, help_text="NPRS 0-10.")
    flare_up = serializers.BooleanField(default=False)
    triggers = serializers.ListField(
        child=serializers.ChoiceField(choices=PainCheckIn.Trigger.choices),
        default=list,
        max_length=len(PainCheckIn.Trigger.choices),
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    def validate_date(self, value):
        patient = self.context["patient"]
        django_errors_as_drf(lambda: validate_patient_day(patient=patient, day=value, field="date"))
        return value


class PainCheckInSerializer(serializers.ModelSerializer):
    triggers = serializers.ListField(
        child=serializers.ChoiceField(choices=PainCheckIn.Trigger.choices)
    )

    class Meta:
        model = PainCheckIn
        fields = ["id", "date", "score", "flare_up", "triggers", "note", "created_at", "updated_at"]
        read_only_fields = fields


class ProgressQuerySerializer(serializers.Serializer):
    weeks = serializers.IntegerField(min_value=1, max_value=52, default=8)


class WeekProgressSerializer(serializers.Serializer):
    week_start = serializers.DateField(help_text="The Monday of the week (local date).")
    minutes = serializers.IntegerField()
    target_minutes = serializers.IntegerField()
    sessions = serializers.IntegerField()
    target_sessions = serializers.IntegerField()
    adherence = serializers.FloatField(
        allow_null=True, help_text="Sessions done / prescribed, 0-1; null with nothing prescribed."
    )
    pain_mean = serializers.FloatField(allow_null=True, help_text="Mean NPRS of the week.")
    steps = serializers.IntegerField(
        help_text="Imported daily steps of the week (per day the largest source, never a sum)."
    )


class ProgressSerializer(serializers.Serializer):
    weeks = WeekProgressSerializer(many=True, help_text="Oldest first.")


class LessonSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="lesson.id", help_text="The lesson's id.")
    slug = serializers.SlugField(source="lesson.slug")
    title = serializers.CharField(source="lesson.title")
    topic = serializers.ChoiceField(source="lesson.topic", choices=Lesson.Topic.choices)
    summary = serializers.CharField(source="lesson.summary")
    body = serializers.CharField(source="lesson.body")

    class Meta:
        model = LessonAssignment
        fields = ["id", "slug", "title", "topic", "summary", "body", "assigned_at", "completed_at"]


class RedFlagQuestionSerializer(serializers.Serializer):
    key = serializers.CharField()
    text = serializers.CharField()
    emergency = serializers.BooleanField(help_text="A 'yes' is a same-day emergency.")


class RedFlagQuestionsSerializer(serializers.Serializer):
    questions = RedFlagQuestionSerializer(many=True)


RedFlagAnswersSerializer = type(
    "RedFlagAnswersSerializer",
    (StrictSerializer,),
    {
        "__doc__": "One yes (true) or no (false) per question; every question is required.",
        **{q.key: serializers.BooleanField(help_text=q.text) for q in QUESTIONS},
    },
)


class RedFlagResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    positive = serializers.BooleanField(help_text="Any 'yes': see a doctor.")
    emergency = serializers.BooleanField(help_text="A cauda equina sign: emergency care now.")
    advice = serializers.CharField(help_text="What to tell the patient, verbatim.")
    positive_answers = serializers.ListField(child=serializers.CharField())
    created_at = serializers.DateTimeField()


class PatientSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")
    first_name = serializers.CharField(source="user.first_name")
    last_name = serializers.CharField(source="user.last_name")
    email = serializers.EmailField(source="user.email")
    therapist_name = serializers.CharField(source="therapist.display_name")
    adherence_7d = serializers.FloatField(
        allow_null=True,
        help_text="Sessions done / prescribed over the last 7 days, 0-1 (null: none prescribed).",
    )
    pain_mean_7d = serializers.FloatField(
        allow_null=True, help_text="Mean NPRS over the last 7 days."
    )
    pain_change = serializers.FloatField(
        allow_null=True,
        help_text="pain_mean_7d minus the mean of the 7 days before (negative is better).",
    )
    last_walk_on = serializers.DateField(allow_null=True, help_text="Local date of the last walk.")
    open_alerts = serializers.IntegerField()

    class Meta:
        model = Patient
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "date_of_birth",
            "timezone",
            "baseline_pain",
            "status",
            "medical_clearance_on",
            "therapist",
            "therapist_name",
            "created_at",
            "adherence_7d",
            "pain_mean_7d",
            "pain_change",
            "open_alerts",
            "last_walk_on",
        ]


class PatientCreateSerializer(StrictSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        write_only=True,
        help_text="Leave out to email the patient a link to set their own password.",
    )
    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150)
    email = serializers.EmailField()
    date_of_birth = serializers.DateField()
    baseline_pain = serializers.IntegerField(min_value=0, max_value=10)
    timezone = TimezoneField(
        required=False, max_length=64, help_text="IANA name; defaults to the clinic's."
    )
    medical_clearance_on = serializers.DateField(required=False, allow_null=True)

    def validate(self, attrs):
        password = attrs.get("password")
        if password:
            user = get_user_model()(
                username=attrs["username"],
                first_name=attrs["first_name"],
                last_name=attrs["last_name"],
                email=attrs["email"],
            )
            try:
                password_validation.validate_password(password, user)
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"password": exc.messages}) from exc
        return attrs


class PatientUpdateSerializer(StrictSerializer):
    first_name = serializers.CharField(max_length=150, required=False)
    last_name = serializers.CharField(max_length=150, required=False)
    email = serializers.EmailField(required=False)
    date_of_birth = serializers.DateField(required=False)
    baseline_pain = serializers.IntegerField(min_value=0, max_value=10, required=False)
    timezone = TimezoneField(max_length=64, required=False)
    status = serializers.ChoiceField(choices=Patient.Status.choices, required=False)
    medical_clearance_on = serializers.DateField(required=False, allow_null=True)
    therapist = serializers.PrimaryKeyRelatedField(
        queryset=Therapist.objects.none(),  # the caller's clinic, set in __init__
        required=False,
        help_text="A therapist of the same clinic.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["therapist"].queryset = therapists_visible_to(request.user)


class AlertSerializer(serializers.ModelSerializer):
    patient_name = serializers.CharField(source="patient.display_name")

    class Meta:
        model = Alert
        fields = [
            "id",
            "patient",
            "patient_name",
            "kind",
            "severity",
            "message",
            "opened_at",
            "status",
            "acknowledged_at",
        ]
        read_only_fields = fields


# --- Outcome measures ---------------------------------------------------------


class QuestionnaireItemSerializer(serializers.Serializer):
    key = serializers.CharField()
    text = serializers.CharField(
        help_text="The clinic's loaded (licensed) text, else the shipped prompt."
    )
    kind = serializers.ChoiceField(
        choices=["scale", "yes_no", "activity"],
        help_text='scale: whole number min..max; yes_no: true/false; activity: {"activity": '
        'name, "score": 0-10}.',
    )
    min_value = serializers.IntegerField()
    max_value = serializers.IntegerField()
    required = serializers.BooleanField()
    anchors = serializers.ListField(child=serializers.CharField())


class QuestionnaireMeasureSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    lower_is_better = serializers.BooleanField()
    mcid_points = serializers.FloatField(allow_null=True)
    mcid_percent = serializers.FloatField(allow_null=True)
    items = QuestionnaireItemSerializer(many=True)


class QuestionnaireAssignmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    measure = serializers.CharField()
    due_on = serializers.DateField(help_text="The patient's local date.")
    reason = serializers.CharField()
    response_id = serializers.IntegerField(allow_null=True)


class QuestionnaireResultSerializer(serializers.Serializer):
    """A response with its change from the patient's first response of the measure."""

    id = serializers.IntegerField(source="response.id")
    measure = serializers.CharField(source="response.measure")
    answered_on = serializers.DateField(source="response.answered_on")
    score = serializers.FloatField(source="response.score")
    band = serializers.CharField(source="response.band", help_text="Band or risk group.")
    subscale = serializers.IntegerField(source="response.subscale", allow_null=True)
    items_answered = serializers.IntegerField(source="response.items_answered")
    baseline_score = serializers.FloatField()
    change = serializers.FloatField(source="change.change", help_text="Score minus baseline.")
    improved = serializers.BooleanField(source="change.improved")
    crossed_mcid = serializers.BooleanField(
        source="change.crossed_mcid",
        help_text="The change from baseline reaches the MCID (better or worse).",
    )
    created_at = serializers.DateTimeField(source="response.created_at")


class QuestionnaireResultWithAnswersSerializer(QuestionnaireResultSerializer):
    answers = serializers.JSONField(source="response.answers")


class MyQuestionnairesSerializer(serializers.Serializer):
    due = QuestionnaireAssignmentSerializer(many=True, help_text="Open, due by today.")
    completed = QuestionnaireResultSerializer(many=True, help_text="Newest first.")
    measures = QuestionnaireMeasureSerializer(many=True)


class QuestionnaireAnswersSerializer(StrictSerializer):
    answers = serializers.DictField(
        help_text="Item key -> answer (see the measure's items); unanswered optional items "
        "may be left out."
    )


class QuestionnaireScheduleSerializer(StrictSerializer):
    defaults = serializers.BooleanField(
        default=False,
        help_text="Schedule the defaults (baseline, every 4 weeks); ignores measure/due_on.",
    )
    start = serializers.DateField(
        required=False, help_text="With defaults: the baseline date (default today)."
    )
    measure = serializers.ChoiceField(choices=MEASURE_CHOICES, required=False)
    due_on = serializers.DateField(required=False)
    reason = serializers.ChoiceField(
        choices=QuestionnaireAssignment.Reason.choices,
        default=QuestionnaireAssignment.Reason.INTERVAL,
    )

    def validate(self, attrs):
        if not attrs["defaults"]:
            missing = {
                f: ["This field is required."] for f in ("measure", "due_on") if f not in attrs
            }
            if missing:
                raise serializers.ValidationError(missing)
        return attrs


class QuestionnaireScheduledSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    assignments = QuestionnaireAssignmentSerializer(many=True, help_text="All, by due date.")
