"""Admin for the daily watch's records: clinically important responses and check runs.

Imported by programs/admin.py (``from programs import watch_admin  # noqa: F401``);
read-only, and scoped through the one access gateway.
"""

from __future__ import annotations

from django.contrib import admin

from clinic import selectors
from clinic.admin import ClinicScopedAdmin, ReadOnlyAdminMixin
from programs.models import CheckRun, PainResponse


@admin.register(PainResponse)
class PainResponseAdmin(ReadOnlyAdminMixin, ClinicScopedAdmin):
    visible_to = staticmethod(selectors.pain_responses_visible_to)
    list_select_related = ("patient__user",)
    list_display = ("patient", "day", "mean_pain", "baseline_pain", "improvement")
    list_filter = ("day",)
    date_hierarchy = "day"
    search_fields = ("patient__user__first_name", "patient__user__last_name")

    @admin.display(description="Improvement from baseline")
    def improvement(self, obj: PainResponse) -> str:
        return f"{obj.improvement_percent}%"


@admin.register(CheckRun)
class CheckRunAdmin(ReadOnlyAdminMixin, ClinicScopedAdmin):
    visible_to = staticmethod(selectors.check_runs_visible_to)
    list_select_related = ("patient__user",)
    list_display = ("patient", "kind", "day", "checked_at")
    list_filter = ("kind", "day")
    date_hierarchy = "day"
