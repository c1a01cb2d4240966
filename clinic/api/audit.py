"""Audit staff access to patient data through the API: one event per successful request."""

from __future__ import annotations

from typing import Any

from django.db import models

from clinic.audit import audit_record
from patients.models import Patient


def patient_ids_of(rows: list[models.Model]) -> list[int]:
    """The distinct patients behind a page of rows (Patients, or rows with a patient_id)."""
    ids = {row.pk if isinstance(row, Patient) else row.patient_id for row in rows}
    return sorted(ids)


class AuditedMixin:
    """Staff views touching patients: the view notes what it did, the response records it.

    Lists record one "list" event with the patient ids on the page. Other handlers call
    ``self.audit(...)``. Nothing is recorded for failed requests (status 400 and above).
    """

    audit_object_type = ""
    audit_patient: Patient | None = None
    _audit_note: dict[str, Any] | None = None
    _audit_page: list | None = None

    def audit(
        self, action: str, *, patient: Any = None, obj=None, detail=None, object_type: str = ""
    ) -> None:
        self._audit_note = {
            "action": action,
            "patient": patient,
            "obj": obj,
            "detail": detail,
            "object_type": object_type or self.audit_object_type,
        }

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self._audit_page = list(page) if page is not None else None
        return page

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        rows = self._audit_page or []
        detail = {"count": len(rows), "patient_ids": patient_ids_of(rows)}
        self.audit("list", patient=self.audit_patient, detail=detail)
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        note = self._audit_note
        if note is not None and response.status_code < 400:
            self._audit_note = None
            audit_record(request=request, **note)
        return response


def changed_fields(data: dict, before: dict | None = None) -> list[str]:
    """The names of the fields a write changed (never their values; no passwords).

    ``before`` holds the old values; without it every field sent counts as changed.
    """
    before = before or {}
    return sorted(
        name
        for name, value in data.items()
        if name != "password" and (name not in before or before[name] != value)
    )
