"""Walks and programs: the patient's own (/me/...) and a therapist's view of a patient."""

from __future__ import annotations

from dataclasses import fields as dataclass_fields

from django.http import Http404
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.api.access import (
    PatientLocalTimeMixin,
    requesting_patient,
    requesting_therapist,
    therapist_visible_patient,
)
from clinic.api.audit import AuditedMixin, changed_fields
from clinic.api.filters import local_date_range_filters
from clinic.api.idempotency import idempotent_response
from clinic.api.pagination import StrictCursorPagination
from clinic.api.schema import IDEMPOTENCY_KEY, error_responses
from clinic.selectors import walks_visible_to
from patients.models import Patient
from patients.services import patient_today
from programs.api.serializers import (
    BoosterPromptSerializer,
    MaintenanceInSerializer,
    ProgramInSerializer,
    ProgramSerializer,
    RecurrenceCheckInInSerializer,
    RecurrenceCheckInSerializer,
    RecurrenceSerializer,
    WalkInSerializer,
    WalkSerializer,
)
from programs.models import BoosterPrompt, WalkingProgram, WalkLog
from programs.selectors import (
    current_program,
    patient_booster_prompts,
    patient_recurrence_summary,
    patient_today_summary,
)
from programs.services import (
    WalkIn,
    booster_prompt_dismiss,
    program_prescribe,
    program_start_maintenance,
    program_update,
    recurrence_checkin_record,
    walk_log_create,
    walk_log_delete,
    walk_log_update,
)

WALK_IN_FIELDS = tuple(f.name for f in dataclass_fields(WalkIn))


class WalkFilter(filters.FilterSet):
    locals().update(local_date_range_filters("local_date"))

    class Meta:
        model = WalkLog
        fields = []


class WalkCursorPagination(StrictCursorPagination):
    """Newest first; keyset pages use the index walklog_patient_recent_idx."""

    ordering = ("-started_at", "-id")


@extend_schema_view(
    list=extend_schema(
        summary="My walks, newest first",
        responses={200: WalkSerializer(many=True), **error_responses(400, 404)},
    ),
    retrieve=extend_schema(
        summary="One of my walks", responses={200: WalkSerializer, **error_responses(404)}
    ),
    create=extend_schema(
        summary="Log a walk",
        parameters=[IDEMPOTENCY_KEY],
        request=WalkInSerializer,
        responses={201: WalkSerializer, **error_responses(400, 403, 404, 422)},
    ),
    partial_update=extend_schema(
        summary="Change a walk (within 24 hours of logging)",
        request=WalkInSerializer,
        responses={200: WalkSerializer, **error_responses(400, 403, 404)},
    ),
    destroy=extend_schema(
        summary="Delete a walk (within 24 hours of logging)",
        responses={204: OpenApiResponse(description="Deleted."), **error_responses(400, 403, 404)},
    ),
)
class MyWalkViewSet(
    PatientLocalTimeMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = WalkSerializer
    pagination_class = WalkCursorPagination
    filterset_class = WalkFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return WalkLog.objects.none()
        patient = requesting_patient(self.request)
        return walks_visible_to(self.request.user).filter(patient=patient)

    def create(self, request, *args, **kwargs):
        patient = requesting_patient(request)

        def perform():
            serializer = WalkInSerializer(data=request.data, context={"patient": patient})
            serializer.is_valid(raise_exception=True)
            log = walk_log_create(patient=patient, walk=WalkIn(**serializer.validated_data))
            return status.HTTP_201_CREATED, WalkSerializer(log).data

        return idempotent_response(request, scope="walks.create", perform=perform)

    def partial_update(self, request, *args, **kwargs):
        log = self.get_object()
        serializer = WalkInSerializer(
            data=request.data, partial=True, context={"patient": log.patient}
        )
        serializer.is_valid(raise_exception=True)
        values = {name: getattr(log, name) for name in WALK_IN_FIELDS}
        log = walk_log_update(log=log, walk=WalkIn(**{**values, **serializer.validated_data}))
        return Response(WalkSerializer(log).data)

    def perform_destroy(self, instance):
        walk_log_delete(log=instance)


@extend_schema(
    summary="A patient's walks, newest first (therapists)",
    responses={200: WalkSerializer(many=True), **error_responses(400, 404)},
)
class PatientWalkListView(AuditedMixin, ListAPIView):
    serializer_class = WalkSerializer
    audit_object_type = "walklog"
    pagination_class = WalkCursorPagination
    filterset_class = WalkFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return WalkLog.objects.none()
        patient = therapist_visible_patient(self.request, self.kwargs["patient_id"])
        self.audit_patient = patient
        return walks_visible_to(self.request.user).filter(patient=patient)


def program_with_details(program: WalkingProgram, patient: Patient) -> WalkingProgram:
    """Attach today's target and the change history the ProgramSerializer shows."""
    program.today_summary = patient_today_summary(
        patient=patient, today=patient_today(patient=patient)
    )
    program.history_rows = list(program.target_changes.order_by("-effective_on", "-id"))
    return program


def current_program_or_404(patient: Patient) -> WalkingProgram:
    program = current_program(patient=patient)
    if program is None:
        raise Http404("No program has been prescribed yet.")
    return program


class MyProgramView(PatientLocalTimeMixin, APIView):
    @extend_schema(
        summary="My current program, today's target and its history",
        responses={200: ProgramSerializer, **error_responses(404)},
    )
    def get(self, request):
        patient = requesting_patient(request)
        program = current_program_or_404(patient)
        return Response(ProgramSerializer(program_with_details(program, patient)).data)


class PatientProgramView(AuditedMixin, APIView):
    @extend_schema(
        summary="A patient's current program (therapists)",
        responses={200: ProgramSerializer, **error_responses(404)},
    )
    def get(self, request, patient_id: int):
        patient = therapist_visible_patient(request, patient_id)
        program = current_program_or_404(patient)
        self.audit("view", patient=patient, obj=program)
        return Response(ProgramSerializer(program_with_details(program, patient)).data)

    @extend_schema(
        summary="Prescribe a program (201) or adjust the current one (200)",
        request=ProgramInSerializer,
        responses={
            200: ProgramSerializer,
            201: ProgramSerializer,
            **error_responses(400, 403, 404),
        },
    )
    def put(self, request, patient_id: int):
        therapist = requesting_therapist(request)
        patient = therapist_visible_patient(request, patient_id)
        program = current_program(patient=patient)
        serializer = ProgramInSerializer(data=request.data, context={"program": program})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        before = {name: getattr(program, name, None) for name in data} if program else {}
        note = data.pop("note", "")
        if program is None:
            program = program_prescribe(
                patient=patient, therapist=therapist, changed_by=request.user, **data
            )
            code = status.HTTP_201_CREATED
        else:
            data.pop("start_date")
            program = program_update(program=program, changed_by=request.user, note=note, **data)
            code = status.HTTP_200_OK
        action = "create" if code == status.HTTP_201_CREATED else "update"
        fields = changed_fields(serializer.validated_data, before)
        self.audit(action, patient=patient, obj=program, detail={"fields": fields})
        body = ProgramSerializer(program_with_details(program, patient)).data
        return Response(body, status=code)


# --- maintenance, recurrence check-ins and booster prompts ------------------


class PatientMaintenanceView(APIView):
    @extend_schema(
        summary="Move a patient's current program into maintenance (therapists)",
        request=MaintenanceInSerializer,
        responses={200: ProgramSerializer, **error_responses(400, 403, 404)},
    )
    def post(self, request, patient_id: int):
        patient = therapist_visible_patient(request, patient_id)
        program = current_program_or_404(patient)
        serializer = MaintenanceInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        day = serializer.validated_data.get("day") or patient_today(patient=patient)
        program = program_start_maintenance(program=program, day=day, changed_by=request.user)
        return Response(ProgramSerializer(program_with_details(program, patient)).data)


def recurrence_response(patient: Patient) -> Response:
    summary = patient_recurrence_summary(patient=patient, today=patient_today(patient=patient))
    return Response(RecurrenceSerializer(summary).data)


class MyRecurrenceView(PatientLocalTimeMixin, APIView):
    @extend_schema(
        summary="Whether this month's recurrence check-in is due, and my past answers",
        responses={200: RecurrenceSerializer, **error_responses(404)},
    )
    def get(self, request):
        return recurrence_response(requesting_patient(request))

    @extend_schema(
        summary="Answer this month's recurrence check-in (a second answer replaces the first)",
        parameters=[IDEMPOTENCY_KEY],
        request=RecurrenceCheckInInSerializer,
        responses={
            201: RecurrenceCheckInSerializer,
            200: RecurrenceCheckInSerializer,
            **error_responses(400, 403, 404, 422),
        },
    )
    def post(self, request):
        patient = requesting_patient(request)

        def perform():
            serializer = RecurrenceCheckInInSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            checkin, created = recurrence_checkin_record(
                patient=patient, **serializer.validated_data
            )
            code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
            return code, RecurrenceCheckInSerializer(checkin).data

        return idempotent_response(request, scope="recurrence.create", perform=perform)


class PatientRecurrenceView(APIView):
    @extend_schema(
        summary="A patient's monthly recurrence check-ins (therapists)",
        responses={200: RecurrenceSerializer, **error_responses(404)},
    )
    def get(self, request, patient_id: int):
        return recurrence_response(therapist_visible_patient(request, patient_id))


class MyBoostersView(PatientLocalTimeMixin, APIView):
    @extend_schema(
        summary="My booster prompts, newest first (an open one has no dismissed_at)",
        responses={200: BoosterPromptSerializer(many=True), **error_responses(404)},
    )
    def get(self, request):
        prompts = patient_booster_prompts(patient=requesting_patient(request))
        return Response(BoosterPromptSerializer(prompts, many=True).data)


class MyBoosterDismissView(PatientLocalTimeMixin, APIView):
    @extend_schema(
        summary="Dismiss one of my booster prompts",
        request=None,
        responses={200: BoosterPromptSerializer, **error_responses(403, 404)},
    )
    def post(self, request, pk: int):
        patient = requesting_patient(request)
        prompt = get_object_or_404(BoosterPrompt.objects.filter(patient=patient), pk=pk)
        return Response(BoosterPromptSerializer(booster_prompt_dismiss(prompt=prompt)).data)
