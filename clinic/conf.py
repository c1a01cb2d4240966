"""Clinical thresholds, read from settings at call time (never at import)."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def walkrx_setting(name: str) -> Any:
    """Return one of the configurable clinical defaults in ``settings.WALKRX``."""
    return settings.WALKRX[name]
