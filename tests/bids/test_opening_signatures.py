"""At opening, every signature of a bid's files is judged and kept with the file."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from mutualis.bids import actions, opening
from mutualis.bids.register_pdf import sealed_register_pdf
from mutualis.bids.scan import ScanResult
from mutualis.core.journal import entries_for
from mutualis.trust import store
from mutualis.trust.report import INDETERMINATE, PASSED
from tests import pki
from tests.accounts.html import page_text
from tests.bids.factories import at, paris
from tests.bids.sealed import decrypted_shares, openers, sealed_bid
from tests.factories import UserFactory, commission
from tests.pki import blank_pdf, sign_detached, sign_pdf

pytestmark = pytest.mark.django_db

AFTER = paris(2027, 1, 16, 9, 30)
MEMOIRE = "Mémoire technique, version signée.".encode()


@pytest.fixture(autouse=True)
def _clean_scan(monkeypatch):
    monkeypatch.setattr(opening, "scan_file", lambda path: ScanResult("clean"))


@pytest.fixture
def one(buyer):
    return openers(buyer, 1)


@pytest.fixture
def signed_bid(bidder, business, consultation, one, tmp_path):
    commission(consultation, [one[0].key], threshold=1)
    valid = pki.test_pki().valid
    files = {
        "Acte d'engagement.pdf": sign_pdf(blank_pdf(), valid, "B-T"),
        "Mémoire.txt": MEMOIRE,
        "Mémoire.txt.p7s": sign_detached(MEMOIRE, valid, "B-B"),
        "Plans.dwg": b"AC1032 not a signature",
    }
    return sealed_bid(bidder, business, consultation, tmp_path, files=files)


def open_it(bid, opener):
    with at(AFTER):
        actions.start_opening(opener.user, bid.consultation)
        document = actions.sealed_shares_for(opener.user, bid.consultation)
        actions.submit_shares(
            opener.user, bid.consultation, decrypted_shares(opener, document)
        )
        actions.open_sealed_bid(opener.user, bid)


def reports_of(bid):
    return {
        f.name: [(r["indication"], r["level"]) for r in f.signatures]
        for f in bid.files.order_by("position")
    }


def test_signatures_under_an_accepted_authority_pass(signed_bid, one):
    operator = UserFactory(is_staff=True)
    store.accept_authority(operator, pki.test_pki().root.cert.dump(), "Test partner CA")

    open_it(signed_bid, one[0])

    assert reports_of(signed_bid) == {
        "Acte d'engagement.pdf": [(PASSED, "B-T")],
        "Mémoire.txt": [],
        "Mémoire.txt.p7s": [(PASSED, "B-B")],
        "Plans.dwg": [],
    }
    pdf = signed_bid.files.get(position=1).signatures[0]
    assert pdf["signer"].startswith("Valérie Valid")
    assert pdf["trusted_by"] == "Accepted by the operator: Test partner CA"
    assert pdf["time_source"] == "timestamp"
    entry = entries_for(signed_bid.files.get(position=1)).get(action="bid-file.opened")
    assert entry.data["signatures"][0]["indication"] == PASSED


def test_without_a_trusted_authority_a_signature_is_indeterminate(signed_bid, one):
    open_it(signed_bid, one[0])

    pdf = signed_bid.files.get(position=1).signatures[0]
    assert pdf["indication"] == INDETERMINATE
    assert pdf["subindication"] == "NO_CERTIFICATE_CHAIN_FOUND"


def test_the_register_pdf_carries_each_verdict(signed_bid, one):
    open_it(signed_bid, one[0])

    events = signed_bid.consultation.opening_events.select_related("bid", "user")
    pdf = sealed_register_pdf(signed_bid.consultation, events)

    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Signature: Indeterminate, signed by Valérie Valid" in text
    assert "No electronic signature." in text


def test_the_opening_page_shows_each_verdict(client, signed_bid, one):
    operator = UserFactory(is_staff=True)
    store.accept_authority(operator, pki.test_pki().root.cert.dump(), "Partner CA")
    open_it(signed_bid, one[0])

    with at(AFTER):
        client.force_login(one[0].user)
        page = client.get(
            reverse("web:consultation-opening", args=[signed_bid.consultation_id])
        )

    text = page_text(page)
    assert "Signature: Passed, signed by Valérie Valid" in text
    assert "B-T, qualification unknown, signed on" in text
    assert "(proved by a timestamp)" in text
    assert text.count("No electronic signature.") == 2


def test_a_detached_xades_signature_is_judged_over_the_file_it_names(
    bidder, business, consultation, one, tmp_path
):
    from tests.trust.test_xades import OFFER, sign_detached
    from tests.trust.xades_pki import make_pki

    xades = make_pki()
    commission(consultation, [one[0].key], threshold=1)
    files = {
        "offer.xml": OFFER,
        "offer-signature.xml": sign_detached(xades, xades.signer),
        "Plans.dwg": b"AC1032 never read for a signature",
    }
    bid = sealed_bid(bidder, business, consultation, tmp_path, files=files)

    open_it(bid, one[0])

    signature = bid.files.get(name="offer-signature.xml").signatures
    assert [(r["format"], r["indication"], r["level"]) for r in signature] == [
        ("XAdES", INDETERMINATE, "B-B")
    ]
    assert signature[0]["subindication"] == "NO_CERTIFICATE_CHAIN_FOUND"
