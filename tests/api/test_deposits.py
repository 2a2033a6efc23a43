"""A business's token deposits a sealed bid at /api/v1/deposits, for that business."""
# The fixtures come from the uploads tests; pytest passes them in by name.
# ruff: noqa: F811

import pytest

from mutualis.accounts.models import Role
from mutualis.bids.models import Bid
from tests.bids.factories import at, paris
from tests.factories import BusinessFactory
from tests.uploads.conftest import (  # noqa: F401
    bidder,
    business,
    buyer,
    consultation,
    lot,
    sealed,
)
from tests.uploads.sealed import bearer, manifest, patch, token_for

pytestmark = pytest.mark.django_db

DEPOSITS = "/api/v1/deposits"
BEFORE = paris(2027, 1, 14, 11, 15, 42)
SEALED = b"age-encryption.org/v1\n" + b"s" * 2000


def start(client, document, token):
    return client.post(
        DEPOSITS, {"manifest": document}, content_type="application/json", **token
    )


def test_a_deposit_is_the_tokens_business_and_completes_over_tus(
    client, bidder, business, sealed, lot
):
    token = bearer(token_for(bidder, business))
    document = manifest(sealed, {"offre.age": SEALED}, lot)

    with at(BEFORE):
        started = start(client, document, token)
        again = start(client, document, token)
        patch(client, started.json()["uploads"][0], SEALED, 0, **token)
        state = client.get(f"{DEPOSITS}/{started.json()['deposit']}", **token)

    bid = Bid.objects.get()
    assert started.status_code == 201
    assert again.status_code == 200
    assert bid.bidder == business
    assert state.json()["state"] == "received"
    assert state.json()["received"] == (
        "14 January 2027, 11:15:42.000 (Europe/Paris, UTC+01:00)"
    )
    assert state.json()["files"][0]["offset"] == 2022


def test_the_same_key_with_another_manifest_is_a_conflict(client, bidder, sealed):
    token = bearer(token_for(bidder))
    document = manifest(sealed, {"offre.age": SEALED})
    start(client, document, token)
    document["files"][0]["size"] = 10

    answer = start(client, document, token)

    assert answer.status_code == 409
    assert answer.json()["detail"] == (
        "This deposit key is already used by another deposit; "
        "choose a new one for a new deposit."
    )


def test_a_token_of_another_business_sees_not_its_deposit(
    client, bidder, business, sealed
):
    other = BusinessFactory()
    bidder.memberships.create(organisation=other, role=Role.BIDDER)
    document = manifest(sealed, {"offre.age": SEALED})
    start(client, document, bearer(token_for(bidder, other)))

    # The same person, bidder of both: this business's token is not the other's.
    answer = client.get(
        f"{DEPOSITS}/{Bid.objects.get().receipt_number}",
        **bearer(token_for(bidder, business)),
    )

    assert Bid.objects.get().bidder == other
    assert answer.status_code == 404
    assert answer.json()["detail"] == "No such receipt."


def test_a_manifest_without_its_consultation_is_named(client, bidder, sealed):
    document = manifest(sealed, {"offre.age": SEALED})
    del document["consultation"]

    answer = start(client, document, bearer(token_for(bidder)))

    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "consultation"
    assert not Bid.objects.exists()


def test_a_token_of_another_business_may_not_send_the_files(
    client, bidder, business, sealed
):
    other = BusinessFactory()
    bidder.memberships.create(organisation=other, role=Role.BIDDER)
    mine = bearer(token_for(bidder, business))
    started = start(client, manifest(sealed, {"offre.age": SEALED}), mine).json()

    answer = patch(
        client, started["uploads"][0], SEALED, 0, **bearer(token_for(bidder, other))
    )

    assert answer.status_code == 404
    assert answer.json()["error"] == "No such upload."
    assert Bid.objects.get().files.get().upload.offset == 0
