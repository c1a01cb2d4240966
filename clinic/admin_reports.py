"""Admin for weekly reports: the HTML view, CSV and PDF downloads, scoped to the clinic.

Imported from ClinicConfig.ready() so it stays apart from clinic/admin.py.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html

from clinic.admin import ClinicScopedAdmin
from clinic.audit import audit_record
from clinic.models import PatientReportSettings, WeeklyReport
from clinic.report_render import render_csv, render_html, render_pdf
from clinic.selectors import clinics_visible_to, patient_report_settings_visible_to
from clinic.services import weekly_report_filename


@admin.register(WeeklyReport)
class WeeklyReportAdmin(admin.ModelAdmin):
    list_display = ["__str__", "week_start", "therapist", "generated_at", "sent_at", "links"]
    # RelatedOnly: the filter offers only the clinics the user may see.
    list_filter = [("therapist__clinic", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["therapist__user", "therapist__clinic"]
    search_fields = ["therapist__user__username", "therapist__user__last_name"]
    date_hierarchy = "week_start"
    readonly_fields = ["therapist", "week_start", "generated_at", "sent_at", "links"]
    exclude = ["data", "html"]

    def get_queryset(self, request: HttpRequest):
        # A therapist sees their clinic's reports only; superusers see every clinic.
        # The list does not need the stored figures and HTML, which can be large.
        return (
            super()
            .get_queryset(request)
            .filter(therapist__clinic__in=clinics_visible_to(request.user))
            .defer("data", "html")
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="Report")
    def links(self, obj: WeeklyReport) -> str:
        return format_html(
            '<a href="{}">View</a> · <a href="{}">CSV</a> · <a href="{}">PDF</a>',
            reverse("admin:clinic_weeklyreport_html", args=[obj.pk]),
            reverse("admin:clinic_weeklyreport_csv", args=[obj.pk]),
            reverse("admin:clinic_weeklyreport_pdf", args=[obj.pk]),
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/html/", view(self.html_view), name="clinic_weeklyreport_html"),
            path("<int:pk>/csv/", view(self.csv_view), name="clinic_weeklyreport_csv"),
            path("<int:pk>/pdf/", view(self.pdf_view), name="clinic_weeklyreport_pdf"),
            *super().get_urls(),
        ]

    def _report(self, request: HttpRequest, pk: int, *, action: str, fmt: str) -> WeeklyReport:
        if not self.has_view_permission(request):
            raise Http404
        report = get_object_or_404(self.get_queryset(request).defer(None), pk=pk)
        # One event for the whole report: it shows the therapist's caseload.
        patient_ids = sorted(row["patient_id"] for row in report.data.get("patients", []))
        audit_record(
            request=request,
            action=action,
            obj=report,
            clinic_id=report.therapist.clinic_id,
            detail={"format": fmt, "patient_ids": patient_ids},
        )
        return report

    def html_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = self._report(request, pk, action="view", fmt="html")
        return HttpResponse(report.html or render_html(report.data))

    def csv_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = self._report(request, pk, action="export", fmt="csv")
        response = HttpResponse(render_csv(report.data), content_type="text/csv")
        name = weekly_report_filename(report, "csv")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    def pdf_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = self._report(request, pk, action="export", fmt="pdf")
        pdf = render_pdf(report.html or render_html(report.data))
        response = HttpResponse(pdf, content_type="application/pdf")
        name = weekly_report_filename(report, "pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


@admin.register(PatientReportSettings)
class PatientReportSettingsAdmin(ClinicScopedAdmin):
    visible_to = staticmethod(patient_report_settings_visible_to)
    list_display = ["patient", "weekly_summary_email", "updated_at"]
    list_select_related = ["patient__user"]
    raw_id_fields = ["patient"]
