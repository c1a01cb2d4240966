"""Admin for the daily watch's records: clinically important responses and check runs.

Imported by programs/admin.py (``from programs import watch_admin  # noqa: F401``);
read-only, and scoped through the one access gateway.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from clinic.admin import AuditedAdminMixin
from clinic.selectors import patients_visible_to
from programs.models import CheckRun, PainResponse


class _ReadOnlyScopedAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Rows of the patients the user may see; written only by the daily watch."""

    list_select_related = ("patient__user",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(patient__in=patients_visible_to(request.user))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(PainResponse)
class PainResponseAdmin(_ReadOnlyScopedAdmin):
    list_display = ("patient", "day", "mean_pain", "baseline_pain", "improvement")
    list_filter = ("day",)
    date_hierarchy = "day"
    search_fields = ("patient__user__first_name", "patient__user__last_name")

    @admin.display(description="Improvement from baseline")
    def improvement(self, obj: PainResponse) -> str:
        return f"{obj.improvement_percent}%"


@admin.register(CheckRun)
class CheckRunAdmin(_ReadOnlyScopedAdmin):
    list_display = ("patient", "kind", "day", "created_at")
    list_filter = ("kind", "day")
    date_hierarchy = "day"
