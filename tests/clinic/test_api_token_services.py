from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from clinic.api.tokens import (
    api_token_issue,
    api_token_revoke,
    api_token_touch,
    api_tokens_prune,
    api_tokens_revoke_all,
)
from clinic.models import ApiToken
from clinic.selectors import api_token_for_raw
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_api_token_issue_returns_a_raw_token_that_finds_its_row():
    issued = api_token_issue(user=UserFactory())

    assert api_token_for_raw(issued.raw) == issued.token


def test_api_token_for_raw_ignores_expired_revoked_and_inactive():
    expired, revoked, inactive = (api_token_issue(user=UserFactory()) for _ in range(3))
    api_token_revoke(token=revoked.token)
    inactive.token.user.is_active = False
    inactive.token.user.save()
    later = expired.token.expires_at + timedelta(seconds=1)

    assert api_token_for_raw(expired.raw, now=later) is None
    assert api_token_for_raw(revoked.raw) is None
    assert api_token_for_raw(inactive.raw) is None


def test_api_token_touch_writes_at_most_every_few_minutes():
    token = api_token_issue(user=UserFactory()).token
    now = timezone.now()
    api_token_touch(token=token, now=now)

    api_token_touch(token=token, now=now + timedelta(minutes=1))

    token.refresh_from_db()
    assert token.last_used_at == now


def test_api_token_touch_of_a_recently_used_token_makes_no_query(django_assert_num_queries):
    token = api_token_issue(user=UserFactory()).token
    now = timezone.now()
    api_token_touch(token=token, now=now)
    fresh = ApiToken.objects.get(id=token.id)  # as the next request reads it

    with django_assert_num_queries(0):  # used a minute ago: nothing to record
        api_token_touch(token=fresh, now=now + timedelta(minutes=1))


def test_api_tokens_revoke_all_revokes_only_that_users_tokens():
    user, other = UserFactory(), UserFactory()
    for someone in (user, user, other):
        api_token_issue(user=someone)

    assert api_tokens_revoke_all(user=user) == 2
    assert ApiToken.objects.filter(revoked_at__isnull=True).get().user == other


def test_api_tokens_prune_deletes_long_dead_tokens_only():
    now = timezone.now()
    old = api_token_issue(user=UserFactory(), now=now - timedelta(days=60)).token
    live = api_token_issue(user=UserFactory(), now=now).token

    assert api_tokens_prune(now=now) == 1
    assert list(ApiToken.objects.all()) == [live]
    assert not ApiToken.objects.filter(id=old.id).exists()
