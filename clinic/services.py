"""Writes for clinics and therapists."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from clinic.models import Clinic, Therapist
from clinic.timezones import validate_timezone

THERAPIST_GROUP = "Therapists"


@transaction.atomic
def therapist_create(
    *,
    username: str,
    clinic_name: str,
    password: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    timezone_name: str | None = None,
    is_clinic_admin: bool = False,
) -> Therapist:
    """Create a staff user in the Therapists group and their Therapist row.

    The clinic is created (in ``timezone_name``, default UTC) when it does not exist.
    Raises ValidationError naming the field (username taken, weak password, unknown
    time zone, clinic in another zone); nothing is saved then.
    """
    if timezone_name is not None:
        _validate_field("timezone", validate_timezone, timezone_name)
    user_model = get_user_model()
    if user_model.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": ["A user with that username already exists."]})
    user = user_model(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        is_staff=True,
    )
    user.full_clean(exclude=["password"])
    _validate_field("password", validate_password, password, user)
    clinic = _clinic_get_or_create(name=clinic_name, timezone_name=timezone_name)
    user.set_password(password)
    user.save()
    group, _ = Group.objects.get_or_create(name=THERAPIST_GROUP)
    user.groups.add(group)
    return Therapist.objects.create(user=user, clinic=clinic, is_clinic_admin=is_clinic_admin)


def _clinic_get_or_create(*, name: str, timezone_name: str | None) -> Clinic:
    clinic = Clinic.objects.filter(name=name).first()
    if clinic is None:
        clinic = Clinic(name=name, timezone=timezone_name or "UTC")
        clinic.full_clean()
        clinic.save()
    elif timezone_name is not None and clinic.timezone != timezone_name:
        raise ValidationError(
            {"timezone": [f"The clinic '{name}' already exists in time zone {clinic.timezone}."]}
        )
    return clinic


def _validate_field(name: str, validator, *args) -> None:
    try:
        validator(*args)
    except ValidationError as exc:
        raise ValidationError({name: exc.messages}) from exc
