"""Throttles whose rates are read from settings at request time (see .env.example)."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle


class _SettingsRateMixin:
    def get_rate(self):
        return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][self.scope]


class AnonThrottle(_SettingsRateMixin, AnonRateThrottle):
    """Anonymous requests, per IP (API_THROTTLE_ANON)."""


class UserThrottle(_SettingsRateMixin, UserRateThrottle):
    """Authenticated requests, per user (API_THROTTLE_USER)."""


class LoginIPThrottle(_SettingsRateMixin, SimpleRateThrottle):
    """Login attempts per client IP (API_LOGIN_THROTTLE)."""

    scope = "login"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": "login-ip", "ident": self.get_ident(request)}


class LoginUsernameThrottle(_SettingsRateMixin, SimpleRateThrottle):
    """Login attempts per username, whoever sends them (API_LOGIN_THROTTLE)."""

    scope = "login"

    def get_cache_key(self, request, view):
        username = request.data.get("username") if hasattr(request.data, "get") else None
        if not isinstance(username, str) or not username:
            return None
        return self.cache_format % {"scope": "login-user", "ident": username.strip().lower()}
