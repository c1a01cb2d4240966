"""The patient's own data (/me/...), a therapist's patients, and alerts."""

from __future__ import annotations

from django.db.models import F, QuerySet
from django.db.models.expressions import OrderBy
from django.http import Http404
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.generics import ListAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.api.access import (
    PatientLocalTimeMixin,
    requesting_patient,
    requesting_therapist,
    therapist_visible_patient,
)
from clinic.api.audit import AuditedMixin, changed_fields
from clinic.api.filters import (
    IdFilter,
    StrictBooleanFilter,
    StrictQueryParamsFilter,
    check_query_params,
    local_date_range_filters,
    validated_query,
)
from clinic.api.idempotency import idempotent_response
from clinic.api.pagination import StrictCursorPagination, StrictPageNumberPagination
from clinic.api.schema import IDEMPOTENCY_KEY, error_responses
from clinic.selectors import alerts_visible_to, pain_checkins_visible_to, patients_visible_to
from patients.api.serializers import (
    AlertSerializer,
    LessonSerializer,
    MeSerializer,
    MyQuestionnairesSerializer,
    PainCheckInInSerializer,
    PainCheckInSerializer,
    PatientCreateSerializer,
    PatientSerializer,
    PatientUpdateSerializer,
    ProgressQuerySerializer,
    ProgressSerializer,
    QuestionnaireAnswersSerializer,
    QuestionnaireAssignmentSerializer,
    QuestionnaireResultSerializer,
    QuestionnaireResultWithAnswersSerializer,
    QuestionnaireScheduledSerializer,
    QuestionnaireScheduleSerializer,
    RedFlagAnswersSerializer,
    RedFlagQuestionsSerializer,
    RedFlagResultSerializer,
    TodaySerializer,
)
from patients.fhir import bundle_json, patient_bundle
from patients.models import Alert, LessonAssignment, PainCheckIn, Patient
from patients.questionnaires import MEASURES
from patients.redflags import QUESTIONS
from patients.selectors import (
    patient_fhir_data,
    patient_questionnaire_responses,
    questionnaire_definitions,
    questionnaires_due,
)
from patients.services import (
    alert_acknowledge,
    lesson_complete,
    pain_checkin_record,
    patient_create,
    patient_invitation_send,
    patient_today,
    patient_update,
    questionnaire_response_record,
    questionnaire_schedule,
    questionnaires_schedule_defaults,
    red_flag_screen_record,
)
from programs.caseload import (
    caseload_sort_key,
    patients_with_caseload_sort_keys,
    patients_with_caseload_stats,
)
from programs.selectors import current_program, patient_today_summary, patient_weekly_progress

WEEKS = OpenApiParameter(
    "weeks",
    {"type": "integer", "minimum": 1, "maximum": 52},
    description="How many ISO weeks, 1-52 (default 8), ending this week.",
)


class TherapistOnlyMixin:
    """Therapist routes: anyone without a therapist record gets 404, never 403."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        requesting_therapist(request)


# --- The patient's own data ------------------------------------------------


class MeView(PatientLocalTimeMixin, APIView):
    @extend_schema(
        summary="My profile, therapist, time zone and current program",
        responses={200: MeSerializer, **error_responses(404)},
    )
    def get(self, request):
        patient = requesting_patient(request)
        patient = get_object_or_404(
            patients_visible_to(request.user).select_related("user", "clinic", "therapist__user"),
            pk=patient.pk,
        )
        patient.current_program = current_program(patient=patient)
        return Response(MeSerializer(patient).data)


class MyTodayView(PatientLocalTimeMixin, APIView):
    @extend_schema(
        summary="Today's target and what is done (my local today)",
        responses={200: TodaySerializer, **error_responses(404)},
    )
    def get(self, request):
        patient = requesting_patient(request)
        summary = patient_today_summary(patient=patient, today=patient_today(patient=patient))
        return Response(TodaySerializer(summary).data)


class PainFilter(filters.FilterSet):
    locals().update(local_date_range_filters("date"))

    class Meta:
        model = PainCheckIn
        fields = []


class PainCursorPagination(StrictCursorPagination):
    ordering = ("-date", "-id")


class MyPainView(PatientLocalTimeMixin, ListAPIView):
    serializer_class = PainCheckInSerializer
    pagination_class = PainCursorPagination
    filterset_class = PainFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return PainCheckIn.objects.none()
        patient = requesting_patient(self.request)
        return pain_checkins_visible_to(self.request.user).filter(patient=patient)

    @extend_schema(
        summary="My daily pain check-ins, newest first",
        responses={200: PainCheckInSerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Record the day's check-in (a second one for a date replaces the first)",
        parameters=[IDEMPOTENCY_KEY],
        request=PainCheckInInSerializer,
        responses={
            201: PainCheckInSerializer,
            200: PainCheckInSerializer,
            **error_responses(400, 403, 404, 422),
        },
    )
    def post(self, request):
        patient = requesting_patient(request)

        def perform():
            serializer = PainCheckInInSerializer(data=request.data, context={"patient": patient})
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
            checkin, created = pain_checkin_record(
                patient=patient,
                day=data["date"],
                score=data["score"],
                flare_up=data["flare_up"],
                triggers=data["triggers"],
                note=data["note"],
            )
            code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
            return code, PainCheckInSerializer(checkin).data

        return idempotent_response(request, scope="pain.create", perform=perform)


def progress_response(request, patient: Patient) -> Response:
    query = validated_query(request, ProgressQuerySerializer)
    weeks = patient_weekly_progress(
        patient=patient, weeks=query["weeks"], today=patient_today(patient=patient)
    )
    return Response(ProgressSerializer({"weeks": weeks}).data)


class MyProgressView(PatientLocalTimeMixin, APIView):
    @extend_schema(
        summary="My weekly minutes, sessions, adherence and pain, oldest first",
        parameters=[WEEKS],
        responses={200: ProgressSerializer, **error_responses(400, 404)},
    )
    def get(self, request):
        return progress_response(request, requesting_patient(request))


class MyLessonsView(PatientLocalTimeMixin, ListAPIView):
    serializer_class = LessonSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return LessonAssignment.objects.none()
        patient = requesting_patient(self.request)
        return LessonAssignment.objects.filter(patient=patient).select_related("lesson")

    @extend_schema(
        summary="My education lessons",
        responses={200: LessonSerializer(many=True), **error_responses(404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class MyLessonCompleteView(PatientLocalTimeMixin, APIView):
    @extend_schema(
        summary="Mark one of my lessons complete (again: no change)",
        request=None,
        responses={200: LessonSerializer, **error_responses(403, 404)},
    )
    def post(self, request, lesson_id: int):
        patient = requesting_patient(request)
        assignment = get_object_or_404(
            LessonAssignment.objects.filter(patient=patient).select_related("lesson"),
            lesson_id=lesson_id,
        )
        return Response(LessonSerializer(lesson_complete(assignment=assignment)).data)


class MyScreeningView(PatientLocalTimeMixin, APIView):
    @extend_schema(
        summary="The red-flag questions",
        responses={200: RedFlagQuestionsSerializer, **error_responses(404)},
    )
    def get(self, request):
        requesting_patient(request)
        return Response(RedFlagQuestionsSerializer({"questions": QUESTIONS}).data)

    @extend_schema(
        summary="Answer the red-flag screen (any yes alerts the therapist at once)",
        request=RedFlagAnswersSerializer,
        responses={201: RedFlagResultSerializer, **error_responses(400, 403, 404)},
    )
    def post(self, request):
        patient = requesting_patient(request)
        serializer = RedFlagAnswersSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        screen, result = red_flag_screen_record(patient=patient, answers=serializer.validated_data)
        body = {
            "id": screen.id,
            "positive": result.positive,
            "emergency": result.emergency,
            "advice": result.advice,
            "positive_answers": list(result.positive_keys),
            "created_at": screen.created_at,
        }
        return Response(RedFlagResultSerializer(body).data, status=status.HTTP_201_CREATED)


# --- Therapists: their clinic's patients and alerts --------------------------


class PatientFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Patient.Status.choices)
    therapist = IdFilter(field_name="therapist_id", label="Therapist id.")
    has_open_alerts = StrictBooleanFilter(
        method="filter_has_open_alerts", label="Only patients with (or without) open alerts."
    )

    class Meta:
        model = Patient
        fields = []

    def filter_has_open_alerts(self, queryset, name, value):
        return queryset.filter(open_alerts__gt=0) if value else queryset.filter(open_alerts=0)


class CaseloadOrderingFilter(OrderingFilter):
    """Sorts by a caseload column on its sort key (programs.caseload.SORT_KEYS): one
    subquery a row on PostgreSQL, where ordering by the shown annotations took seconds
    over a large clinic. The page's figures are still the annotations'."""

    columns = {
        "adherence_7d": "adherence_ratio",
        "pain_change": "pain_change",
        "open_alerts": "open_alerts",
    }

    def filter_queryset(self, request, queryset: QuerySet, view) -> QuerySet:
        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            return queryset
        if any(term.lstrip("-") in self.columns for term in ordering):
            queryset = patients_with_caseload_sort_keys(queryset)
        return queryset.order_by(*(self._order(term) for term in ordering))

    def _order(self, term: str) -> str | OrderBy:
        name = term.lstrip("-")
        if name not in self.columns:
            return term
        key = caseload_sort_key(self.columns[name])
        return key.desc() if term.startswith("-") else key.asc()


@extend_schema_view(
    list=extend_schema(
        summary="My clinic's patients, with adherence, pain change and open alerts",
        responses={200: PatientSerializer(many=True), **error_responses(400, 404)},
    ),
    retrieve=extend_schema(
        summary="One patient", responses={200: PatientSerializer, **error_responses(404)}
    ),
    create=extend_schema(
        summary="Create a patient (without a password they get an email invitation)",
        request=PatientCreateSerializer,
        responses={201: PatientSerializer, **error_responses(400, 403, 404)},
    ),
    partial_update=extend_schema(
        summary="Change a patient's profile",
        request=PatientUpdateSerializer,
        responses={200: PatientSerializer, **error_responses(400, 403, 404)},
    ),
)
class PatientViewSet(
    AuditedMixin,
    TherapistOnlyMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = PatientSerializer
    pagination_class = StrictPageNumberPagination
    filter_backends = [
        StrictQueryParamsFilter,
        filters.DjangoFilterBackend,
        SearchFilter,
        CaseloadOrderingFilter,
    ]
    filterset_class = PatientFilter
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email"]
    ordering_fields = [
        "user__last_name",
        "created_at",
        "adherence_7d",
        "pain_change",
        "open_alerts",
    ]
    ordering = ["user__last_name", "user__first_name", "id"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    audit_object_type = "patient"

    def get_queryset(self):
        visible = patients_visible_to(self.request.user).select_related("user", "therapist__user")
        # Named as in the API contract, so ?ordering=adherence_7d works too.
        return patients_with_caseload_stats(visible).annotate(
            adherence_7d=F("adherence_ratio"), pain_mean_7d=F("pain_mean")
        )

    def create(self, request, *args, **kwargs):
        therapist = requesting_therapist(request)
        serializer = PatientCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        patient = patient_create(
            therapist=therapist, timezone_name=data.pop("timezone", None), **data
        )
        if not data.get("password"):
            patient_invitation_send(patient=patient, site_url=request.build_absolute_uri("/"))
        fields = changed_fields(serializer.validated_data)
        self.audit("create", patient=patient, obj=patient, detail={"fields": fields})
        body = self.get_serializer(self.get_queryset().get(pk=patient.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)

    def retrieve(self, request, *args, **kwargs):
        patient = self.get_object()
        self.audit("view", patient=patient, obj=patient)
        return Response(self.get_serializer(patient).data)

    def partial_update(self, request, *args, **kwargs):
        patient = self.get_object()
        serializer = PatientUpdateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        patient_update(patient=patient, **serializer.validated_data)
        fields = changed_fields(serializer.validated_data)
        self.audit("update", patient=patient, obj=patient, detail={"fields": fields})
        return Response(self.get_serializer(self.get_queryset().get(pk=patient.pk)).data)


@extend_schema(
    summary="A patient's pain check-ins, newest first (therapists)",
    responses={200: PainCheckInSerializer(many=True), **error_responses(400, 404)},
)
class PatientPainListView(AuditedMixin, ListAPIView):
    serializer_class = PainCheckInSerializer
    audit_object_type = "paincheckin"
    pagination_class = PainCursorPagination
    filterset_class = PainFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return PainCheckIn.objects.none()
        patient = therapist_visible_patient(self.request, self.kwargs["patient_id"])
        self.audit_patient = patient
        return pain_checkins_visible_to(self.request.user).filter(patient=patient)


class PatientProgressView(AuditedMixin, APIView):
    @extend_schema(
        summary="A patient's weekly progress, oldest first (therapists)",
        parameters=[WEEKS],
        responses={200: ProgressSerializer, **error_responses(400, 404)},
    )
    def get(self, request, patient_id: int):
        patient = therapist_visible_patient(request, patient_id)
        self.audit("view", patient=patient, object_type="progress")
        return progress_response(request, patient)


class AlertFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Alert.Status.choices)
    kind = filters.ChoiceFilter(choices=Alert.Kind.choices)
    patient = IdFilter(field_name="patient_id", label="Patient id.")

    class Meta:
        model = Alert
        fields = []


class AlertCursorPagination(StrictCursorPagination):
    ordering = ("-opened_at", "-id")


@extend_schema_view(
    list=extend_schema(
        summary="My clinic's alerts, newest first",
        responses={200: AlertSerializer(many=True), **error_responses(400, 404)},
    ),
    acknowledge=extend_schema(
        summary="Acknowledge an alert (again: no change)",
        request=None,
        responses={200: AlertSerializer, **error_responses(403, 404)},
    ),
)
class AlertViewSet(
    AuditedMixin, TherapistOnlyMixin, mixins.ListModelMixin, viewsets.GenericViewSet
):
    serializer_class = AlertSerializer
    audit_object_type = "alert"
    pagination_class = AlertCursorPagination
    filterset_class = AlertFilter

    def get_queryset(self):
        return alerts_visible_to(self.request.user).select_related("patient__user")

    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        alert = alert_acknowledge(alert=self.get_object(), user=request.user)
        fields = ["acknowledged_at", "acknowledged_by", "status"]
        self.audit("update", patient=alert.patient, obj=alert, detail={"fields": fields})
        return Response(self.get_serializer(alert).data)


# --- FHIR R4 export ----------------------------------------------------------


class FhirJSONRenderer(JSONRenderer):
    """FHIR's JSON media type, for clients that send ``Accept: application/fhir+json``."""

    media_type = "application/fhir+json"
    format = "fhir"


FHIR_BUNDLE = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description=(
        "A FHIR R4 Bundle (type 'collection'): Patient, Practitioner, Organization, CarePlan and "
        "Goal per program, Observations (walks: LOINC 55411-3 duration, 55423-8 steps, 72514-3 "
        "pain before/after; check-ins: 72514-3) and red-flag QuestionnaireResponses."
    ),
)
FHIR_RESPONSES = {
    (200, "application/json"): FHIR_BUNDLE,
    (200, "application/fhir+json"): FHIR_BUNDLE,
}


def fhir_bundle_response(request, patient: Patient) -> Response:
    check_query_params(request, {})
    bundle = patient_bundle(patient_fhir_data(patient=patient))
    return Response(bundle_json(bundle))


class MyFhirView(APIView):
    renderer_classes = [JSONRenderer, FhirJSONRenderer]

    @extend_schema(
        summary="My record as a FHIR R4 Bundle",
        responses={**FHIR_RESPONSES, **error_responses(400, 404)},
    )
    def get(self, request):
        return fhir_bundle_response(request, requesting_patient(request))


class PatientFhirView(APIView):
    renderer_classes = [JSONRenderer, FhirJSONRenderer]

    @extend_schema(
        summary="A patient's record as a FHIR R4 Bundle (therapists)",
        responses={**FHIR_RESPONSES, **error_responses(400, 404)},
    )
    def get(self, request, patient_id: int):
        return fhir_bundle_response(request, therapist_visible_patient(request, patient_id))


# --- Outcome measures (questionnaires) ----------------------------------------


def _assignments_data(assignments) -> list[dict]:
    return QuestionnaireAssignmentSerializer(assignments, many=True).data


class MyQuestionnairesView(PatientLocalTimeMixin, APIView):
    @extend_schema(
        summary="My due and completed questionnaires, with every measure's items",
        responses={200: MyQuestionnairesSerializer, **error_responses(404)},
    )
    def get(self, request):
        patient = requesting_patient(request)
        body = {
            "due": questionnaires_due(patient=patient, today=patient_today(patient=patient)),
            "completed": patient_questionnaire_responses(patient=patient),
            "measures": questionnaire_definitions(clinic_id=patient.clinic_id),
        }
        return Response(MyQuestionnairesSerializer(body).data)


class MyQuestionnaireAnswerView(PatientLocalTimeMixin, APIView):
    @extend_schema(
        summary="Answer a questionnaire: its score, band and change from my first one",
        request=QuestionnaireAnswersSerializer,
        responses={201: QuestionnaireResultSerializer, **error_responses(400, 403, 404)},
    )
    def post(self, request, measure: str):
        patient = requesting_patient(request)
        if measure not in MEASURES:
            raise Http404("No such questionnaire.")
        serializer = QuestionnaireAnswersSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        response = questionnaire_response_record(
            patient=patient, measure=measure, answers=serializer.validated_data["answers"]
        )
        scored = next(
            s for s in patient_questionnaire_responses(patient=patient) if s.response == response
        )
        return Response(QuestionnaireResultSerializer(scored).data, status=status.HTTP_201_CREATED)


class PatientQuestionnairesView(APIView):
    @extend_schema(
        summary="A patient's questionnaire responses, newest first, with change from baseline",
        responses={
            200: QuestionnaireResultWithAnswersSerializer(many=True),
            **error_responses(404),
        },
    )
    def get(self, request, patient_id: int):
        patient = therapist_visible_patient(request, patient_id)
        rows = patient_questionnaire_responses(patient=patient)
        return Response(QuestionnaireResultWithAnswersSerializer(rows, many=True).data)


class PatientQuestionnaireScheduleView(APIView):
    @extend_schema(
        summary="Schedule a measure, or the defaults (baseline, then every 4 weeks)",
        request=QuestionnaireScheduleSerializer,
        responses={201: QuestionnaireScheduledSerializer, **error_responses(400, 403, 404)},
    )
    def post(self, request, patient_id: int):
        patient = therapist_visible_patient(request, patient_id)
        serializer = QuestionnaireScheduleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["defaults"]:
            created = questionnaires_schedule_defaults(patient=patient, start=data.get("start"))
        else:
            _, was_created = questionnaire_schedule(
                patient=patient,
                measure=data["measure"],
                due_on=data["due_on"],
                reason=data["reason"],
            )
            created = int(was_created)
        body = {"created": created, "assignments": patient.questionnaire_assignments.all()}
        return Response(QuestionnaireScheduledSerializer(body).data, status=status.HTTP_201_CREATED)
