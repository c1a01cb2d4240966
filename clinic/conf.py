"""Clinical thresholds, read from settings at call time (never at import)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def walkrx_setting(name: str) -> Any:
    """Return one of the configurable clinical defaults in ``settings.WALKRX``."""
    return settings.WALKRX[name]


def refuse_insecure_secret_key() -> None:
    """Stop a production process (web server, Celery) that would run on the dev SECRET_KEY.

    Management commands such as makemigrations may use the development key; serving
    requests or running tasks with it outside DEBUG may not.
    """
    if not settings.DEBUG and settings.SECRET_KEY == settings.INSECURE_DEFAULT_SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY is the insecure development default. Set SECRET_KEY in the "
            "environment (or DEBUG=true for local development)."
        )
