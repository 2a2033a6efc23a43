"""API tokens: for one organisation, shown once, kept as a hash, revoked by their owner."""

import hashlib
import importlib

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from mutualis.accounts.access import has_role, organisations_of
from mutualis.accounts.models import ApiToken, Membership, Role
from mutualis.accounts.tokens import create_token, revoke_token, user_for_secret
from tests.factories import BusinessFactory, BuyerFactory, member

pytestmark = pytest.mark.django_db


def person_of(name="Mairie de Semur"):
    return member(BuyerFactory(name=name), Role.BUYER_AGENT)


def test_creating_a_token_shows_its_secret_once(client):
    person = person_of()
    buyer = person.memberships.get().organisation
    client.force_login(person)

    created = client.post(
        reverse("web:api-tokens"),
        {"label": "Poste du bureau", "organisation": buyer.pk},
    )
    later = client.get(reverse("web:api-tokens"))

    token = ApiToken.objects.get()
    secret = created.context["secret"]
    assert token.organisation == buyer
    assert "<td>Mairie de Semur</td>" in later.text
    assert "Copy it now: it will not be shown again." in created.text
    assert secret in created.text
    assert secret not in later.text
    assert "Poste du bureau" in later.text
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiToken.objects.values_list())


def test_a_token_without_a_name_is_refused(client):
    person = person_of()
    client.force_login(person)

    answer = client.post(
        reverse("web:api-tokens"),
        {"label": "  ", "organisation": person.memberships.get().organisation_id},
    )

    assert answer.status_code == 400
    assert "Give the token a name" in answer.text
    assert not ApiToken.objects.exists()


def test_a_token_is_only_for_an_organisation_one_belongs_to(client):
    client.force_login(person_of())

    answer = client.post(
        reverse("web:api-tokens"),
        {"label": "laptop", "organisation": BusinessFactory().pk},
    )

    assert answer.status_code == 400
    assert "organisation: choose one of the organisations you belong to." in (
        answer.text
    )
    assert not ApiToken.objects.exists()


def test_a_token_acts_with_its_organisations_roles_alone():
    person = person_of()
    buyer = person.memberships.get().organisation
    business = BusinessFactory()
    Membership.objects.create(
        user=person, organisation=business, role=Role.COMPANY_ADMIN
    )
    _token, secret = create_token(person, business, "laptop")

    acting = user_for_secret(secret)

    assert list(organisations_of(acting)) == [business]
    assert has_role(acting, business, Role.COMPANY_ADMIN)
    assert not has_role(acting, buyer, Role.BUYER_AGENT)


def test_a_token_whose_person_left_the_organisation_is_refused():
    person = person_of()
    _token, secret = create_token(
        person, person.memberships.get().organisation, "laptop"
    )

    person.memberships.all().delete()

    assert user_for_secret(secret) is None


def test_a_secret_finds_its_owner_until_revoked(client):
    person = person_of()
    token, secret = create_token(
        person, person.memberships.get().organisation, "laptop"
    )
    client.force_login(person)

    found = user_for_secret(secret)
    client.post(reverse("web:api-token-revoke", args=[token.pk]))
    page = client.get(reverse("web:api-tokens"))

    assert found == person
    assert user_for_secret(secret) is None
    assert "Revoked on" in page.text


def test_nobody_revokes_another_persons_token(client):
    owner = person_of()
    token, secret = create_token(owner, owner.memberships.get().organisation, "l")
    other = person_of("Mairie de Montbard")
    client.force_login(other)

    answer = client.post(reverse("web:api-token-revoke", args=[token.pk]))

    assert answer.status_code == 404
    with pytest.raises(PermissionDenied):
        revoke_token(other, token)
    assert user_for_secret(secret) is not None


def test_the_tokens_page_asks_to_log_in(client):
    answer = client.get(reverse("web:api-tokens"))

    assert answer.status_code == 302


def test_tokens_made_before_go_to_the_business_or_the_only_organisation():
    migration = importlib.import_module(
        "mutualis.accounts.migrations.0006_api_token_organisation"
    )
    bidder = member(BusinessFactory(), Role.BIDDER)
    Membership.objects.create(
        user=bidder, organisation=BuyerFactory(), role=Role.OPENER
    )
    agent = person_of()
    several = person_of()
    Membership.objects.create(
        user=several, organisation=BuyerFactory(), role=Role.BUYER_ADMIN
    )

    def chosen(user):
        return migration.organisation_of(Membership, user.pk)

    assert chosen(bidder) == bidder.memberships.get(role=Role.BIDDER).organisation_id
    assert chosen(agent) == agent.memberships.get().organisation_id
    assert chosen(several) is None
