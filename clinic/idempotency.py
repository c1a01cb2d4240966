"""Idempotent create requests: a retry with the same key gets the first response."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction

from clinic.models import IdempotencyRecord

MAX_KEY_LENGTH = 255


class IdempotencyKeyReusedError(Exception):
    """The key was already used with a different request body (HTTP 422)."""


@dataclass(frozen=True)
class IdempotentResult:
    status: int
    body: Any
    replayed: bool


def request_fingerprint(payload: Any) -> str:
    """A stable hash of a request body (key order does not matter)."""
    canonical = json.dumps(payload, sort_keys=True, cls=DjangoJSONEncoder, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotent_perform(
    *,
    user: AbstractBaseUser,
    scope: str,
    key: str | None,
    payload: Any,
    perform: Callable[[], tuple[int, Any]],
) -> IdempotentResult:
    """Run ``perform`` once per (user, scope, key); replay its stored response afterwards.

    ``perform`` returns (status, JSON-able body) and may raise (nothing is stored then,
    so a corrected retry with the same key is allowed). Without a key it just runs.
    Raises IdempotencyKeyReusedError when the key comes back with a different body.
    """
    if not key:
        status, body = perform()
        return IdempotentResult(status, body, replayed=False)
    fingerprint = request_fingerprint(payload)
    stored = _stored(user=user, scope=scope, key=key, fingerprint=fingerprint)
    if stored is not None:
        return stored
    try:
        with transaction.atomic():
            status, body = perform()
            IdempotencyRecord.objects.create(
                user=user,
                scope=scope,
                key=key,
                request_hash=fingerprint,
                response_status=status,
                response_body=json.loads(json.dumps(body, cls=DjangoJSONEncoder)),
            )
    except IntegrityError:
        # A concurrent retry with the same key won the race; our work was rolled back.
        stored = _stored(user=user, scope=scope, key=key, fingerprint=fingerprint)
        if stored is None:
            raise
        return stored
    return IdempotentResult(status, body, replayed=False)


def _stored(
    *, user: AbstractBaseUser, scope: str, key: str, fingerprint: str
) -> IdempotentResult | None:
    record = IdempotencyRecord.objects.filter(user=user, scope=scope, key=key).first()
    if record is None:
        return None
    if record.request_hash != fingerprint:
        raise IdempotencyKeyReusedError(
            "This Idempotency-Key was already used with a different request body."
        )
    return IdempotentResult(record.response_status, record.response_body, replayed=True)
