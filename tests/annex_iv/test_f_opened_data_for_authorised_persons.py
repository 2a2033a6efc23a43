"""Annex IV (f): data received and opened remains accessible only to persons
authorised: the buyer's openers read the files, and every read is registered."""

import datetime as dt

import pytest
from django.urls import reverse

from mutualis.bids import actions
from mutualis.bids.models import OpeningAction, OpeningEvent
from mutualis.core.journal import entries_for
from tests.annex_iv.conftest import DEADLINE
from tests.bids.factories import at, deposit
from tests.bids.sealed import FILES, decrypted_shares, openers, sealed_bid
from tests.factories import commission

pytestmark = pytest.mark.django_db

BEFORE = DEADLINE - dt.timedelta(hours=2)
OPENING = DEADLINE + dt.timedelta(hours=1)
LATER = DEADLINE + dt.timedelta(days=3)
CONTENT = b"%PDF-1.7 prix global et forfaitaire: 48 200 EUR"
NAME = "Mémoire technique.pdf"


@pytest.fixture
def bid_file(people, business, consultation):
    bid = deposit(
        people["bidder"],
        business,
        consultation,
        files={"offre-financiere.pdf": CONTENT},
        when=BEFORE,
    )
    with at(OPENING):
        actions.start_opening(people["opener"], consultation)
        actions.open_bids(people["opener"], consultation)
    return bid.files.get()


def file_url(bid_file):
    return reverse(
        "web:bid-file-download", args=[bid_file.bid.consultation_id, bid_file.pk]
    )


def reads(bid_file):
    return OpeningEvent.objects.filter(
        bid_file=bid_file, action=OpeningAction.FILE_READ
    )


def test_the_opener_reads_the_opened_file(client, people, bid_file):
    with at(LATER):
        client.force_login(people["opener"])
        response = client.get(file_url(bid_file))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == CONTENT
    assert response["Cache-Control"] == "no-store"


def test_no_one_else_reads_it(client, people, bid_file):
    answers = {}
    with at(LATER):
        for name, person in people.items():
            if name == "opener":
                continue
            client.force_login(person)
            answers[name] = client.get(file_url(bid_file)).status_code

    assert set(answers.values()) == {404}
    assert not reads(bid_file).exists()


def test_every_read_is_registered(client, people, bid_file):
    opener = people["opener"]

    with at(LATER):
        client.force_login(opener)
        for _ in range(2):
            b"".join(client.get(file_url(bid_file)).streaming_content)

    assert [(event.user, event.at) for event in reads(bid_file)] == [
        (opener, LATER),
        (opener, LATER),
    ]
    journal = entries_for(bid_file).filter(action="bid-file.read")
    assert [(entry.actor, entry.data["name"]) for entry in journal] == [
        (opener, "offre-financiere.pdf"),
        (opener, "offre-financiere.pdf"),
    ]


def test_the_register_shows_each_read_to_the_buyer_s_side(client, people, bid_file):
    with at(LATER):
        client.force_login(people["opener"])
        b"".join(client.get(file_url(bid_file)).streaming_content)
        client.force_login(people["buyer admin"])
        page = client.get(
            reverse("web:opening-register", args=[bid_file.bid.consultation_id])
        )

    assert page.status_code == 200
    assert "file read" in page.content.decode()


def test_the_admin_shows_a_superuser_no_content(client, people, bid_file):
    with at(LATER):
        client.force_login(people["superuser"])
        page = client.get(reverse("admin:bids_bid_change", args=[bid_file.bid_id]))

    assert page.status_code == 200
    assert "offre-financiere.pdf" in page.content.decode()
    assert bid_file.stored_as not in page.content.decode()
    assert CONTENT.decode() not in page.content.decode()


# A sealed bid: what is read is the decrypted copy, for the openers alone.


@pytest.fixture
def sealed_file(people, business, consultation, buyer, tmp_path, monkeypatch):
    """A sealed bid opened by two openers of three with their shares."""
    for name in ("MUTUALIS_CLAMD_SOCKET", "MUTUALIS_CLAMD_HOST", "MUTUALIS_CLAMD_PORT"):
        monkeypatch.delenv(name, raising=False)
    three = openers(buyer, 3)
    commission(consultation, [opener.key for opener in three], threshold=2)
    with at(BEFORE):
        bid = sealed_bid(people["bidder"], business, consultation, tmp_path)
    with at(OPENING):
        actions.start_opening(three[0].user, consultation)
        for opener in three[:2]:
            document = actions.sealed_shares_for(opener.user, consultation)
            shares = decrypted_shares(opener, document)
            actions.submit_shares(opener.user, consultation, shares)
        actions.open_bids(three[1].user, consultation)
    people["commission member"] = three[2].user
    return bid.files.get(name=NAME)


def test_an_opener_reads_the_decrypted_copy(client, people, sealed_file):
    with at(LATER):
        client.force_login(people["commission member"])
        response = client.get(file_url(sealed_file))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == FILES[NAME]
    assert [event.user for event in reads(sealed_file)] == [people["commission member"]]


def test_no_one_outside_the_openers_reads_the_decrypted_copy(
    client, people, sealed_file
):
    answers = set()
    with at(LATER):
        for name, person in people.items():
            if name in ("opener", "commission member"):
                continue
            client.force_login(person)
            answers.add(client.get(file_url(sealed_file)).status_code)

    assert answers == {404}
    assert not reads(sealed_file).exists()


def test_a_file_no_scanner_saw_is_flagged_in_the_register_and_kept(
    client, people, sealed_file
):
    with at(LATER):
        client.force_login(people["buyer agent"])
        page = client.get(
            reverse("web:opening-register", args=[sealed_file.bid.consultation_id])
        ).content.decode()

    assert "Malware scan: unscannable (no scanner configured)" in page
    assert sealed_file.opened_as
