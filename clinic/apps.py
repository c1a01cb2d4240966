from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Clinic"

    def ready(self) -> None:
        # The weekly-report admin lives in its own module (kept apart from admin.py).
        from clinic import admin_reports  # noqa: F401
