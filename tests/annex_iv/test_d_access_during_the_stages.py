"""Annex IV (d): during the different stages of the procedure, only authorised
persons may have access to all or part of the data submitted.

Before the deadline a bid exists only for the business that made it; between the
deadline and the opening the buyer's staff see that it arrived, not its content."""

import datetime as dt

import pytest
from django.urls import reverse

from mutualis.bids import access
from tests.annex_iv.conftest import DEADLINE
from tests.bids.factories import at, deposit
from tests.uploads.sealed import (
    bearer,
    head,
    manifest,
    patch,
    seal_commission,
    start,
    token_for,
)

pytestmark = pytest.mark.django_db

BEFORE = DEADLINE - dt.timedelta(hours=2)
AFTER = DEADLINE + dt.timedelta(hours=1)
DEPOSITORS = {"bidder", "company admin"}
BUYER_SIDE = {"buyer admin", "buyer agent", "opener"}
FILES = {"offre-financiere.pdf": b"%PDF-1.7 prix global et forfaitaire: 48 200 EUR"}


@pytest.fixture
def bid(people, business, consultation):
    return deposit(people["bidder"], business, consultation, files=FILES, when=BEFORE)


def statuses(client, people, url):
    found = {}
    for name, person in people.items():
        client.force_login(person)
        found[name] = client.get(url).status_code
    return found


def test_before_the_deadline_only_the_depositor_knows_of_the_bid(people, bid):
    with at(DEADLINE):
        knowing = {
            name
            for name, person in people.items()
            if access.listable_bids(person).filter(pk=bid.pk).exists()
        }

    assert knowing == DEPOSITORS


def test_before_the_deadline_only_the_depositor_reads_the_receipt(client, people, bid):
    url = reverse("web:bid-receipt", args=[bid.receipt_number])

    with at(DEADLINE):
        found = statuses(client, people, url)

    assert {name for name, status in found.items() if status == 200} == DEPOSITORS
    assert {status for name, status in found.items() if name not in DEPOSITORS} == {404}


@pytest.mark.parametrize("page", ["web:consultation-opening", "web:opening-register"])
def test_before_the_deadline_the_buyer_s_pages_show_no_bid(
    client, people, consultation, bid, page
):
    url = reverse(page, args=[consultation.pk])

    with at(DEADLINE):
        client.force_login(people["opener"])
        response = client.get(url)
        others = statuses(client, people, url)

    assert response.status_code == 403
    assert "No one can see or open the bids before the deadline" in (
        response.content.decode()
    )
    assert bid.receipt_number not in response.content.decode()
    assert set(others.values()) == {403}


def test_before_the_deadline_the_admin_hides_the_bid_from_a_superuser(
    client, people, bid
):
    with at(DEADLINE):
        client.force_login(people["superuser"])
        listing = client.get(reverse("admin:bids_bid_changelist"))
        detail = client.get(reverse("admin:bids_bid_change", args=[bid.pk]))

    assert listing.status_code == 200
    assert bid.receipt_number not in listing.content.decode()
    # The admin's answer for an object it does not have.
    assert (detail.status_code, detail.url) == (302, reverse("admin:index"))


def test_after_the_deadline_the_buyer_s_side_sees_that_the_bid_arrived(
    client, people, consultation, bid
):
    url = reverse("web:consultation-opening", args=[consultation.pk])

    with at(AFTER):
        found = statuses(client, people, url)
        client.force_login(people["buyer agent"])
        page = client.get(url).content.decode()

    assert {name for name, status in found.items() if status == 200} == BUYER_SIDE
    assert bid.receipt_number in page
    assert "1 file, not opened" in page
    assert "offre-financiere.pdf" not in page


def test_before_the_opening_nobody_reads_a_file(client, people, consultation, bid):
    bid_file = bid.files.get()
    url = reverse("web:bid-file-download", args=[consultation.pk, bid_file.pk])

    with at(AFTER):
        found = statuses(client, people, url)

    assert set(found.values()) == {404}
    assert not consultation.opening_events.exists()


SEALED = b"age-encryption.org/v1\n" + b"s" * 2000


@pytest.fixture
def api_deposit(client, people, business, consultation):
    """A sealed deposit made through the API, its files fully sent."""
    seal_commission(consultation)
    token = bearer(token_for(people["bidder"]))
    with at(BEFORE):
        answer = start(
            client, business, manifest(consultation, {"offre.age": SEALED}), **token
        ).json()
        patch(client, answer["uploads"][0], SEALED, 0, **token)
    client.logout()
    return answer


def test_before_the_deadline_the_api_answers_only_the_depositor(
    client, people, api_deposit
):
    deposit_url = reverse("web:api-deposit", args=[api_deposit["deposit"]])
    upload_url = api_deposit["uploads"][0]
    answers = {}

    with at(DEADLINE):
        for name, person in people.items():
            client.force_login(person)
            answers[name] = (
                client.get(deposit_url).status_code,
                head(client, upload_url).status_code,
            )

    # The upload itself answers only the person sending it.
    assert answers.pop("bidder") == (200, 200)
    assert answers.pop("company admin") == (200, 404)
    assert set(answers.values()) == {(404, 404)}
