"""The bare twins (bench.twins), included by clinic.urls only when WALKRX_BENCH_TWINS is true."""

from __future__ import annotations

from django.urls import path

from bench import twins

urlpatterns = [
    path("me/today/", twins.today, name="bench-twin-today"),
    path("me/walks/", twins.walks, name="bench-twin-walks"),
    path("me/progress/", twins.progress, name="bench-twin-progress"),
    path("nodb/", twins.nodb, name="bench-twin-nodb"),
]
