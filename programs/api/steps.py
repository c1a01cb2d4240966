"""Step data: import a health-app export and read daily step totals."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.api.access import (
    PatientLocalTimeMixin,
    requesting_patient,
    therapist_visible_patient,
)
from clinic.api.filters import validated_query
from clinic.api.schema import error_responses
from clinic.api.serializers import StrictSerializer
from patients.models import Patient
from patients.services import patient_today
from programs.imports import FORMAT_CHOICES
from programs.selectors import daily_step_totals
from programs.services import steps_import

MAX_RANGE_DAYS = 366


class StepsImportInSerializer(StrictSerializer):
    file = serializers.FileField(help_text="The exported file (see README: Step data imports).")
    format = serializers.ChoiceField(choices=FORMAT_CHOICES)

    def validate_file(self, value):
        limit = settings.WALKRX_IMPORT_MAX_MB
        if value.size > limit * 1024 * 1024:
            raise serializers.ValidationError(f"The file is larger than {limit} MB.")
        return value


class ImportResultSerializer(serializers.Serializer):
    days_created = serializers.IntegerField()
    days_updated = serializers.IntegerField()
    walks_created = serializers.IntegerField()
    skipped_duplicates = serializers.IntegerField(help_text="Already imported: unchanged.")
    skipped_out_of_range = serializers.IntegerField(
        help_text="Days or walks in the future or older than the import window."
    )


class DayStepsSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="The patient's local date.")
    steps = serializers.IntegerField(help_text="The largest count of any source (never a sum).")
    sources = serializers.DictField(
        child=serializers.IntegerField(), help_text="Each source's count for the day."
    )


class StepsQuerySerializer(serializers.Serializer):
    from_ = serializers.DateField(required=False)
    to = serializers.DateField(required=False)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields

    def validate(self, attrs):
        if "from" in attrs and "to" in attrs and attrs["from"] > attrs["to"]:
            raise serializers.ValidationError({"to": ["Must not be before 'from'."]})
        return attrs


STEPS_RANGE = [
    OpenApiParameter(
        "from", OpenApiTypes.DATE, description="First local date (default: 29 days before 'to')."
    ),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last local date (default: today)."),
]


def import_response(request, patient: Patient) -> Response:
    serializer = StepsImportInSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    upload = data["file"]
    upload.seek(0)
    result = steps_import(patient=patient, fmt=data["format"], fileobj=upload.file)
    created = result.days_created or result.days_updated or result.walks_created
    code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return Response(ImportResultSerializer(result).data, status=code)


def steps_response(request, patient: Patient) -> Response:
    query = validated_query(request, StepsQuerySerializer)
    end = query.get("to") or patient_today(patient=patient)
    start = query.get("from") or end - timedelta(days=29)
    if (end - start).days >= MAX_RANGE_DAYS:
        raise serializers.ValidationError({"from": [f"At most {MAX_RANGE_DAYS} days at once."]})
    days = daily_step_totals(patient=patient, start=start, end=end)
    return Response(DayStepsSerializer(days, many=True).data)


IMPORT_SCHEMA = {
    "request": {"multipart/form-data": StepsImportInSerializer},
    "responses": {
        200: ImportResultSerializer,
        201: ImportResultSerializer,
        **error_responses(400, 404),
    },
}


class MyStepsImportView(PatientLocalTimeMixin, APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Import my step data (201 if anything was added, 200 if all known)",
        **IMPORT_SCHEMA,
    )
    def post(self, request):
        return import_response(request, requesting_patient(request))


class MyStepsView(PatientLocalTimeMixin, APIView):
    @extend_schema(
        summary="My daily step totals, oldest first",
        parameters=STEPS_RANGE,
        responses={200: DayStepsSerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request):
        return steps_response(request, requesting_patient(request))


class PatientStepsImportView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(summary="Import a patient's step data (therapists)", **IMPORT_SCHEMA)
    def post(self, request, patient_id: int):
        return import_response(request, therapist_visible_patient(request, patient_id))


class PatientStepsView(APIView):
    @extend_schema(
        summary="A patient's daily step totals, oldest first (therapists)",
        parameters=STEPS_RANGE,
        responses={200: DayStepsSerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request, patient_id: int):
        return steps_response(request, therapist_visible_patient(request, patient_id))
