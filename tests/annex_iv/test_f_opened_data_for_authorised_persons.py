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

pytestmark = pytest.mark.django_db

BEFORE = DEADLINE - dt.timedelta(hours=2)
OPENING = DEADLINE + dt.timedelta(hours=1)
LATER = DEADLINE + dt.timedelta(days=3)
CONTENT = b"%PDF-1.7 prix global et forfaitaire: 48 200 EUR"


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
