from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/", include("clinic.api.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("portal/", include("patients.urls")),
    path("", RedirectView.as_view(url="/portal/", permanent=False), name="home"),
]

# Unknown URLs under /api/ (e.g. /api/v1/alerts/abc/acknowledge/) answer JSON, not HTML.
handler404 = "clinic.api.exceptions.api_aware_page_not_found"
# A database outage hit in a middleware (outside any view) answers 503 too.
handler500 = "clinic.middleware.server_error"
if settings.WALKRX_BENCH_TWINS:  # the benchmark's bare twins (bench.twins); off by default
    urlpatterns += [path("bench/", include("bench.urls"))]
