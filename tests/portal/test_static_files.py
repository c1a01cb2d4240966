from __future__ import annotations

from django.core.management import call_command


def test_it_collects_the_portal_static_files_for_production(settings, tmp_path):
    """WhiteNoise's manifest storage fails on a missing file a vendored script points to."""
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

    call_command("collectstatic", "--noinput", verbosity=0)

    for name in (
        "clinic/portal.css",
        "patients/portal.js",
        "clinic/vendor/chartjs/chart.umd.min.js",
    ):
        assert (tmp_path / name).exists()
    assert (tmp_path / "staticfiles.json").exists()
