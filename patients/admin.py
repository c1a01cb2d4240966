"""The therapist's admin for patients, pain check-ins, alerts and lessons."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from clinic import selectors
from clinic.admin import (
    CappedCountPaginator,
    ClinicScopedAdmin,
    ReadOnlyForTherapistsMixin,
)
from clinic.audit import audit_record
from patients.forms import StepsImportForm
from patients.models import (
    Alert,
    Lesson,
    LessonAssignment,
    PainCheckIn,
    Patient,
    QuestionnaireAssignment,
    QuestionnaireResponse,
    QuestionnaireText,
)
from patients.questionnaires import MEASURES
from patients.selectors import (
    patient_open_alerts,
    patient_questionnaire_responses,
    patient_recent_checkins,
)
from patients.services import (
    PATIENT_FIELDS,
    alert_acknowledge,
    lessons_assign,
    patient_stratification_override,
    patient_today,
    patient_update,
    questionnaire_schedule,
    questionnaire_text_load,
    questionnaires_schedule_defaults,
)
from programs.caseload import (
    caseload_adherence,
    caseload_sort_key,
    caseload_stats_for_page,
    patients_with_caseload_sort_keys,
    patients_with_open_alert,
)
from programs.selectors import (
    patient_latest_program,
    patient_recent_walks,
    patient_weekly_progress,
    program_history,
)
from programs.services import steps_import

CHART_WEEKS = 8


class CaseloadChangeList(ChangeList):
    """The patient list: the caseload columns are computed for the shown page only."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        caseload_stats_for_page(list(self.result_list))


class TherapistFilter(admin.SimpleListFilter):
    """The user's colleagues only (a plain related filter would list every clinic's)."""

    title = "therapist"
    parameter_name = "therapist"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        therapists = selectors.therapists_visible_to(request.user).select_related("user")
        return [(str(t.pk), t.display_name) for t in therapists]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(therapist_id=self.value()) if self.value() else queryset


class OpenAlertKindFilter(admin.SimpleListFilter):
    title = "open alert"
    parameter_name = "open_alert"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return list(Alert.Kind.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() not in Alert.Kind.values:
            return queryset
        return patients_with_open_alert(queryset, kind=self.value())


@admin.register(Patient)
class PatientAdmin(ClinicScopedAdmin):
    visible_to = staticmethod(selectors.patients_visible_to)
    list_display = [
        "display_name",
        "therapist",
        "current_target",
        "adherence_7d",
        "last_walk_on",
        "pain_7d",
        "pain_change_7d",
        "open_alerts_count",
        "status",
    ]
    list_select_related = ["user", "therapist__user"]
    list_filter = [TherapistFilter, "status", OpenAlertKindFilter]
    search_fields = ["user__first_name", "user__last_name", "user__username", "user__email"]
    fields = [
        "user",
        "clinic",
        "therapist",
        "status",
        "date_of_birth",
        "timezone",
        "baseline_pain",
        "medical_clearance_on",
        "onboarded_at",
        "created_at",
        "risk_group",
        "coaching_every_days",
        "education_intensity",
        "stratification_overridden",
    ]
    readonly_fields = [
        "user",
        "clinic",
        "date_of_birth",
        "onboarded_at",
        "created_at",
        "risk_group",
        "stratification_overridden",
    ]
    actions = ["schedule_default_outcome_measures"]
    change_form_template = "admin/patients/patient/change_form.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Patients are created with their user account by patients.services.patient_create.
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)
        if getattr(request, "walkrx_caseload", False) and request.GET.get(ORDER_VAR):
            # Sorting by a caseload column needs it in SQL for every row; the shown
            # figures still come from CaseloadChangeList (the same figures, tested).
            qs = patients_with_caseload_sort_keys(qs)
        return qs

    def get_changelist(self, request: HttpRequest, **kwargs):
        return CaseloadChangeList

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        # Only the list pays for the caseload columns; change pages and autocomplete don't.
        request.walkrx_caseload = True
        return super().changelist_view(request, extra_context)

    @admin.display(description="Patient", ordering="user__last_name")
    def display_name(self, obj: Patient) -> str:
        return obj.display_name

    @admin.display(description="Current target")
    def current_target(self, obj: Patient) -> str:
        if obj.current_program_id is None:
            return "-"
        text = f"{obj.current_sessions_per_day} x {obj.current_minutes_per_session} min"
        if obj.current_days_per_week < 7:
            text += f", {obj.current_days_per_week} days/wk"
        return text

    @admin.display(description="Adherence 7d", ordering=caseload_sort_key("adherence_ratio"))
    def adherence_7d(self, obj: Patient) -> str:
        percent = caseload_adherence(obj).percent
        return "-" if percent is None else f"{percent}%"

    @admin.display(description="Last walk", ordering=caseload_sort_key("last_walk_on"))
    def last_walk_on(self, obj: Patient):
        return obj.last_walk_on

    @admin.display(description="Pain 7d", ordering=caseload_sort_key("pain_mean"))
    def pain_7d(self, obj: Patient) -> str:
        return "-" if obj.pain_mean is None else f"{obj.pain_mean:.1f}"

    @admin.display(description="Pain change", ordering=caseload_sort_key("pain_change"))
    def pain_change_7d(self, obj: Patient) -> str:
        return "-" if obj.pain_change is None else f"{obj.pain_change:+.1f}"

    @admin.display(description="Open alerts", ordering=caseload_sort_key("open_alerts"))
    def open_alerts_count(self, obj: Patient) -> int:
        return obj.open_alerts

    def save_model(self, request: HttpRequest, obj: Patient, form, change: bool) -> None:
        changed = {f: form.cleaned_data[f] for f in form.changed_data if f in PATIENT_FIELDS}
        patient = patient_update(patient=Patient.objects.get(pk=obj.pk), **changed)
        care = ("coaching_every_days", "education_intensity")
        if any(f in form.changed_data for f in care) and form.cleaned_data[care[0]] is not None:
            # A therapist's choice: STarT Back no longer changes these (the override flag).
            patient_stratification_override(
                patient=patient,
                coaching_every_days=form.cleaned_data["coaching_every_days"],
                education_intensity=form.cleaned_data["education_intensity"],
            )

    @admin.action(
        description="Schedule default outcome measures (baseline, every 4 weeks)",
        permissions=["change"],
    )
    def schedule_default_outcome_measures(
        self, request: HttpRequest, queryset: QuerySet[Patient]
    ) -> None:
        created = sum(questionnaires_schedule_defaults(patient=patient) for patient in queryset)
        self.message_user(request, f"Scheduled {created} questionnaire(s).", messages.SUCCESS)

    def change_view(self, request: HttpRequest, object_id: str, form_url="", extra_context=None):
        patient = self.get_object(request, object_id)
        if patient is not None:
            extra_context = {**(extra_context or {}), **self._care_context(request, patient)}
        return super().change_view(request, object_id, form_url, extra_context)

    def _care_context(self, request: HttpRequest, patient: Patient) -> dict:
        program = patient_latest_program(patient=patient)
        chart = patient_weekly_progress(
            patient=patient, weeks=CHART_WEEKS, today=patient_today(patient=patient)
        )
        return {
            "program": program,
            "program_history": program_history(program=program) if program else [],
            "recent_walks": patient_recent_walks(patient=patient),
            "recent_checkins": patient_recent_checkins(patient=patient),
            "open_alerts": patient_open_alerts(patient=patient),
            "questionnaire_responses": patient_questionnaire_responses(patient=patient),
            "can_acknowledge": self.admin_site.get_model_admin(Alert).has_change_permission(
                request
            ),
            "chart_data": {
                "labels": [p.week_start.isoformat() for p in chart],
                "minutes": [p.minutes for p in chart],
                "target_minutes": [p.target_minutes for p in chart],
                "pain_mean": [p.pain_mean for p in chart],
                "steps": [p.steps for p in chart],
            },
        }

    def get_urls(self):
        view = self.admin_site.admin_view(self.acknowledge_alert_view)
        return [
            path(
                "<path:object_id>/alerts/<int:alert_id>/acknowledge/",
                view,
                name="patients_patient_acknowledge_alert",
            ),
            path(
                "<path:object_id>/import-steps/",
                self.admin_site.admin_view(self.import_steps_view),
                name="patients_patient_import_steps",
            ),
            *super().get_urls(),
        ]

    def import_steps_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Upload a phone's or watch's step-data export for the patient (steps_import)."""
        patient = self.get_object(request, object_id)
        if patient is None or not self.has_change_permission(request, patient):
            raise Http404
        form = StepsImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                result = steps_import(
                    patient=patient,
                    fmt=form.cleaned_data["format"],
                    fileobj=form.cleaned_data["file"].file,
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                self.message_user(
                    request,
                    f"Imported: {result.days_created} new days, {result.days_updated} updated, "
                    f"{result.walks_created} walks; {result.skipped_duplicates} already there, "
                    f"{result.skipped_out_of_range} out of range.",
                )
                change_url = reverse("admin:patients_patient_change", args=[patient.pk])
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Import step data for {patient}",
            "opts": self.opts,
            "original": patient,
            "form": form,
        }
        return TemplateResponse(request, "admin/patients/patient/import_steps.html", context)

    def acknowledge_alert_view(
        self, request: HttpRequest, object_id: str, alert_id: int
    ) -> HttpResponse:
        """POST: acknowledge one of the patient's open alerts, then back to the patient."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.admin_site.get_model_admin(Alert).has_change_permission(request):
            raise Http404
        alert = get_object_or_404(
            selectors.alerts_visible_to(request.user), pk=alert_id, patient_id=object_id
        )
        alert_acknowledge(alert=alert, user=request.user)
        fields = ["acknowledged_at", "acknowledged_by", "status"]
        audit_record(
            request=request,
            action="update",
            patient=alert.patient,
            obj=alert,
            detail={"fields": fields},
        )
        self.message_user(request, f"Acknowledged: {alert.get_kind_display()}.")
        return HttpResponseRedirect(reverse("admin:patients_patient_change", args=[object_id]))


@admin.register(Alert)
class AlertAdmin(ClinicScopedAdmin):
    visible_to = staticmethod(selectors.alerts_visible_to)
    list_display = ["patient", "kind", "severity", "status", "opened_at", "acknowledged_by"]
    list_select_related = ["patient__user", "acknowledged_by"]
    list_filter = ["kind", "status", "severity"]
    search_fields = ["patient__user__first_name", "patient__user__last_name", "message"]
    actions = ["acknowledge"]
    readonly_fields = [
        "patient",
        "kind",
        "severity",
        "status",
        "message",
        "opened_at",
        "acknowledged_at",
        "acknowledged_by",
        "resolved_at",
        "resolution",
        "notified_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Alerts are opened by the daily watch and by red-flag screens, never by hand.
        return False

    @admin.action(description="Acknowledge the selected alerts", permissions=["change"])
    def acknowledge(self, request: HttpRequest, queryset: QuerySet[Alert]) -> None:
        alerts = list(queryset.filter(status=Alert.Status.OPEN))
        for alert in alerts:
            alert_acknowledge(alert=alert, user=request.user)
        self.message_user(request, f"Acknowledged {len(alerts)} alert(s).", messages.SUCCESS)


@admin.register(PainCheckIn)
class PainCheckInAdmin(ReadOnlyForTherapistsMixin, ClinicScopedAdmin):
    visible_to = staticmethod(selectors.pain_checkins_visible_to)
    list_display = ["patient", "date", "score", "flare_up", "triggers"]
    list_select_related = ["patient__user"]
    list_filter = ["flare_up"]
    search_fields = ["patient__user__first_name", "patient__user__last_name"]
    show_full_result_count = False
    paginator = CappedCountPaginator


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = ["title", "topic", "order"]
    list_filter = ["topic"]
    search_fields = ["title", "summary"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(LessonAssignment)
class LessonAssignmentAdmin(ClinicScopedAdmin):
    visible_to = staticmethod(selectors.lesson_assignments_visible_to)
    list_display = ["lesson", "patient", "assigned_at", "completed_at"]
    list_select_related = ["lesson", "patient__user"]
    list_filter = ["lesson"]
    search_fields = ["patient__user__first_name", "patient__user__last_name", "lesson__title"]
    autocomplete_fields = ["patient", "lesson"]
    readonly_fields = ["assigned_at", "completed_at"]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        # An assignment is made once; only the patient completes it.
        return self.readonly_fields + (["patient", "lesson"] if obj else [])

    def save_model(self, request: HttpRequest, obj: LessonAssignment, form, change: bool) -> None:
        if not change:
            lessons_assign(patient=obj.patient, lessons=[obj.lesson])
            obj.pk = LessonAssignment.objects.get(patient=obj.patient, lesson=obj.lesson).pk


@admin.register(QuestionnaireResponse)
class QuestionnaireResponseAdmin(ReadOnlyForTherapistsMixin, ClinicScopedAdmin):
    visible_to = staticmethod(selectors.questionnaire_responses_visible_to)
    list_display = ["patient", "measure", "answered_on", "score", "band", "items_answered"]
    list_select_related = ["patient__user"]
    list_filter = ["measure", "band"]
    search_fields = ["patient__user__first_name", "patient__user__last_name"]
    readonly_fields = [
        "patient",
        "measure",
        "answered_on",
        "answers",
        "score",
        "band",
        "subscale",
        "items_answered",
        "created_at",
    ]


@admin.register(QuestionnaireAssignment)
class QuestionnaireAssignmentAdmin(ClinicScopedAdmin):
    visible_to = staticmethod(selectors.questionnaire_assignments_visible_to)
    list_display = ["patient", "measure", "due_on", "reason", "response"]
    list_select_related = ["patient__user", "response"]
    list_filter = ["measure", "reason"]
    search_fields = ["patient__user__first_name", "patient__user__last_name"]
    autocomplete_fields = ["patient"]
    fields = ["patient", "measure", "due_on", "reason", "response"]
    readonly_fields = ["response"]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        # Answering completes an assignment; the therapist schedules, never edits one.
        return self.readonly_fields + (["patient", "measure", "reason"] if obj else [])

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        if change:
            obj.save(update_fields=["due_on"])
            return
        assignment, _ = questionnaire_schedule(
            patient=obj.patient, measure=obj.measure, due_on=obj.due_on, reason=obj.reason
        )
        obj.pk = assignment.pk


class QuestionnaireTextForm(forms.ModelForm):
    class Meta:
        model = QuestionnaireText
        fields = ["clinic", "measure", "item_key", "text"]

    def clean(self):
        data = super().clean()
        measure = MEASURES.get(data.get("measure"))
        if measure is not None and data.get("item_key") not in measure.item_keys:
            self.add_error("item_key", f"Expected one of {', '.join(measure.item_keys)}.")
        return data


@admin.register(QuestionnaireText)
class QuestionnaireTextAdmin(ClinicScopedAdmin):
    """A clinic's licensed item wording (also: manage.py load_questionnaire_text)."""

    form = QuestionnaireTextForm
    visible_to = staticmethod(selectors.questionnaire_texts_visible_to)
    list_display = ["clinic", "measure", "item_key", "text"]
    list_filter = ["measure"]
    search_fields = ["item_key", "text"]
    fields = ["clinic", "measure", "item_key", "text"]

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        if change and {"clinic", "measure", "item_key"} & set(form.changed_data):
            QuestionnaireText.objects.filter(pk=obj.pk).delete()
        questionnaire_text_load(
            clinic=obj.clinic, measure=obj.measure, texts={obj.item_key: obj.text}
        )
        obj.pk = QuestionnaireText.objects.get(
            clinic=obj.clinic, measure=obj.measure, item_key=obj.item_key
        ).pk
