"""The audit trail: who read or wrote which patient's data, from where; and its retention."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models
from django.http import HttpRequest
from django.utils import timezone

from clinic.models import AuditEvent
from clinic.selectors import patient_for_user, therapist_for_user

USER_AGENT_MAX = 200
PATH_MAX = 300


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or the address TRUSTED_PROXY_COUNT proxies say they saw (X-Forwarded-For)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    candidate = request.META.get("REMOTE_ADDR")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        # Each trusted proxy appends the address it saw; anything further left is client-made.
        if hops:
            candidate = hops[-proxies] if len(hops) >= proxies else hops[0]
    try:
        return str(ipaddress.ip_address(candidate)) if candidate else None
    except ValueError:
        return None


def actor_role(user: AbstractBaseUser | AnonymousUser | None) -> str:
    """The actor's role at the time (no query once the therapist/patient record is cached)."""
    if user is None or not user.is_authenticated:
        return AuditEvent.Role.SYSTEM
    if user.is_superuser:
        return AuditEvent.Role.SUPERUSER
    therapist = therapist_for_user(user)
    if therapist is not None:
        return (
            AuditEvent.Role.CLINIC_ADMIN if therapist.is_clinic_admin else AuditEvent.Role.THERAPIST
        )
    if patient_for_user(user) is not None:
        return AuditEvent.Role.PATIENT
    return AuditEvent.Role.SYSTEM


def _actor_clinic_id(user, role: str) -> int | None:
    if role in (AuditEvent.Role.THERAPIST, AuditEvent.Role.CLINIC_ADMIN):
        return therapist_for_user(user).clinic_id
    if role == AuditEvent.Role.PATIENT:
        return patient_for_user(user).clinic_id
    return None


def audit_event(
    *,
    action: str,
    request: HttpRequest | None = None,
    actor: AbstractBaseUser | None = None,
    patient: Any = None,
    obj: models.Model | None = None,
    detail: dict | None = None,
    object_type: str = "",
    clinic_id: int | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """An unsaved event; ``patient`` is a Patient or an id (then the clinic is the actor's)."""
    user = actor if actor is not None else getattr(request, "user", None)
    role = actor_role(user)
    authenticated = user is not None and user.is_authenticated
    patient_id = getattr(patient, "pk", patient)
    clinic_id = clinic_id or getattr(patient, "clinic_id", None) or _actor_clinic_id(user, role)
    event = AuditEvent(
        at=at or timezone.now(),
        actor=user if authenticated else None,
        actor_username=user.get_username() if authenticated else "",
        actor_role=role,
        clinic_id=clinic_id,
        patient_id=patient_id,
        patient_ref=patient_id,
        action=action,
        object_type=obj._meta.model_name if obj is not None else object_type,
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        detail=detail or {},
    )
    if request is not None:
        event.path = request.get_full_path()[:PATH_MAX]
        event.method = request.method or ""
        event.ip_address = client_ip(request)
        event.user_agent = request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX]
    return event


def audit_record(
    *,
    action: str,
    request: HttpRequest | None = None,
    actor: AbstractBaseUser | None = None,
    patient: Any = None,
    obj: models.Model | None = None,
    detail: dict | None = None,
    object_type: str = "",
    clinic_id: int | None = None,
) -> AuditEvent:
    """Record one event: one INSERT. Without request or actor the actor is "system"."""
    event = audit_event(
        action=action,
        request=request,
        actor=actor,
        patient=patient,
        obj=obj,
        detail=detail,
        object_type=object_type,
        clinic_id=clinic_id,
    )
    event.save()
    return event


def audit_record_many(events: Iterable[AuditEvent]) -> list[AuditEvent]:
    """Record several events built with audit_event(): one INSERT."""
    return AuditEvent.objects.bulk_create(list(events))


def audit_prune(*, days: int | None = None, now: datetime | None = None) -> int:
    """Delete events older than the retention period; returns how many went.

    The one deliberate way round the model's append-only guard (AuditEventQuerySet.prune).
    """
    keep_days = settings.AUDIT_RETENTION_DAYS if days is None else days
    cutoff = (now or timezone.now()) - timedelta(days=keep_days)
    return AuditEvent.objects.filter(at__lt=cutoff).prune()
