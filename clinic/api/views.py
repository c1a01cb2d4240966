"""Log in for a bearer token, log out (revoke it)."""

from __future__ import annotations

from django.contrib.auth import authenticate, logout
from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.api.schema import error_responses
from clinic.api.serializers import LoginSerializer, TokenSerializer
from clinic.api.throttles import AnonThrottle, LoginIPThrottle, LoginUsernameThrottle
from clinic.api.tokens import api_token_issue, api_token_revoke, api_tokens_revoke_all
from clinic.models import ApiToken
from clinic.security import axes_lockout_response

# The same message whether the username exists or not.
BAD_CREDENTIALS = "Unable to log in with the given username and password."


class LoginView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonThrottle, LoginIPThrottle, LoginUsernameThrottle]

    @classmethod
    def as_view(cls, **initkwargs):
        # Outside ATOMIC_REQUESTS: the 400 for a wrong password rolls the request back,
        # which would also roll back django-axes' failure record (no lockout ever).
        return transaction.non_atomic_requests(super().as_view(**initkwargs))

    @extend_schema(
        tags=["auth"],
        auth=[],
        request=LoginSerializer,
        responses={200: TokenSerializer, **error_responses(400, authenticated=False)},
        summary="Log in and get a bearer token",
    )
    def post(self, request):
        # Errors are returned, not raised: an exception would roll back the connection's
        # transaction (DRF's set_rollback), and with it django-axes' failure record.
        serializer = LoginSerializer(data=request.data)
        if not serializer.is_valid():
            return Response(serializer.errors, status=status.HTTP_400_BAD_REQUEST)
        user = authenticate(request._request, **serializer.validated_data)
        if getattr(request._request, "axes_locked_out", False):
            # django-axes locked this username from this address: say so, with the wait.
            return axes_lockout_response(request._request)
        if user is None:
            return Response(
                {"non_field_errors": [BAD_CREDENTIALS]}, status=status.HTTP_400_BAD_REQUEST
            )
        issued = api_token_issue(user=user)
        body = {"token": issued.raw, "expires_at": issued.token.expires_at}
        return Response(TokenSerializer(body).data)


class LogoutView(APIView):
    @extend_schema(
        tags=["auth"],
        request=None,
        responses={204: OpenApiResponse(description="Logged out."), **error_responses(403)},
        summary="Revoke the token used for this request (or end the session)",
    )
    def post(self, request):
        if isinstance(request.auth, ApiToken):
            api_token_revoke(token=request.auth)
        else:
            logout(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(APIView):
    @extend_schema(
        tags=["auth"],
        request=None,
        responses={
            204: OpenApiResponse(description="Every token revoked."),
            **error_responses(403),
        },
        summary="Revoke every token of the current user",
    )
    def post(self, request):
        api_tokens_revoke_all(user=request.user)
        if not isinstance(request.auth, ApiToken):
            logout(request)
        return Response(status=status.HTTP_204_NO_CONTENT)
