"""Log in for a bearer token, log out (revoke it)."""

from __future__ import annotations

from django.contrib.auth import authenticate, logout
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.api.schema import error_responses
from clinic.api.serializers import LoginSerializer, TokenSerializer
from clinic.api.throttles import AnonThrottle, LoginIPThrottle, LoginUsernameThrottle
from clinic.api.tokens import api_token_issue, api_token_revoke, api_tokens_revoke_all
from clinic.models import ApiToken

# The same message whether the username exists or not.
BAD_CREDENTIALS = "Unable to log in with the given username and password."


class LoginView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonThrottle, LoginIPThrottle, LoginUsernameThrottle]

    @extend_schema(
        tags=["auth"],
        auth=[],
        request=LoginSerializer,
        responses={200: TokenSerializer, **error_responses(400, authenticated=False)},
        summary="Log in and get a bearer token",
    )
    def post(self, request):
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(request, **serializer.validated_data)
        if user is None:
            raise ValidationError({"non_field_errors": [BAD_CREDENTIALS]})
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
