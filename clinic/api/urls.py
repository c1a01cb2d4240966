from __future__ import annotations

from django.urls import include, path

from clinic.api import audit_views, views

urlpatterns = [
    path("auth/login/", views.LoginView.as_view(), name="api-login"),
    path("auth/logout/", views.LogoutView.as_view(), name="api-logout"),
    path("auth/logout-all/", views.LogoutAllView.as_view(), name="api-logout-all"),
    path("", include("patients.api.urls")),
    path("", include("programs.api.urls")),
    path("audit/", audit_views.AuditEventListView.as_view(), name="api-audit"),
]
