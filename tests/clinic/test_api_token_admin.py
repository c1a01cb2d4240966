"""The API token admin: superusers only, read-only, no hashes, a revoke action."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clinic.api.tokens import api_token_issue
from clinic.models import ApiToken
from tests.factories import TherapistFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return UserFactory(is_staff=True, is_superuser=True)


def test_a_superuser_sees_tokens_without_their_hash(client, superuser):
    token = api_token_issue(user=UserFactory(username="tokenowner")).token
    client.force_login(superuser)

    listing = client.get(reverse("admin:clinic_apitoken_changelist"))
    detail = client.get(reverse("admin:clinic_apitoken_change", args=[token.pk]))

    assert listing.status_code == detail.status_code == 200
    assert "tokenowner" in listing.content.decode()
    for page in (listing, detail):
        assert token.key_hash not in page.content.decode()
    assert b'name="expires_at"' not in detail.content  # read-only: no inputs


def test_a_therapist_admin_cannot_see_tokens(client):
    therapist = TherapistFactory(is_clinic_admin=True)
    therapist.user.is_staff = True
    therapist.user.save()
    api_token_issue(user=therapist.user)
    client.force_login(therapist.user)

    r = client.get(reverse("admin:clinic_apitoken_changelist"))

    assert r.status_code == 403


def test_the_revoke_action_revokes_only_the_selected_tokens(client, superuser):
    chosen = api_token_issue(user=UserFactory()).token
    other = api_token_issue(user=UserFactory()).token
    client.force_login(superuser)

    r = client.post(
        reverse("admin:clinic_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [chosen.pk]},
    )

    assert r.status_code == 302
    assert ApiToken.objects.get(pk=chosen.pk).revoked_at is not None
    assert ApiToken.objects.get(pk=other.pk).revoked_at is None


def test_the_admin_offers_no_add_or_delete(client, superuser):
    token = api_token_issue(user=UserFactory()).token
    client.force_login(superuser)

    assert client.get(reverse("admin:clinic_apitoken_add")).status_code == 403
    r = client.get(reverse("admin:clinic_apitoken_delete", args=[token.pk]))
    assert r.status_code == 403
