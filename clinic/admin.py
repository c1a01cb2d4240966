"""The therapist's admin: clinics, therapists and the shared clinic-scoping mixin."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext

from clinic import selectors
from clinic.api.tokens import api_token_revoke
from clinic.audit import audit_event, audit_record, audit_record_many
from clinic.models import ApiToken, AuditEvent, Clinic, Therapist

# Foreign keys a therapist may point at, by field name: only their own clinic's rows.
# Their options are labelled with the user's name: the user comes in the same query.
SCOPED_FOREIGN_KEYS: dict[str, Callable[[Any], QuerySet]] = {
    "clinic": selectors.clinics_visible_to,
    "therapist": lambda user: selectors.therapists_visible_to(user).select_related("user"),
    "patient": lambda user: selectors.patients_visible_to(user).select_related("user"),
    "program": selectors.programs_visible_to,
    "template": selectors.program_templates_visible_to,
    "user": selectors.users_linkable_by,
}


def _is_patient_model(model) -> bool:
    return model._meta.app_label == "patients" and model._meta.model_name == "patient"


def _patient_id_of(obj) -> int | None:
    """The id of the patient an admin row belongs to (itself, or its ``patient``)."""
    return obj.pk if _is_patient_model(type(obj)) else getattr(obj, "patient_id", None)


def _changed_fields(message) -> list[str]:
    """The field names in an admin change message (never values or object names)."""
    names: set[str] = set()
    for item in message if isinstance(message, list) else []:
        for change in item.values():
            names.update(change.get("fields", []))
    return sorted(names)


class AuditedAdminMixin:
    """Records staff reads and writes of patient data in the admin (clinic.audit).

    Change pages: "view"; saves: "create"/"update" with the changed field names;
    deletes and actions: one event per row in one INSERT; changelists: one "list" event.
    Models without a patient (clinics, therapists, templates) are not recorded.
    """

    def _audits_patients(self) -> bool:
        model = self.model
        return _is_patient_model(model) or any(f.name == "patient" for f in model._meta.fields)

    def _record(self, request, action: str, obj, detail: dict | None = None) -> None:
        self._record_rows(request, action, [obj], detail)

    def _record_rows(self, request, action: str, objs, detail: dict | None = None) -> None:
        """One event per row: one query for the patients' clinics, one INSERT."""
        if not self._audits_patients():
            return
        from patients.models import Patient

        objs = list(objs)
        patient_ids = {_patient_id_of(o) for o in objs}
        clinics = dict(Patient.objects.filter(pk__in=patient_ids).values_list("pk", "clinic_id"))
        events = []
        for o in objs:
            event = audit_event(
                request=request, action=action, patient=_patient_id_of(o), obj=o, detail=detail
            )
            event.clinic_id = clinics.get(event.patient_ref, event.clinic_id)
            events.append(event)
        audit_record_many(events)

    def changelist_view(self, request: HttpRequest, extra_context=None):
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None) or {}
        if request.method == "GET" and "cl" in context and self._audits_patients():
            rows = list(context["cl"].result_list)
            ids = sorted({_patient_id_of(r) for r in rows})
            detail = {"count": len(rows), "patient_ids": ids}
            audit_record(
                request=request,
                action="list",
                object_type=self.model._meta.model_name,
                detail=detail,
            )
        return response

    def change_view(self, request: HttpRequest, object_id: str, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        original = (getattr(response, "context_data", None) or {}).get("original")
        if request.method == "GET" and response.status_code == 200 and original is not None:
            self._record(request, "view", original)
        return response

    def log_addition(self, request: HttpRequest, obj, message):
        self._record(request, "create", obj, {"fields": _changed_fields(message)})
        return super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj, message):
        self._record(request, "update", obj, {"fields": _changed_fields(message)})
        return super().log_change(request, obj, message)

    def log_deletions(self, request: HttpRequest, queryset):
        # Called before the rows go, so the events can still point at their patients.
        self._record_rows(request, "delete", list(queryset))
        return super().log_deletions(request, queryset)

    def response_action(self, request: HttpRequest, queryset: QuerySet):
        name = request.POST.get("action", "")
        selected = request.POST.getlist(ACTION_CHECKBOX_NAME)
        every_row = request.POST.get("select_across") == "1"
        if name and name != "delete_selected" and (selected or every_row):
            # The deletion action is recorded row by row by log_deletions() once confirmed.
            rows = queryset if every_row else queryset.filter(pk__in=selected)
            self._record_rows(request, "action", rows, {"action": name})
        return super().response_action(request, queryset)


class ReadOnlyAdminMixin:
    """Viewable, never added, changed or deleted through the admin (the system writes it)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ClinicScopedAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Rows, foreign-key choices and object pages limited to the user's clinic.

    ``visible_to`` is the clinic.selectors gateway for the model. Another clinic's
    object is simply absent, so its URL gets the admin's "doesn't exist" redirect.
    """

    visible_to: Callable[[Any], QuerySet]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # `&` keeps the admin's ordering and select_related and adds the gateway's filter.
        return super().get_queryset(request) & self.visible_to(request.user)

    def action_checkbox(self, obj: Model) -> str:
        """Django's markup for a row's action checkbox, without rendering a form widget's
        template per row: that was a third of a 100-row list's rendering (issue 7).
        Tested equal to Django's."""
        label = format_html(gettext("Select this object for an action - {}"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            ACTION_CHECKBOX_NAME,
            str(obj.pk),
            label,
        )

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        scope = SCOPED_FOREIGN_KEYS.get(db_field.name)
        if scope is not None and "queryset" not in kwargs:
            kwargs["queryset"] = scope(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedInlineMixin:
    """Inline rows and foreign-key choices limited to the user's clinic."""

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        scope = SCOPED_FOREIGN_KEYS.get(db_field.name)
        if scope is not None and "queryset" not in kwargs:
            kwargs["queryset"] = scope(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class CappedCountPaginator(Paginator):
    """Counts at most ``cap`` rows, so a huge table never gets a full COUNT(*).

    Lists longer than the cap show the first cap rows' pages; filters narrow the rest.
    """

    cap = 10_000

    @cached_property
    def count(self) -> int:
        return self.object_list[: self.cap].count()


def is_therapist(request: HttpRequest) -> bool:
    return selectors.therapist_for_user(request.user) is not None


class ReadOnlyForTherapistsMixin:
    """Therapists may look, not change (superusers keep their permissions)."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser and super().has_delete_permission(request, obj)


class OwnClinicViewMixin:
    """Therapists need no model permission to see their own clinic and colleagues."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_therapist(request) or super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        # Other clinics are filtered out of get_queryset(), so obj is always one's own.
        return is_therapist(request) or super().has_view_permission(request, obj)


@admin.register(Clinic)
class ClinicAdmin(OwnClinicViewMixin, ClinicScopedAdmin):
    visible_to = staticmethod(selectors.clinics_visible_to)
    list_display = ["name", "timezone", "created_at"]
    search_fields = ["name"]
    readonly_fields = ["created_at"]


@admin.register(Therapist)
class TherapistAdmin(OwnClinicViewMixin, ClinicScopedAdmin):
    visible_to = staticmethod(selectors.therapists_visible_to)
    list_display = ["display_name", "clinic", "is_clinic_admin", "next_report_at"]
    list_select_related = ["user", "clinic"]
    list_filter = ["is_clinic_admin"]
    search_fields = ["user__first_name", "user__last_name", "user__username", "user__email"]
    autocomplete_fields = ["user"]
    readonly_fields = ["next_report_at"]

    @admin.display(description="Name", ordering="user__last_name")
    def display_name(self, obj: Therapist) -> str:
        return obj.display_name


def is_audit_viewer(request: HttpRequest) -> bool:
    """Superusers and clinic admins may read the audit trail; nobody may change it."""
    if request.user.is_superuser:
        return True
    therapist = selectors.therapist_for_user(request.user)
    return therapist is not None and therapist.is_clinic_admin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only, clinic-scoped; events are removed only by the retention command."""

    list_display = ["at", "actor_username", "actor_role", "action", "object_type", "object_id"]
    list_display += ["patient_ref", "ip_address"]
    list_filter = [
        "action",
        "actor_role",
        ("actor", admin.RelatedOnlyFieldListFilter),
        ("patient", admin.RelatedOnlyFieldListFilter),
        "at",
    ]
    search_fields = ["=patient_ref", "actor_username", "=object_id", "path"]
    date_hierarchy = "at"
    paginator = CappedCountPaginator
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request) & selectors.audit_events_visible_to(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_audit_viewer(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_audit_viewer(request)


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Superusers only, read-only (the hash is never shown); the one change is "revoke"."""

    list_display = ["id", "user", "created_at", "expires_at", "revoked_at", "last_used_at"]
    list_filter = ["revoked_at", "expires_at"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    fields = ["user", "created_at", "expires_at", "revoked_at", "last_used_at"]
    readonly_fields = fields
    actions = ["revoke"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet) -> None:
        if not request.user.is_superuser:  # actions run for viewers only; belt and braces
            return
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            api_token_revoke(token=token)
        self.message_user(request, f"Revoked {len(tokens)} token(s).")
