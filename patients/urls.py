from django.urls import path

from patients import views

app_name = "portal"

urlpatterns = [
    path("", views.today, name="today"),
    path("login/", views.PortalLoginView.as_view(), name="login"),
    path("logout/", views.PortalLogoutView.as_view(), name="logout"),
    path("welcome/", views.welcome, name="welcome"),
    path("welcome/program/", views.welcome_program, name="welcome_program"),
    path("warning-signs/", views.red_flags, name="red_flags"),
    path("warning-signs/result/", views.red_flag_result, name="red_flag_result"),
    path("walks/new/", views.walk_new, name="walk_new"),
    path("pain/", views.pain_new, name="pain_new"),
    path("flare-up/", views.flare_up, name="flare_up"),
    path("progress/", views.progress, name="progress"),
    path("progress/summary-email/", views.summary_email, name="summary_email"),
    path("lessons/", views.lessons, name="lessons"),
    path("lessons/<int:pk>/complete/", views.lesson_done, name="lesson_done"),
    path("questionnaires/", views.questionnaires, name="questionnaires"),
    path(
        "questionnaires/<str:measure>/",
        views.questionnaire_answer,
        name="questionnaire_answer",
    ),
    path("recurrence/", views.recurrence, name="recurrence"),
    path("boosters/<int:pk>/dismiss/", views.booster_dismiss, name="booster_dismiss"),
]
