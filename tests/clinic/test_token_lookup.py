"""clinic.token_lookup against the ORM query it replaces (select_related of the same rows)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from clinic.api.tokens import api_token_hash, api_token_issue, api_token_touch
from clinic.models import ApiToken
from clinic.token_lookup import api_token_live
from tests.factories import PatientFactory, TherapistFactory, UserFactory

pytestmark = pytest.mark.django_db


def _orm_token(raw: str) -> ApiToken:
    return ApiToken.objects.select_related("user__patient", "user__therapist").get(
        key_hash=api_token_hash(raw)
    )


def _values(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def _same_instance(looked_up, expected) -> bool:
    values, wanted = _values(looked_up), _values(expected)
    same_types = all(type(values[name]) is type(wanted[name]) for name in wanted)
    return type(looked_up) is type(expected) and values == wanted and same_types


def _issued(user) -> str:
    issued = api_token_issue(user=user)
    api_token_touch(token=issued.token)  # a datetime in a nullable column too
    return issued.raw


@pytest.mark.parametrize("role", ["patient", "therapist"])
def test_the_token_its_user_and_their_row_are_those_the_orm_reads(role):
    row = PatientFactory() if role == "patient" else TherapistFactory()
    raw = _issued(row.user)
    expected = _orm_token(raw)

    token = api_token_live(key_hash=api_token_hash(raw), now=timezone.now())

    assert _same_instance(token, expected)
    assert _same_instance(token.user, expected.user)
    assert _same_instance(getattr(token.user, role), getattr(expected.user, role))


def test_the_lookup_is_one_query(django_assert_num_queries):
    raw = _issued(PatientFactory().user)

    with django_assert_num_queries(1):
        api_token_live(key_hash=api_token_hash(raw), now=timezone.now())


@pytest.mark.parametrize(("role", "other"), [("patient", "therapist"), ("therapist", "patient")])
def test_the_users_rows_are_cached_as_select_related_caches_them(
    role, other, django_assert_num_queries
):
    row = PatientFactory() if role == "patient" else TherapistFactory()
    raw = _issued(row.user)

    token = api_token_live(key_hash=api_token_hash(raw), now=timezone.now())

    with django_assert_num_queries(0):
        assert getattr(token.user, role).user is token.user
        assert not hasattr(token.user, other)


def test_a_user_with_neither_row_raises_does_not_exist_without_a_query(
    django_assert_num_queries,
):
    raw = _issued(UserFactory())

    token = api_token_live(key_hash=api_token_hash(raw), now=timezone.now())

    with django_assert_num_queries(0):
        assert not hasattr(token.user, "patient")
        assert not hasattr(token.user, "therapist")


def test_a_token_is_live_until_the_instant_it_expires():
    issued = api_token_issue(user=UserFactory())
    key_hash, expires_at = api_token_hash(issued.raw), issued.token.expires_at

    before = expires_at - timedelta(microseconds=1)
    assert api_token_live(key_hash=key_hash, now=before) == issued.token
    assert api_token_live(key_hash=key_hash, now=expires_at) is None
