"""A deposit cut mid-upload goes on after a reload from the server's offset."""

# The fixtures come from the bids tests; pytest passes them in by name.
# ruff: noqa: F811
import pyrage
import pytest
from playwright.sync_api import expect
from pyrage import x25519

from mutualis.bids.models import Bid, BidState
from tests.bids.conftest import (  # noqa: F401
    bidder,
    business,
    buyer,
    consultation,
    lot,
)
from tests.browser.conftest import assert_accessible
from tests.browser.sealing_support import StandInServer, new_openers, recover_identity
from tests.browser.test_sealing_deposit import (  # noqa: F401
    choose,
    clock,
    log_in,
    open_deposit_page,
)
from tests.factories import commission, opener_key

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHUNK = 8 * 1024 * 1024


def test_a_cut_upload_resumes_after_a_reload_from_the_stored_offset(
    page, clock, bidder, consultation, lot, axe, tmp_path
):
    openers = new_openers(2)
    server = StandInServer(consultation, openers, threshold=2, lot=lot)
    server.cut_after = 1
    open_deposit_page(page, bidder, consultation, server)
    offer = tmp_path / "Plans.pdf"
    offer.write_bytes(b"%PDF-1.7 plans " + bytes(range(256)) * 40_000)

    choose(page, [offer])
    with page.expect_event("requestfailed"):
        page.get_by_role("button", name="Seal and deposit the bid").click()
    page.reload()
    server.cut_after = None
    resume = page.get_by_role("region", name="An interrupted deposit")
    expect(resume).to_contain_text("The sealed files of an earlier deposit (9.8 MB)")
    assert_accessible(axe, page)
    resume.get_by_role("button", name="Continue the upload").click()
    page.wait_for_url("**/business/bids/SB-1/")

    sent, (sealed,) = server.only_deposit()
    identity = recover_identity(sent["manifest"], openers)
    assert pyrage.decrypt(sealed, [identity]) == offer.read_bytes()
    assert server.patches == [0, CHUNK]
    assert server.heads[-1] == CHUNK
    assert len(server.deposits) == 1


def test_a_cut_upload_to_the_platform_resumes_and_gives_one_receipt(
    page, clock, bidder, consultation, lot, tmp_path
):
    identity = x25519.Identity.generate()
    key = opener_key(consultation.buyer, recipient=str(identity.to_public()))
    commission(consultation, [key], threshold=1)
    log_in(page, bidder.email)
    page.goto(f"/consultations/{consultation.pk}/bid/")
    offer = tmp_path / "Plans.pdf"
    offer.write_bytes(b"%PDF-1.7 plans " + bytes(range(256)) * 40_000)
    patches = []

    def first_patch_only(route):
        if route.request.method != "PATCH":
            route.continue_()
        elif patches:
            route.abort("connectionreset")
        else:
            patches.append(route.request.headers["upload-offset"])
            route.continue_()

    page.route("**/api/uploads/**", first_patch_only)
    choose(page, [offer])
    with page.expect_event("requestfailed"):
        page.get_by_role("button", name="Seal and deposit the bid").click()
    page.reload()
    page.unroute("**/api/uploads/**")
    page.get_by_role("button", name="Continue the upload").click()
    page.wait_for_url("**/business/bids/*/", timeout=60_000)

    bid = Bid.objects.get()
    (bid_file,) = bid.files.all()
    assert patches == ["0"]
    assert bid.state == BidState.RECEIVED
    assert bid.receipt_number in page.locator("h1").inner_text()
    assert "Plans.pdf" in page.locator("main").inner_text()
    assert bid_file.upload.offset == bid_file.size > CHUNK
