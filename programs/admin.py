"""The therapist's admin for programs, templates and walks."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminDateWidget, AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from clinic import selectors
from clinic.admin import (
    CappedCountPaginator,
    ClinicScopedAdmin,
    ReadOnlyForTherapistsMixin,
    ScopedInlineMixin,
)
from patients.models import Patient
from patients.services import patient_today
from programs.models import (
    ProgramTemplate,
    RecurrenceCheckIn,
    TargetChange,
    WalkingProgram,
    WalkLog,
)
from programs.selectors import patient_recurrence_checkins
from programs.services import (
    PROGRAM_FIELDS,
    program_clear_red_flag_pause,
    program_prescribe,
    program_start_maintenance,
    program_update,
)

PROGRAM_EDITABLE_FIELDS = (*PROGRAM_FIELDS, "end_date", "status", "progression_locked")


class ProgramPrescribeForm(forms.Form):
    """The short prescription form: patient, template, start date; the template fills the rest."""

    patient = forms.ModelChoiceField(queryset=Patient.objects.none())
    template = forms.ModelChoiceField(queryset=ProgramTemplate.objects.none())
    start_date = forms.DateField(widget=AdminDateWidget)
    minutes_per_session = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=300,
        help_text="Leave empty to start at the template's minutes per session.",
    )
    end_date = forms.DateField(required=False, widget=AdminDateWidget)

    def __init__(self, *args, request: HttpRequest, admin_site: admin.AdminSite, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["patient"].widget = AutocompleteSelect(
            WalkingProgram._meta.get_field("patient"), admin_site
        )
        # Setting the queryset after the widget also gives the widget its choices.
        self.fields["patient"].queryset = selectors.patients_visible_to(request.user)
        self.fields["template"].queryset = selectors.program_templates_visible_to(request.user)
        self.fields["start_date"].initial = timezone.localdate

    def add_service_errors(self, exc: ValidationError) -> None:
        """Show a service's ValidationError on the matching fields (others on top)."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc.messages)
            return
        for field, errors in exc.message_dict.items():
            self.add_error(field if field in self.fields else None, errors)


class ProgramChangeForm(forms.ModelForm):
    change_note = forms.CharField(
        required=False, max_length=300, help_text="Why, for the target history (optional)."
    )

    class Meta:
        model = WalkingProgram
        fields = PROGRAM_EDITABLE_FIELDS


class TargetChangeInline(ScopedInlineMixin, admin.TabularInline):
    model = TargetChange
    fields = ["effective_on", "sessions_per_day", "minutes_per_session", "days_per_week"]
    fields += ["reason", "note", "changed_by", "created_at"]
    readonly_fields = fields
    ordering = ["-effective_on", "-id"]
    extra = 0
    can_delete = False
    verbose_name_plural = "Target history"

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        # History rows are written by the program services only.
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("changed_by")


@admin.register(WalkingProgram)
class WalkingProgramAdmin(ClinicScopedAdmin):
    visible_to = staticmethod(selectors.programs_visible_to)
    form = ProgramChangeForm
    list_display = [
        "patient",
        "therapist",
        "template",
        "status",
        "target",
        "start_date",
        "progression_locked",
        "progression_paused_for_red_flag",
        "phase",
    ]
    list_select_related = ["patient__user", "therapist__user", "template"]
    list_filter = ["status", "progression_locked", "progression_paused_for_red_flag", "phase"]
    search_fields = ["patient__user__first_name", "patient__user__last_name"]
    search_fields += ["patient__user__username"]
    readonly_fields = [
        "patient",
        "therapist",
        "template",
        "start_date",
        "progression_paused_for_red_flag",
        "last_progression_on",
        "pre_flare_sessions_per_day",
        "pre_flare_minutes_per_session",
        "pre_flare_pain",
        "created_at",
        "phase",
        "maintenance_started_on",
        "recurrence_answers",
    ]
    fieldsets = [
        (
            None,
            {"fields": ["patient", "therapist", "template", "status", "start_date", "end_date"]},
        ),
        (
            "Target",
            {
                "fields": [
                    "sessions_per_day",
                    "days_per_week",
                    "minutes_per_session",
                    "max_minutes_per_session",
                    "change_note",
                ]
            },
        ),
        (
            "Progression",
            {
                "fields": [
                    "increment_minutes",
                    "increment_every_days",
                    "intensity",
                    "indoor_allowed",
                    "progression_locked",
                    "progression_paused_for_red_flag",
                    "last_progression_on",
                ]
            },
        ),
        ("Maintenance", {"fields": ["phase", "maintenance_started_on", "recurrence_answers"]}),
        (
            "Flare-up",
            {
                "classes": ["collapse"],
                "fields": [
                    "pre_flare_sessions_per_day",
                    "pre_flare_minutes_per_session",
                    "pre_flare_pain",
                    "created_at",
                ],
            },
        ),
    ]
    inlines = [TargetChangeInline]
    actions = [
        "lock_progression",
        "unlock_progression",
        "clear_red_flag_pause",
        "start_maintenance",
    ]

    @admin.display(description="Monthly recurrence answers")
    def recurrence_answers(self, obj: WalkingProgram) -> str:
        """The patient's answers, newest month first (one query, on the change page only)."""
        rows = patient_recurrence_checkins(patient=obj.patient) if obj.pk else []
        if not rows:
            return "None yet."
        return format_html_join(
            mark_safe("<br>"),
            "{}: {}",
            ((f"{c.month:%b %Y}", _recurrence_text(c)) for c in rows),
        )

    @admin.display(description="Target")
    def target(self, obj: WalkingProgram) -> str:
        return f"{obj.sessions_per_day} x {obj.minutes_per_session} min, {obj.days_per_week} d/wk"

    def add_view(self, request: HttpRequest, form_url="", extra_context=None) -> HttpResponse:
        """Prescribe through programs.services.program_prescribe, never a bare save()."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        initial = {"patient": request.GET.get("patient")}
        form = ProgramPrescribeForm(
            request.POST or None, initial=initial, request=request, admin_site=self.admin_site
        )
        if request.method == "POST" and form.is_valid():
            program = self._prescribe(request, form)
            if program is not None:
                self.log_addition(request, program, [{"added": {}}])
                self.message_user(request, f"Prescribed: {program}.", messages.SUCCESS)
                url = reverse("admin:programs_walkingprogram_change", args=[program.pk])
                return HttpResponseRedirect(url)
        context = {
            **self.admin_site.each_context(request),
            "title": "Prescribe a walking program",
            "opts": self.opts,
            "form": form,
            "media": self.media + form.media,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/programs/walkingprogram/prescribe.html", context)

    def _prescribe(self, request: HttpRequest, form: ProgramPrescribeForm) -> WalkingProgram | None:
        data = form.cleaned_data
        patient = data["patient"]
        overrides = {}
        if data["minutes_per_session"]:
            overrides["minutes_per_session"] = data["minutes_per_session"]
        try:
            return program_prescribe(
                patient=patient,
                therapist=selectors.therapist_for_user(request.user) or patient.therapist,
                start_date=data["start_date"],
                end_date=data["end_date"],
                template=data["template"],
                changed_by=request.user,
                **overrides,
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
            return None

    def save_model(self, request: HttpRequest, obj: WalkingProgram, form, change: bool) -> None:
        # The form already changed obj; the service needs the stored values to see the change.
        changed = {
            f: form.cleaned_data[f] for f in form.changed_data if f in PROGRAM_EDITABLE_FIELDS
        }
        program = WalkingProgram.objects.select_related("patient").get(pk=obj.pk)
        program_update(
            program=program,
            changed_by=request.user,
            note=form.cleaned_data.get("change_note", ""),
            **changed,
        )

    @admin.action(description="Lock progression (hold the target)", permissions=["change"])
    def lock_progression(self, request: HttpRequest, queryset: QuerySet[WalkingProgram]) -> None:
        self._set_locked(request, queryset, locked=True)

    @admin.action(description="Unlock progression", permissions=["change"])
    def unlock_progression(self, request: HttpRequest, queryset: QuerySet[WalkingProgram]) -> None:
        self._set_locked(request, queryset, locked=False)

    def _set_locked(self, request: HttpRequest, queryset: QuerySet, *, locked: bool) -> None:
        programs = list(queryset.exclude(progression_locked=locked).select_related("patient"))
        for program in programs:
            program_update(program=program, changed_by=request.user, progression_locked=locked)
        verb = "Locked" if locked else "Unlocked"
        self.message_user(request, f"{verb} {len(programs)} program(s).", messages.SUCCESS)

    @admin.action(description="Clear the red-flag pause (reviewed)", permissions=["change"])
    def clear_red_flag_pause(self, request: HttpRequest, queryset: QuerySet) -> None:
        programs = list(queryset.filter(progression_paused_for_red_flag=True))
        for program in programs:
            program_clear_red_flag_pause(program=program, changed_by=request.user)
        self.message_user(
            request, f"Cleared the red-flag pause on {len(programs)} program(s).", messages.SUCCESS
        )

    @admin.action(description="Start maintenance (active phase over)", permissions=["change"])
    def start_maintenance(self, request: HttpRequest, queryset: QuerySet) -> None:
        """Each selected program moves to maintenance from its patient's today."""
        moved, refused = 0, []
        for program in queryset.select_related("patient"):
            try:
                program_start_maintenance(
                    program=program,
                    day=patient_today(patient=program.patient),
                    changed_by=request.user,
                )
                moved += 1
            except ValidationError as exc:
                refused.append(f"{program.patient}: {' '.join(exc.messages)}")
        self.message_user(request, f"Moved {moved} program(s) to maintenance.", messages.SUCCESS)
        if refused:
            self.message_user(request, "Not moved: " + "; ".join(refused), messages.WARNING)


def _recurrence_text(checkin: RecurrenceCheckIn) -> str:
    if not checkin.had_episode:
        return "no episode"
    care = ", sought care" if checkin.sought_care else ""
    return f"episode from {checkin.episode_started_on:%d %b %Y}{care}"


@admin.register(ProgramTemplate)
class ProgramTemplateAdmin(ClinicScopedAdmin):
    """Clinics edit their own templates; the shared ones are read-only for therapists."""

    visible_to = staticmethod(selectors.program_templates_visible_to)
    list_display = [
        "name",
        "owner",
        "sessions_per_day",
        "days_per_week",
        "minutes_per_session",
        "max_minutes_per_session",
        "duration_weeks",
    ]
    list_select_related = ["clinic"]
    search_fields = ["name"]

    @admin.display(description="Clinic", ordering="clinic__name")
    def owner(self, obj: ProgramTemplate) -> str:
        return obj.clinic.name if obj.clinic else "Shared"

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and obj.clinic_id is None and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def get_exclude(self, request: HttpRequest, obj=None):
        # A therapist's templates always belong to their own clinic.
        return None if request.user.is_superuser else ["clinic"]

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        therapist = selectors.therapist_for_user(request.user)
        if request.user.is_superuser or therapist is None:
            return form
        return _own_clinic_form(form, therapist.clinic_id)


def _own_clinic_form(base: type[forms.ModelForm], clinic_id: int) -> type[forms.ModelForm]:
    class OwnClinicTemplateForm(base):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if self.instance.pk is None:
                self.instance.clinic_id = clinic_id

        def _get_validation_exclusions(self):
            # Validate the (clinic, name) uniqueness although clinic is not on the form.
            exclude = super()._get_validation_exclusions()
            exclude.discard("clinic")
            return exclude

    return OwnClinicTemplateForm


@admin.register(WalkLog)
class WalkLogAdmin(ReadOnlyForTherapistsMixin, ClinicScopedAdmin):
    visible_to = staticmethod(selectors.walks_visible_to)
    list_display = [
        "patient",
        "local_date",
        "started_at",
        "duration_minutes",
        "kind",
        "talk_test",
        "pain_before",
        "pain_after",
    ]
    list_select_related = ["patient__user"]
    list_filter = ["kind", "talk_test"]
    search_fields = ["patient__user__first_name", "patient__user__last_name"]
    # The walk table grows fastest: never COUNT it whole (see CappedCountPaginator).
    show_full_result_count = False
    paginator = CappedCountPaginator


# The daily watch's records (CheckRun, PainResponse) have their own admin module.
from programs import watch_admin  # noqa: E402, F401
