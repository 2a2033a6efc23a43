# The fixtures come from the bids tests; pytest passes them in by name.
# ruff: noqa: F811
"""The deposit page seals in the browser; what it sends opens with pyrage and age."""

import hashlib
import shutil
import subprocess

import pyrage
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from mutualis.bids.models import Bid, OpenerKey, OpeningCommission
from tests.bids.conftest import (  # noqa: F401
    bidder,
    business,
    buyer,
    consultation,
    lot,
)
from tests.bids.factories import paris
from tests.browser.conftest import assert_accessible
from tests.browser.sealing_support import (
    StandInServer,
    inner_of,
    new_openers,
    recover_identity,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BEFORE = paris(2027, 1, 14, 11, 15, 42)
PASSWORD = "correct horse battery"


def log_in(page, email):
    page.goto("/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()
    page.wait_for_url("**/me/")


@pytest.fixture
def clock():
    with time_machine.travel(BEFORE, tick=True):
        yield


@pytest.fixture
def openers():
    return new_openers(3)


@pytest.fixture
def server(consultation, lot, openers):
    return StandInServer(consultation, openers, threshold=2, lot=lot)


def open_deposit_page(page, bidder, consultation, server):
    server.install(page)
    log_in(page, bidder.email)
    page.goto(f"/consultations/{consultation.pk}/bid/")
    expect(page.get_by_role("button", name="Seal and deposit the bid")).to_be_enabled()
    return page


@pytest.fixture
def deposit_page(page, clock, bidder, consultation, server):
    return open_deposit_page(page, bidder, consultation, server)


def choose(page, paths):
    page.get_by_label("Lot 2: Trottoirs et bordures").check()
    page.get_by_label("Files").set_input_files(paths)


def test_a_file_sealed_in_the_page_opens_with_the_shares_and_pyrage(
    deposit_page, server, openers, business, tmp_path
):
    memoire = tmp_path / "Mémoire technique.pdf"
    memoire.write_bytes(b"%PDF-1.7 " + bytes(range(256)) * 3000)
    dpgf = tmp_path / "DPGF é.xlsx"
    dpgf.write_bytes(b"dpgf")

    choose(deposit_page, [memoire, dpgf])
    deposit_page.get_by_role("button", name="Seal and deposit the bid").click()
    deposit_page.wait_for_url("**/business/bids/SB-1/")

    sent, sealed = server.only_deposit()
    manifest = sent["manifest"]
    identity = recover_identity(manifest, openers[1:])
    assert pyrage.decrypt(sealed[0], [identity]) == memoire.read_bytes()
    assert pyrage.decrypt(sealed[1], [identity]) == b"dpgf"
    assert [f["name"] for f in manifest["files"]] == [
        "Mémoire technique.pdf",
        "DPGF é.xlsx",
    ]
    assert [f["size"] for f in manifest["files"]] == [len(s) for s in sealed]
    assert inner_of(manifest, identity)["files"][1] == {
        "name": "DPGF é.xlsx",
        "size": 4,
        "sha256": hashlib.sha256(b"dpgf").hexdigest(),
    }
    assert manifest["bid_recipient"] == str(identity.to_public())
    assert manifest["lot"] == server.lot.pk
    assert sent["business"] == business.pk
    assert deposit_page.locator("main").inner_text() == "Receipt SB-1"


def test_a_file_sealed_in_the_page_opens_with_the_standard_age_tool(
    deposit_page, server, openers, tmp_path
):
    age = shutil.which("age")
    if age is None:
        pytest.skip("the age tool is not installed (apt-get install age)")
    offer = tmp_path / "offre.pdf"
    offer.write_bytes(b"%PDF-1.7 offre " * 10_000)

    choose(deposit_page, [offer])
    deposit_page.get_by_role("button", name="Seal and deposit the bid").click()
    deposit_page.wait_for_url("**/business/bids/SB-1/")

    sent, (sealed,) = server.only_deposit()
    key = tmp_path / "bid-identity.txt"
    key.write_text(str(recover_identity(sent["manifest"], openers[:2])) + "\n")
    (tmp_path / "offre.pdf.age").write_bytes(sealed)
    opened = subprocess.run(
        [age, "-d", "-i", str(key), str(tmp_path / "offre.pdf.age")],
        capture_output=True,
        check=True,
    )
    assert opened.stdout == offer.read_bytes()


def test_the_limits_are_enforced_before_sealing_with_a_message(
    page, clock, bidder, consultation, lot, openers, axe, tmp_path
):
    limits = {"max_file_size": 1024, "max_bid_size": 1500, "max_files": 2}
    server = StandInServer(consultation, openers, threshold=2, limits=limits, lot=lot)
    open_deposit_page(page, bidder, consultation, server)
    paths = [tmp_path / name for name in ["a.pdf", "b.pdf", "c.pdf"]]
    for path in paths:
        path.write_bytes(b"x" * 800)
    (tmp_path / "big.pdf").write_bytes(b"x" * 1025)
    submit = page.get_by_role("button", name="Seal and deposit the bid")
    alert = page.locator("#deposit-error")

    page.get_by_label("Files").set_input_files(paths[:1])
    submit.click()
    expect(alert).to_have_text("Choose the lot this bid is for.")
    choose(page, paths)
    submit.click()
    expect(alert).to_have_text("Files chosen: 3; a bid may hold 2 at most.")
    choose(page, [tmp_path / "big.pdf"])
    submit.click()
    expect(alert).to_have_text(
        "“big.pdf” is larger than 1.0 KB, the most a bid file may weigh."
    )
    choose(page, paths[:2])
    submit.click()
    expect(alert).to_have_text(
        "Your files weigh 1.6 KB together; a bid may weigh 1.5 KB at most."
    )

    assert server.deposits == {}
    assert_accessible(axe, page)


def test_a_refusal_by_the_platform_is_shown_with_its_reason(
    deposit_page, server, tmp_path
):
    server.refusal = "“offre.pdf”: a file name may have at most 120 characters."
    offer = tmp_path / "offre.pdf"
    offer.write_bytes(b"offre")

    choose(deposit_page, [offer])
    deposit_page.get_by_role("button", name="Seal and deposit the bid").click()

    expect(deposit_page.locator("#deposit-error")).to_have_text(
        "The platform refused the deposit: “offre.pdf”: a file name may have at most"
        " 120 characters."
    )
    expect(
        deposit_page.get_by_role("button", name="Seal and deposit the bid")
    ).to_be_enabled()


def test_a_plain_upload_to_a_sealed_consultation_is_refused_unread(
    client, bidder, business, consultation, openers
):
    key = OpenerKey.objects.create(
        user=bidder,
        buyer=consultation.buyer,
        recipient=openers[0]["recipient"],
        created_at=BEFORE,
    )
    OpeningCommission.objects.create(consultation=consultation, threshold=1).keys.add(
        key
    )
    offer = SimpleUploadedFile("offre.pdf", b"%PDF-1.7 en clair")

    with time_machine.travel(BEFORE, tick=False):
        client.force_login(bidder)
        page = client.post(
            f"/consultations/{consultation.pk}/bid/",
            {"business": business.pk, "files": [offer]},
        )

    assert page.status_code == 400
    assert "This consultation takes sealed bids only" in page.text
    assert Bid.objects.count() == 0


def test_the_page_states_the_three_limits_and_that_depositing_needs_javascript(
    client, settings, bidder, consultation
):
    settings.MUTUALIS_MAX_BID_FILES = 20
    settings.MUTUALIS_MAX_BID_FILE_SIZE = 200 * 1000 * 1000
    settings.MUTUALIS_MAX_BID_SIZE = 2 * 1000**3

    with time_machine.travel(BEFORE, tick=False):
        client.force_login(bidder)
        page = client.get(f"/consultations/{consultation.pk}/bid/")

    assert "You may attach up to 20 files, each of 190.7\xa0MB at most." in page.text
    assert "All the files of a bid together may weigh 1.9\xa0GB at most." in page.text
    assert '<noscript><p class="message error">Depositing a bid needs JavaScript' in (
        page.text
    )
