"""Services for API bearer tokens: issue, use, revoke, prune."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.utils import timezone

from clinic.models import ApiToken

TOKEN_PREFIX = "wrx_"  # noqa: S105 (a marker, not a secret)
# last_used_at is refreshed at most this often, so most requests write nothing.
LAST_USED_RESOLUTION = timedelta(minutes=5)


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    raw: str


def api_token_hash(raw: str) -> str:
    """The SHA-256 hex digest under which a raw token is stored."""
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_issue(*, user: AbstractBaseUser, now: datetime | None = None) -> IssuedToken:
    """Create a token for ``user``; the raw value is returned once and never stored."""
    now = now or timezone.now()
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, key_hash=api_token_hash(raw), expires_at=now + settings.API_TOKEN_TTL
    )
    return IssuedToken(token=token, raw=raw)


def api_token_touch(*, token: ApiToken, now: datetime | None = None) -> None:
    """Record that the token was used (a conditional UPDATE, rarely a write).

    No query at all when the token as read for this request was used within
    LAST_USED_RESOLUTION: most requests then skip a round trip to the database.
    """
    now = now or timezone.now()
    cutoff = now - LAST_USED_RESOLUTION
    if token.last_used_at is not None and token.last_used_at >= cutoff:
        return
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=cutoff)
    if ApiToken.objects.filter(stale, id=token.id).update(last_used_at=now):
        token.last_used_at = now


def api_token_revoke(*, token: ApiToken, now: datetime | None = None) -> None:
    """Revoke one token. Revoking twice keeps the first revocation time."""
    if token.revoked_at is None:
        token.revoked_at = now or timezone.now()
        token.save(update_fields=["revoked_at"])


def api_tokens_revoke_all(*, user: AbstractBaseUser, now: datetime | None = None) -> int:
    """Revoke every live token of ``user``. Returns how many were revoked."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=now or timezone.now()
    )


def api_tokens_prune(
    *, older_than: timedelta = timedelta(days=30), now: datetime | None = None
) -> int:
    """Delete tokens expired or revoked more than ``older_than`` ago. Returns rows deleted.

    Idempotent: safe to run on any schedule.
    """
    cutoff = (now or timezone.now()) - older_than
    deleted, _ = ApiToken.objects.filter(
        Q(expires_at__lt=cutoff) | Q(revoked_at__lt=cutoff)
    ).delete()
    return deleted
