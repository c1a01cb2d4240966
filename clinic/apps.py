from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Clinic"

    def ready(self) -> None:
        # The weekly-report admin lives in its own module (kept apart from admin.py).
        # Staff sessions start their idle clock at sign-in (see clinic.security).
        # The __any lookup (clinic.lookups) registers itself on import.
        from clinic import (
            admin_reports,  # noqa: F401
            lookups,  # noqa: F401
            security,  # noqa: F401
        )
