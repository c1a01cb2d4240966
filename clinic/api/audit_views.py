"""The audit trail for clinic admins: GET /api/v1/audit/ (anyone else: 404)."""

from __future__ import annotations

from django.http import Http404
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView

from clinic.api.filters import IdFilter
from clinic.api.pagination import StrictCursorPagination
from clinic.api.schema import error_responses
from clinic.models import AuditEvent
from clinic.selectors import audit_events_visible_to, therapist_for_user


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "actor",
            "actor_username",
            "actor_role",
            "clinic",
            "patient_ref",
            "action",
            "object_type",
            "object_id",
            "path",
            "method",
            "ip_address",
            "user_agent",
            "detail",
        ]


class AuditEventFilter(filters.FilterSet):
    patient = IdFilter(field_name="patient_ref", label="Patient id.")
    actor = IdFilter(field_name="actor_id", label="Actor's user id.")
    action = filters.ChoiceFilter(choices=AuditEvent.Action.choices)
    locals().update(
        {
            "from": filters.IsoDateTimeFilter(
                field_name="at", lookup_expr="gte", label="At or after (ISO 8601)."
            ),
            "to": filters.IsoDateTimeFilter(
                field_name="at", lookup_expr="lt", label="Before (ISO 8601)."
            ),
        }
    )

    class Meta:
        model = AuditEvent
        fields = []


class AuditCursorPagination(StrictCursorPagination):
    ordering = ("-at", "-id")


@extend_schema(
    tags=["audit"],
    summary="The audit trail of my clinic, newest first (clinic admins)",
    responses={200: AuditEventSerializer(many=True), **error_responses(400, 404)},
)
class AuditEventListView(ListAPIView):
    serializer_class = AuditEventSerializer
    pagination_class = AuditCursorPagination
    filterset_class = AuditEventFilter

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        therapist = therapist_for_user(request.user)
        if not request.user.is_superuser and not (therapist and therapist.is_clinic_admin):
            raise Http404("Not found.")

    def get_queryset(self):
        return audit_events_visible_to(self.request.user)
