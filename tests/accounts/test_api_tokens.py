"""Personal API tokens: shown once, kept as a hash, revoked by their owner."""

import hashlib

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from mutualis.accounts.models import ApiToken
from mutualis.accounts.tokens import create_token, revoke_token, user_for_secret
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_creating_a_token_shows_its_secret_once(client):
    person = UserFactory()
    client.force_login(person)

    created = client.post(reverse("web:api-tokens"), {"label": "Poste du bureau"})
    later = client.get(reverse("web:api-tokens"))

    token = ApiToken.objects.get()
    secret = created.context["secret"]
    assert "Copy it now: it will not be shown again." in created.text
    assert secret in created.text
    assert secret not in later.text
    assert "Poste du bureau" in later.text
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiToken.objects.values_list())


def test_a_token_without_a_name_is_refused(client):
    client.force_login(UserFactory())

    answer = client.post(reverse("web:api-tokens"), {"label": "  "})

    assert answer.status_code == 400
    assert "Give the token a name" in answer.text
    assert not ApiToken.objects.exists()


def test_a_secret_finds_its_owner_until_revoked(client):
    person = UserFactory()
    token, secret = create_token(person, "laptop")
    client.force_login(person)

    found = user_for_secret(secret)
    client.post(reverse("web:api-token-revoke", args=[token.pk]))
    page = client.get(reverse("web:api-tokens"))

    assert found == person
    assert user_for_secret(secret) is None
    assert "Revoked on" in page.text


def test_nobody_revokes_another_persons_token(client):
    token, secret = create_token(UserFactory(), "laptop")
    other = UserFactory()
    client.force_login(other)

    answer = client.post(reverse("web:api-token-revoke", args=[token.pk]))

    assert answer.status_code == 404
    with pytest.raises(PermissionDenied):
        revoke_token(other, token)
    assert user_for_secret(secret) is not None


def test_the_tokens_page_asks_to_log_in(client):
    answer = client.get(reverse("web:api-tokens"))

    assert answer.status_code == 302
