# The fixtures come from the bids and vault tests; pytest passes them in by name.
# ruff: noqa: F811
"""A vault document checked on the deposit page is sealed with the bid in the browser."""

import datetime as dt

import pytest
import time_machine
from playwright.sync_api import expect

from mutualis.bids import actions
from mutualis.bids.models import Bid, BidState
from tests.bids.conftest import (  # noqa: F401
    bidder,
    business,
    buyer,
    consultation,
    lot,
)
from tests.bids.factories import paris
from tests.bids.sealed import decrypted_shares, openers
from tests.browser.conftest import assert_accessible
from tests.factories import commission
from tests.vault.conftest import day, upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BEFORE = paris(2027, 1, 14, 11, 15, 42)
AFTER = paris(2027, 1, 16, 9, 30)
PASSWORD = "correct horse battery"
URSSAF = b"%PDF-1.7 attestation URSSAF de vigilance " + bytes(range(256)) * 400


def log_in(page, email):
    page.goto("/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()
    page.wait_for_url("**/me/")


def hand_over(opener, consultation):
    document = actions.sealed_shares_for(opener.user, consultation)
    actions.submit_shares(opener.user, consultation, decrypted_shares(opener, document))


def test_a_checked_vault_document_is_sealed_with_the_bid_and_opens_as_it_was(
    page, axe, bidder, business, buyer, consultation, lot, tmp_path
):
    two = openers(buyer, 2)
    commission(consultation, [o.key for o in two], threshold=2)
    with time_machine.travel(BEFORE, tick=True) as clock:
        upload(
            bidder,
            business,
            kind="social",
            title="Attestation URSSAF",
            name="Attestation URSSAF.pdf",
            content=URSSAF,
            valid_until=day(2027, 6, 30),
        )
        memoire = tmp_path / "Mémoire technique.pdf"
        memoire.write_bytes(b"%PDF-1.7 memoire")

        log_in(page, bidder.email)
        page.get_by_role("link", name="Document vault").click()
        expect(page.get_by_role("cell", name="Attestation URSSAF.pdf")).to_be_visible()
        assert_accessible(axe, page)
        page.goto(f"/consultations/{consultation.pk}/bid/")
        submit = page.get_by_role("button", name="Seal and deposit the bid")
        expect(submit).to_be_enabled()
        page.get_by_label("Lot 2: Trottoirs et bordures").check()
        page.get_by_label("Files").set_input_files([memoire])
        page.get_by_label("Attestation URSSAF —").check()
        assert_accessible(axe, page)
        submit.click()
        page.wait_for_url("**/business/bids/*/", timeout=60_000)

        bid = Bid.objects.get()
        sealed = list(bid.files.order_by("position"))
        clock.move_to(AFTER + dt.timedelta(seconds=1))
        actions.start_opening(two[0].user, consultation)
        for opener in two:
            hand_over(opener, consultation)
        actions.open_sealed_bid(two[1].user, bid)
        with actions.read_bid_file(two[1].user, bid.files.get(position=2)) as stream:
            opened = stream.read()

    assert [f.name for f in sealed] == [
        "Mémoire technique.pdf",
        "Attestation URSSAF.pdf",
    ]
    assert sealed[1].size > len(URSSAF)
    bid.refresh_from_db()
    assert bid.state == BidState.OPENED
    assert opened == URSSAF
    assert "Attestation URSSAF.pdf" in page.locator("main").inner_text()
