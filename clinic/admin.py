"""The therapist's admin: clinics, therapists and the shared clinic-scoping mixin."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property

from clinic import selectors
from clinic.models import Clinic, Therapist

# Foreign keys a therapist may point at, by field name: only their own clinic's rows.
# Their options are labelled with the user's name: the user comes in the same query.
SCOPED_FOREIGN_KEYS: dict[str, Callable[[Any], QuerySet]] = {
    "clinic": selectors.clinics_visible_to,
    "therapist": lambda user: selectors.therapists_visible_to(user).select_related("user"),
    "patient": lambda user: selectors.patients_visible_to(user).select_related("user"),
    "program": selectors.programs_visible_to,
    "template": selectors.program_templates_visible_to,
}


class ClinicScopedAdmin(admin.ModelAdmin):
    """Rows, foreign-key choices and object pages limited to the user's clinic.

    ``visible_to`` is the clinic.selectors gateway for the model. Another clinic's
    object is simply absent, so its URL gets the admin's "doesn't exist" redirect.
    """

    visible_to: Callable[[Any], QuerySet]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # `&` keeps the admin's ordering and select_related and adds the gateway's filter.
        return super().get_queryset(request) & self.visible_to(request.user)

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
