# The fixtures come from the bids tests; pytest passes them in by name.
# ruff: noqa: F811
"""The backup copy's page: the case that applies, its shares, its opening."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mutualis.accounts.models import Role
from mutualis.bids import actions, opening, storage
from mutualis.bids.models import BidState
from mutualis.bids.scan import ScanResult
from tests.accounts.html import page_text
from tests.bids.conftest import (  # noqa: F401
    bidder,
    business,
    buyer,
    consultation,
    opener,
)
from tests.bids.factories import at, paris
from tests.bids.sealed import decrypted_shares, openers, sealed_bid
from tests.factories import commission, member

pytestmark = pytest.mark.django_db

AFTER = paris(2027, 1, 16, 9, 30)


@pytest.fixture
def two(buyer):
    return openers(buyer, 2)


@pytest.fixture
def pair(bidder, business, consultation, two, tmp_path, monkeypatch):
    """A sealed electronic bid and its sealed backup copy."""
    monkeypatch.setattr(opening, "scan_file", lambda path: ScanResult("clean"))
    commission(consultation, [o.key for o in two], threshold=2)
    electronic = sealed_bid(bidder, business, consultation, tmp_path)
    copy = sealed_bid(bidder, business, consultation, tmp_path, backup=True)
    return electronic, copy


def opened_session(consultation, two):
    actions.start_opening(two[0].user, consultation)
    for opener_ in two:
        document = actions.sealed_shares_for(opener_.user, consultation)
        actions.submit_shares(
            opener_.user, consultation, decrypted_shares(opener_, document)
        )
    actions.open_bids(two[0].user, consultation)


def page_of(copy, name="opening-backup"):
    return reverse(f"web:{name}", args=[copy.consultation_id, copy.receipt_number])


def hand_over(client, opener_, copy):
    client.force_login(opener_.user)
    document = client.get(page_of(copy, "opening-backup-shares-json")).json()
    upload = SimpleUploadedFile(
        "decrypted.json", decrypted_shares(opener_, document).encode()
    )
    return client.post(
        page_of(copy, "opening-backup-shares"), {"shares": upload}, follow=True
    )


def test_the_openers_open_the_backup_of_an_unreadable_bid(
    client, pair, consultation, two
):
    electronic, copy = pair
    first = electronic.files.get(position=1)
    path = Path(storage.protected_storage().path(first.stored_as))
    path.write_bytes(path.read_bytes()[:-30])

    with at(AFTER):
        opened_session(consultation, two)
        client.force_login(two[0].user)
        listed = page_text(
            client.get(reverse("web:consultation-opening", args=[consultation.pk]))
        )
        told = page_text(client.get(page_of(copy)))
        hand_over(client, two[0], copy)
        second = page_text(hand_over(client, two[1], copy))
        done = client.post(
            page_of(copy, "opening-backup-open"), {"case": "unreadable"}, follow=True
        )

    assert f"{copy.receipt_number} backup copy" in listed
    assert (
        "The law allows this backup copy to be opened: electronic bid could not be "
        "opened." in told
    )
    assert "2 of 2 shares handed over" in second
    assert f"Backup copy {copy.receipt_number} is open." in page_text(done)
    copy.refresh_from_db()
    assert copy.state == BidState.OPENED


def test_the_backup_of_a_sound_bid_says_it_stays_sealed(
    client, pair, consultation, two
):
    _electronic, copy = pair

    with at(AFTER):
        opened_session(consultation, two)
        client.force_login(two[0].user)
        page = page_text(client.get(page_of(copy)))
        shares = client.get(page_of(copy, "opening-backup-shares-json"))

    assert "its backup copy stays sealed and is destroyed at the end" in page
    assert "Open the backup copy" not in page
    assert shares.status_code == 403


def test_only_the_openers_see_a_backup_copy(client, pair, consultation, two, buyer):
    _electronic, copy = pair
    agent = member(buyer, Role.BUYER_AGENT)

    with at(AFTER):
        opened_session(consultation, two)
        client.force_login(agent)
        answer = client.get(page_of(copy))

    assert answer.status_code == 404
