from __future__ import annotations

import pytest

from clinic.idempotency import IdempotencyKeyReusedError, idempotent_perform
from clinic.models import IdempotencyRecord
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class Counter:
    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return 201, {"id": self.calls}


def test_a_retry_with_the_same_key_replays_the_first_response():
    user, perform = UserFactory(), Counter()
    first = idempotent_perform(
        user=user, scope="walks.create", key="k1", payload={"a": 1}, perform=perform
    )

    again = idempotent_perform(
        user=user, scope="walks.create", key="k1", payload={"a": 1}, perform=perform
    )

    assert perform.calls == 1
    assert (again.status, again.body, again.replayed) == (201, {"id": 1}, True)
    assert first.replayed is False


def test_the_same_key_with_a_different_body_is_refused():
    user = UserFactory()
    idempotent_perform(
        user=user, scope="walks.create", key="k1", payload={"a": 1}, perform=Counter()
    )

    with pytest.raises(IdempotencyKeyReusedError):
        idempotent_perform(
            user=user, scope="walks.create", key="k1", payload={"a": 2}, perform=Counter()
        )


def test_keys_are_per_user():
    perform = Counter()
    for user in UserFactory.create_batch(2):
        idempotent_perform(user=user, scope="walks.create", key="k1", payload={}, perform=perform)

    assert perform.calls == 2


def test_a_failed_request_stores_nothing_so_a_corrected_retry_runs():
    user = UserFactory()

    def fail():
        raise ValueError("bad input")

    with pytest.raises(ValueError, match="bad input"):
        idempotent_perform(user=user, scope="s", key="k1", payload={}, perform=fail)

    assert IdempotencyRecord.objects.count() == 0


def test_without_a_key_every_call_runs():
    user, perform = UserFactory(), Counter()

    for _ in range(2):
        idempotent_perform(user=user, scope="s", key=None, payload={}, perform=perform)

    assert perform.calls == 2
