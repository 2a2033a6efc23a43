"""Annex IV (e): only authorised persons may give access to the data transmitted,
and only after the prescribed date.

Until the deadline has passed nobody opens: not the buyer's openers nor its admin,
not the operator, not a superuser; not through the pages, the actions or the admin.
After it, only the buyer's openers do."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from mutualis.bids import actions
from mutualis.bids.models import Bid, BidState, OpeningEvent, SubmittedShare
from tests.annex_iv.conftest import DEADLINE
from tests.bids.factories import at, deposit
from tests.uploads.sealed import (
    bearer,
    manifest,
    patch,
    seal_commission,
    start,
    token_for,
)

pytestmark = pytest.mark.django_db

BEFORE = DEADLINE - dt.timedelta(hours=2)
AFTER = DEADLINE + dt.timedelta(milliseconds=1)


@pytest.fixture
def bid(people, business, consultation):
    return deposit(people["bidder"], business, consultation, when=BEFORE)


def sealed(bid):
    bid.refresh_from_db()
    return bid.state == BidState.RECEIVED and bid.opened_at is None


@pytest.mark.parametrize("when", [BEFORE, DEADLINE])
def test_before_the_deadline_no_one_starts_the_opening(people, consultation, bid, when):
    refused = set()
    with at(when):
        for name, person in people.items():
            with pytest.raises(PermissionDenied):
                actions.start_opening(person, consultation)
            refused.add(name)

    assert refused == set(people)
    assert not OpeningEvent.objects.exists()
    assert sealed(bid)


def test_before_the_deadline_no_one_opens_the_bids(people, consultation, bid):
    with at(DEADLINE):
        for person in people.values():
            with pytest.raises(PermissionDenied, match="before the deadline"):
                actions.open_bids(person, consultation)

    assert sealed(bid)


@pytest.mark.parametrize("page", ["web:opening-start", "web:opening-open"])
def test_before_the_deadline_the_opening_pages_refuse_everyone(
    client, people, consultation, bid, page
):
    url = reverse(page, args=[consultation.pk])
    answers = set()

    with at(DEADLINE):
        for person in people.values():
            client.force_login(person)
            answers.add(client.post(url).status_code)

    assert answers == {403}
    assert not OpeningEvent.objects.exists()
    assert sealed(bid)


def test_the_admin_gives_a_superuser_no_way_to_open(client, people, consultation, bid):
    with at(DEADLINE):
        client.force_login(people["superuser"])
        change = client.post(
            reverse("admin:bids_bid_change", args=[bid.pk]), {"state": "opened"}
        )
        register = client.post(
            reverse("admin:bids_openingevent_add"),
            {"consultation": consultation.pk, "action": "bid-opened"},
        )

    assert change.status_code == 403
    assert register.status_code == 403
    assert sealed(bid)
    assert not OpeningEvent.objects.exists()


def test_after_the_deadline_only_the_buyer_s_openers_open(people, consultation, bid):
    with at(AFTER):
        refused = set()
        for name, person in people.items():
            if name == "opener":
                continue
            with pytest.raises(PermissionDenied):
                actions.start_opening(person, consultation)
            refused.add(name)

        actions.start_opening(people["opener"], consultation)
        actions.open_bids(people["opener"], consultation)

    assert refused == set(people) - {"opener"}
    bid.refresh_from_db()
    assert (bid.state, bid.opened_by, bid.opened_at) == (
        BidState.OPENED,
        people["opener"],
        AFTER,
    )


SEALED = b"age-encryption.org/v1\n" + b"s" * 2000


@pytest.fixture
def sealed_bid(client, people, business, consultation):
    """A sealed deposit made through the API; `people` gains a commission member."""
    commission = seal_commission(consultation)
    people["commission member"] = commission.keys.get().user
    token = bearer(token_for(people["bidder"]))
    with at(BEFORE):
        answer = start(
            client, business, manifest(consultation, {"offre.age": SEALED}), **token
        ).json()
        patch(client, answer["uploads"][0], SEALED, 0, **token)
    client.logout()
    return Bid.objects.get(receipt_number=answer["deposit"])


def test_before_the_deadline_the_opening_api_refuses_everyone(
    client, people, consultation, sealed_bid
):
    shares = reverse("web:opening-shares", args=[consultation.pk])
    document = {"format": "mutualis-shares/1", "shares": []}
    answers = {}

    with at(DEADLINE):
        for name, person in people.items():
            client.force_login(person)
            answers[name] = (
                client.get(
                    reverse("web:opening-shares-json", args=[consultation.pk])
                ).status_code,
                client.post(shares, document, content_type="application/json").json(),
                client.post(
                    reverse(
                        "web:opening-open-bid",
                        args=[consultation.pk, sealed_bid.receipt_number],
                    )
                ).status_code,
            )

    refused = {
        "error": "Bids cannot be opened before the deadline, "
        "15 January 2027, 17:00:00 (Europe/Paris, UTC+01:00)."
    }
    assert answers == {name: (403, refused, 404) for name in people}
    assert not SubmittedShare.objects.exists()
    assert sealed(sealed_bid)
