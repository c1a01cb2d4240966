from __future__ import annotations

from django.urls import path

from programs.api import steps, views

my_walks = views.MyWalkViewSet.as_view({"get": "list", "post": "create"})
my_walk = views.MyWalkViewSet.as_view(
    {"get": "retrieve", "patch": "partial_update", "delete": "destroy"}
)

urlpatterns = [
    path("me/walks/", my_walks, name="api-my-walks"),
    path("me/walks/<int:pk>/", my_walk, name="api-my-walk"),
    path("me/program/", views.MyProgramView.as_view(), name="api-my-program"),
    path(
        "patients/<int:patient_id>/walks/",
        views.PatientWalkListView.as_view(),
        name="api-patient-walks",
    ),
    path(
        "patients/<int:patient_id>/program/",
        views.PatientProgramView.as_view(),
        name="api-patient-program",
    ),
    path(
        "patients/<int:patient_id>/program/maintenance/",
        views.PatientMaintenanceView.as_view(),
        name="api-patient-program-maintenance",
    ),
    path("me/recurrence/", views.MyRecurrenceView.as_view(), name="api-my-recurrence"),
    path(
        "patients/<int:patient_id>/recurrence/",
        views.PatientRecurrenceView.as_view(),
        name="api-patient-recurrence",
    ),
    path("me/boosters/", views.MyBoostersView.as_view(), name="api-my-boosters"),
    path(
        "me/boosters/<int:pk>/dismiss/",
        views.MyBoosterDismissView.as_view(),
        name="api-my-booster-dismiss",
    ),
    path("me/steps/", steps.MyStepsView.as_view(), name="api-my-steps"),
    path("me/steps/import/", steps.MyStepsImportView.as_view(), name="api-my-steps-import"),
    path(
        "patients/<int:patient_id>/steps/",
        steps.PatientStepsView.as_view(),
        name="api-patient-steps",
    ),
    path(
        "patients/<int:patient_id>/steps/import/",
        steps.PatientStepsImportView.as_view(),
        name="api-patient-steps-import",
    ),
]
