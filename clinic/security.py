"""Security middleware: the Permissions-Policy header and the staff idle timeout."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

LAST_ACTIVITY_KEY = "walkrx_last_activity"
WRITE_EVERY_SECONDS = 60


class PermissionsPolicyMiddleware:
    """Adds settings.PERMISSIONS_POLICY as the Permissions-Policy header of every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy:
            response.headers.setdefault("Permissions-Policy", policy)
        return response


class StaffSessionIdleMiddleware:
    """Signs staff out after STAFF_SESSION_IDLE_MINUTES without a request.

    Patients keep the normal session age. Bearer-token API requests carry no session and
    are not affected (tokens expire on their own).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
            now = time.time()
            last = request.session.get(LAST_ACTIVITY_KEY)
            idle_seconds = settings.STAFF_SESSION_IDLE_MINUTES * 60
            if last is not None and now - float(last) > idle_seconds:
                logout(request)
                if not request.path.startswith("/api/"):
                    query = urlencode({"next": request.get_full_path()})
                    return HttpResponseRedirect(f"{settings.LOGIN_URL}?{query}")
            elif last is None or now - float(last) > WRITE_EVERY_SECONDS:
                # At most one session write a minute, not one per request.
                request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)


@receiver(user_logged_in)
def _start_idle_clock(sender, request, user, **kwargs) -> None:
    if user.is_staff and request is not None and hasattr(request, "session"):
        request.session[LAST_ACTIVITY_KEY] = time.time()


LOCKED_OUT_MESSAGE = "Too many failed sign-ins for this username from this address."


def axes_lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """django-axes' lockout answer: JSON 429 with Retry-After on /api/, the page elsewhere."""
    from axes.helpers import get_client_username, get_cool_off, get_failure_limit
    from django.http import JsonResponse
    from django.shortcuts import render

    cool_off = get_cool_off(request)
    wait = int(cool_off.total_seconds()) if cool_off else 0
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": LOCKED_OUT_MESSAGE}, status=429)
    else:
        context = {
            "failure_limit": get_failure_limit(request, credentials),
            "username": get_client_username(request, credentials) or "",
            "cooloff_timedelta": cool_off,
        }
        response = render(request, settings.AXES_LOCKOUT_TEMPLATE, context, status=429)
    if wait:
        response["Retry-After"] = str(wait)
    return response
