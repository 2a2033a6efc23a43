"""The sealed deposit API: start, retry, conflict, state, and the receipt PDF."""
# The fixtures come from the uploads tests; pytest passes them in by name.
# ruff: noqa: F811

import hashlib
import io
import json

import pytest
from django.test import Client
from django.urls import reverse
from pyhanko.pdf_utils.reader import PdfFileReader

from mutualis.accounts.models import Role
from mutualis.bids import receipts
from mutualis.bids.models import Bid
from mutualis.trust import timestamps
from tests.bids.factories import at, paris
from tests.factories import BusinessFactory, ConsultationFactory, member
from tests.uploads.conftest import (  # noqa: F401
    bidder,
    business,
    buyer,
    consultation,
    lot,
    sealed,
)
from tests.uploads.sealed import bearer, manifest, patch, start, token_for

pytestmark = pytest.mark.django_db

BEFORE = paris(2027, 1, 14, 11, 15, 42)
SEALED = b"age-encryption.org/v1\n" + b"s" * 2000


@pytest.fixture
def token(bidder):
    return bearer(token_for(bidder))


def test_starting_a_deposit_answers_the_receipt_number_and_upload_urls(
    client, business, sealed, lot, token
):
    with at(BEFORE):
        answer = start(
            client, business, manifest(sealed, {"offre.age": SEALED}, lot), **token
        )

    assert answer.status_code == 201
    body = answer.json()
    bid = Bid.objects.get()
    assert body["deposit"] == bid.receipt_number
    assert body["state"] == "receiving"
    assert body["uploads"] == [
        f"http://testserver/api/uploads/{bid.files.get().upload_id}"
    ]
    assert body["files"] == [
        {
            "name": "offre.age",
            "size": 2022,
            "offset": 0,
            "sha256": "",
            "upload": body["uploads"][0],
        }
    ]


def test_a_retry_answers_200_with_the_same_deposit(
    client, business, sealed, lot, token
):
    document = manifest(sealed, {"offre.age": SEALED}, lot)
    first = start(client, business, document, **token)

    again = start(client, business, document, **token)

    assert again.status_code == 200
    assert again.json()["deposit"] == first.json()["deposit"]
    assert Bid.objects.count() == 1


def test_the_same_key_with_another_manifest_answers_409(
    client, business, sealed, lot, token
):
    document = manifest(sealed, {"offre.age": SEALED}, lot)
    start(client, business, document, **token)
    document["files"][0]["size"] = 10

    answer = start(client, business, document, **token)

    assert answer.status_code == 409
    assert answer.json() == {
        "error": "This deposit key is already used by another deposit; "
        "choose a new one for a new deposit."
    }


def test_a_file_over_the_limit_is_refused_before_upload_naming_it(
    client, business, sealed, lot, token, settings
):
    settings.MUTUALIS_MAX_BID_FILE_SIZE = 1000

    answer = start(
        client, business, manifest(sealed, {"offre.age": SEALED}, lot), **token
    )

    assert answer.status_code == 400
    assert answer.json() == {
        "error": "“offre.age” is larger than 1000\xa0bytes, the most a bid file may weigh."
    }


def test_a_business_one_is_no_member_of_is_refused(client, sealed, lot, token):
    answer = start(
        client, BusinessFactory(), manifest(sealed, {"offre.age": SEALED}, lot), **token
    )

    assert answer.status_code == 403
    assert "business" in answer.json()["error"]


def test_a_consultation_that_takes_no_bids_is_refused(client, business, token, buyer):
    draft = ConsultationFactory(buyer=buyer)
    document = {"consultation": draft.pk, "deposit_key": "x"}

    answer = start(client, business, document, **token)

    assert answer.status_code == 404
    assert answer.json() == {"error": "No such consultation."}


def test_a_body_that_is_not_json_is_refused(client, token):
    answer = client.post(
        reverse("web:api-deposits"), "{", content_type="application/json", **token
    )

    assert answer.status_code == 400
    assert answer.json() == {"error": "The request body must be a JSON object."}


def test_with_a_session_starting_needs_the_csrf_token(business, sealed, lot, bidder):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(bidder)
    browser.get(reverse("web:api-tokens"))
    document = manifest(sealed, {"offre.age": SEALED}, lot)

    refused = start(browser, business, document)
    accepted = start(
        browser, business, document, HTTP_X_CSRFTOKEN=browser.cookies["csrftoken"].value
    )

    assert refused.status_code == 403
    assert accepted.status_code == 201


def test_the_state_tells_each_offset_then_the_receipt(
    client, business, sealed, lot, token
):
    started = start(
        client, business, manifest(sealed, {"offre.age": SEALED}, lot), **token
    ).json()
    url = reverse("web:api-deposit", args=[started["deposit"]])
    patch(client, started["uploads"][0], SEALED[:500], 0, **token)
    halfway = client.get(url, **token).json()

    with at(paris(2027, 1, 15, 16, 59, 59, 999000)):
        patch(client, started["uploads"][0], SEALED[500:], 500, **token)
    done = client.get(url, **token).json()

    assert halfway["files"][0]["offset"] == 500 and halfway["state"] == "receiving"
    assert done["state"] == "received" and done["late"] is False
    assert done["received_at"] == "2027-01-15T15:59:59.999000Z"
    assert done["received"] == "15 January 2027, 16:59:59.999 (Europe/Paris, UTC+01:00)"


def test_another_persons_deposit_is_not_found(client, business, sealed, lot, token):
    started = start(
        client, business, manifest(sealed, {"offre.age": SEALED}, lot), **token
    ).json()
    stranger = bearer(token_for(member(BusinessFactory(), Role.BIDDER)))

    answer = client.get(
        reverse("web:api-deposit", args=[started["deposit"]]), **stranger
    )

    assert answer.status_code == 404
    assert answer.json() == {"error": "No such receipt."}


def test_the_receipt_page_shows_the_timestamp_and_offers_the_pdf(
    client, business, sealed, lot, token, bidder
):
    started = start(
        client, business, manifest(sealed, {"offre.age": SEALED}, lot), **token
    ).json()
    patch(client, started["uploads"][0], SEALED, 0, **token)
    bid = Bid.objects.get()
    client.force_login(bidder)

    page = client.get(reverse("web:bid-receipt", args=[bid.receipt_number]))
    pdf = client.get(reverse("web:bid-receipt-pdf", args=[bid.receipt_number]))

    token = bytes(bid.receipt_timestamp)
    stamped = timestamps.verify(token, receipts.receipt_digest(bid))
    assert bid.manifest_sha256 in page.text
    assert "Download the receipt as a sealed PDF" in page.text
    assert hashlib.sha256(token).hexdigest() in page.text
    shown = receipts.format_instant(stamped, "Europe/Paris", milliseconds=True)
    assert shown in page.text
    assert pdf.status_code == 200
    assert (
        pdf["Content-Disposition"] == f'attachment; filename="{bid.receipt_number}.pdf"'
    )
    signatures = PdfFileReader(io.BytesIO(pdf.content)).embedded_signatures
    assert [s.field_name for s in signatures] == ["MutualisSeal"]


def test_a_receiving_deposit_has_no_pdf_yet(
    client, business, sealed, lot, token, bidder
):
    started = start(
        client, business, manifest(sealed, {"offre.age": SEALED}, lot), **token
    ).json()
    client.force_login(bidder)

    answer = client.get(reverse("web:bid-receipt-pdf", args=[started["deposit"]]))

    assert answer.status_code == 404


def test_the_deposit_manifest_is_kept_as_sent(client, business, sealed, lot, token):
    document = manifest(sealed, {"offre.age": SEALED}, lot)

    start(client, business, document, **token)

    assert Bid.objects.get().manifest == json.loads(json.dumps(document))


def test_a_deposit_whose_finishing_failed_is_finished_at_the_next_look(
    client, business, sealed, lot, token, monkeypatch
):
    started = start(
        client, business, manifest(sealed, {"offre.age": SEALED}, lot), **token
    ).json()

    def authority_down(digest):
        raise OSError("the timestamp authority did not answer")

    with monkeypatch.context() as broken:
        broken.setattr("mutualis.bids.receipts.stamp", authority_down)
        stored = patch(client, started["uploads"][0], SEALED, 0, **token)
    state = client.get(
        reverse("web:api-deposit", args=[started["deposit"]]), **token
    ).json()

    assert stored.status_code == 204
    assert stored["Upload-Offset"] == str(len(SEALED))
    assert state["state"] == "received"
