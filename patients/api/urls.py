from __future__ import annotations

from django.urls import path

from patients.api import views

patients = views.PatientViewSet.as_view({"get": "list", "post": "create"})
patient = views.PatientViewSet.as_view({"get": "retrieve", "patch": "partial_update"})
alerts = views.AlertViewSet.as_view({"get": "list"})
alert_acknowledge = views.AlertViewSet.as_view({"post": "acknowledge"})

urlpatterns = [
    path("me/", views.MeView.as_view(), name="api-me"),
    path("me/today/", views.MyTodayView.as_view(), name="api-my-today"),
    path("me/pain/", views.MyPainView.as_view(), name="api-my-pain"),
    path("me/progress/", views.MyProgressView.as_view(), name="api-my-progress"),
    path("me/lessons/", views.MyLessonsView.as_view(), name="api-my-lessons"),
    path(
        "me/lessons/<int:lesson_id>/complete/",
        views.MyLessonCompleteView.as_view(),
        name="api-my-lesson-complete",
    ),
    path("me/screening/", views.MyScreeningView.as_view(), name="api-my-screening"),
    path("me/questionnaires/", views.MyQuestionnairesView.as_view(), name="api-my-questionnaires"),
    path(
        "me/questionnaires/<str:measure>/",
        views.MyQuestionnaireAnswerView.as_view(),
        name="api-my-questionnaire-answer",
    ),
    path("patients/", patients, name="api-patients"),
    path("patients/<int:pk>/", patient, name="api-patient"),
    path(
        "patients/<int:patient_id>/pain/",
        views.PatientPainListView.as_view(),
        name="api-patient-pain",
    ),
    path(
        "patients/<int:patient_id>/progress/",
        views.PatientProgressView.as_view(),
        name="api-patient-progress",
    ),
    path("me/fhir/", views.MyFhirView.as_view(), name="api-my-fhir"),
    path(
        "patients/<int:patient_id>/fhir/", views.PatientFhirView.as_view(), name="api-patient-fhir"
    ),
    path(
        "patients/<int:patient_id>/questionnaires/",
        views.PatientQuestionnairesView.as_view(),
        name="api-patient-questionnaires",
    ),
    path(
        "patients/<int:patient_id>/questionnaires/schedule/",
        views.PatientQuestionnaireScheduleView.as_view(),
        name="api-patient-questionnaire-schedule",
    ),
    path("alerts/", alerts, name="api-alerts"),
    path("alerts/<int:pk>/acknowledge/", alert_acknowledge, name="api-alert-acknowledge"),
]
