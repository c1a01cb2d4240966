"""Admin for the daily watch's records: clinically important responses and check runs.

Imported by programs/admin.py (``from programs import watch_admin  # noqa: F401``);
read-only, and scoped through the one access gateway.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.formats import date_format

from clinic import selectors
from clinic.admin import ClinicScopedAdmin, ReadOnlyAdminMixin
from programs.models import CheckRun, PainResponse


@admin.register(PainResponse)
class PainResponseAdmin(ReadOnlyAdminMixin, ClinicScopedAdmin):
    visible_to = staticmethod(selectors.pain_responses_visible_to)
    list_select_related = ("patient__user",)
    list_display = ("patient", "first_day", "until", "mean_pain", "baseline_pain", "improvement")
    list_filter = (("last_day", admin.EmptyFieldListFilter), "first_day")
    date_hierarchy = "first_day"
    search_fields = ("patient__user__first_name", "patient__user__last_name")

    @admin.display(description="Last day", ordering="last_day")
    def until(self, obj: PainResponse) -> str:
        return "still holding" if obj.last_day is None else date_format(obj.last_day)

    @admin.display(description="Improvement from baseline on the first day")
    def improvement(self, obj: PainResponse) -> str:
        return f"{obj.improvement_percent}%"


@admin.register(CheckRun)
class CheckRunAdmin(ReadOnlyAdminMixin, ClinicScopedAdmin):
    visible_to = staticmethod(selectors.check_runs_visible_to)
    list_select_related = ("patient__user",)
    list_display = ("patient", "kind", "day", "previous_day", "checked_at")
    list_filter = ("kind", "day")
    date_hierarchy = "day"
