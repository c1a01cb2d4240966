"""405 for a method an API view does not handle, before authentication.

DRF authenticates before it looks at the method, so an anonymous TRACE got 401 where the
resource answers 405 to everyone. The methods a resource supports are public (see the
schema), so saying so first reveals nothing.
"""

from __future__ import annotations

from django.http import JsonResponse
from rest_framework.views import APIView


def view_allowed_methods(view_func) -> list[str] | None:
    """The methods a DRF view answers (as in its Allow header); None for other views."""
    cls = getattr(view_func, "cls", None)
    if cls is None or not issubclass(cls, APIView):
        return None
    actions = getattr(view_func, "actions", None)  # a viewset route: method -> action
    names = (
        set(actions)
        if actions is not None
        else {m for m in cls.http_method_names if hasattr(cls, m)}
    )
    if "get" in names:
        names.add("head")
    names.add("options")
    return [m.upper() for m in cls.http_method_names if m in names]


class MethodNotAllowedFirstMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        allowed = view_allowed_methods(view_func)
        if allowed is None or request.method in allowed:
            return None
        response = JsonResponse({"detail": f'Method "{request.method}" not allowed.'}, status=405)
        response["Allow"] = ", ".join(allowed)
        return response
