# The fixtures come from the bids tests; pytest passes them in by name.
# ruff: noqa: F811
"""The sealing pages: opener keys, the draft's commission, sealing.json, opening."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pyrage import x25519

from mutualis.accounts.models import Role
from mutualis.bids import opening
from mutualis.bids.models import BidState, OpenerKey
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
from tests.bids.sealed import FILES, decrypted_shares, openers, sealed_bid
from tests.factories import ConsultationFactory, commission, member, opener_key

pytestmark = pytest.mark.django_db

AFTER = paris(2027, 1, 16, 9, 30)


def as_user(client, user):
    client.force_login(user)
    return client


# Opener keys


def test_an_opener_registers_lists_and_revokes_a_key(client, buyer, opener):
    recipient = str(x25519.Identity.generate().to_public())
    as_user(client, opener)

    response = client.post(
        reverse("web:opener-keys"),
        {"buyer": buyer.pk, "recipient": recipient, "label": "portable"},
        follow=True,
    )
    listed = page_text(response)
    key = OpenerKey.objects.get(recipient=recipient)
    revoked = client.post(reverse("web:opener-key-revoke", args=[key.pk]), follow=True)

    assert "The key is registered." in listed
    assert recipient in listed
    assert "current" in listed
    assert "The key is revoked." in page_text(revoked)
    assert "revoked on" in page_text(revoked)


def test_a_pasted_secret_key_is_refused_with_the_reason(client, buyer, opener):
    as_user(client, opener)

    response = client.post(
        reverse("web:opener-keys"),
        {"buyer": buyer.pk, "recipient": "AGE-SECRET-KEY-1ABC"},
    )

    assert response.status_code == 400
    assert "Recipient: an age recipient starts with “age1”." in page_text(response)
    assert not OpenerKey.objects.exists()


def test_someone_who_is_no_opener_cannot_register(client, buyer):
    as_user(client, member(buyer, Role.BUYER_AGENT))

    page = page_text(client.get(reverse("web:opener-keys")))

    assert "Only a member of a buyer's opening commission" in page


def test_no_one_revokes_another_openers_key(client, buyer, opener):
    key = opener_key(buyer)
    as_user(client, opener)

    response = client.post(reverse("web:opener-key-revoke", args=[key.pk]))

    assert response.status_code == 404


# Commission


@pytest.fixture
def agent(buyer):
    return member(buyer, Role.BUYER_AGENT)


def test_the_draft_links_to_its_commission_and_says_what_is_missing(
    client, buyer, agent
):
    draft = ConsultationFactory(buyer=buyer)
    as_user(client, agent)

    page = client.get(reverse("web:consultation-edit", args=[draft.pk]))

    assert "No opening commission yet: name it before publishing." in page_text(page)
    assert reverse("web:consultation-commission", args=[draft.pk]) in (
        page.content.decode()
    )


def test_an_agent_names_the_commission_of_a_draft(client, buyer, agent):
    draft = ConsultationFactory(buyer=buyer)
    keys = [opener_key(buyer, label=f"clé {n}") for n in range(3)]
    as_user(client, agent)
    url = reverse("web:consultation-commission", args=[draft.pk])

    form = page_text(client.get(url))
    response = client.post(
        url, {"keys": [k.pk for k in keys[:2]], "threshold": 2}, follow=True
    )

    assert "clé 0" in form and "clé 2" in form
    assert "The opening commission is saved." in page_text(response)
    assert "2 of 2 openers must act together to open the bids." in page_text(response)


def test_a_threshold_above_the_keys_is_refused_on_the_page(client, buyer, agent):
    draft = ConsultationFactory(buyer=buyer)
    key = opener_key(buyer)
    as_user(client, agent)

    response = client.post(
        reverse("web:consultation-commission", args=[draft.pk]),
        {"keys": [key.pk], "threshold": 2},
    )

    assert response.status_code == 400
    assert "Openers needed: between 1 and 1." in page_text(response)


def test_the_commission_page_is_closed_once_published(client, consultation, buyer):
    as_user(client, member(buyer, Role.BUYER_AGENT))

    response = client.get(
        reverse("web:consultation-commission", args=[consultation.pk])
    )

    assert response.status_code == 403


# sealing.json


def test_sealing_json_is_public_once_published(client, consultation, buyer):
    key = opener_key(buyer)
    commission(consultation, [key])

    info = client.get(reverse("web:consultation-sealing", args=[consultation.pk]))

    assert info.json()["openers"] == [{"key": key.pk, "recipient": key.recipient}]


def test_sealing_json_of_a_draft_is_not_shown(client, buyer):
    draft = ConsultationFactory(buyer=buyer)
    commission(draft)

    response = client.get(reverse("web:consultation-sealing", args=[draft.pk]))

    assert response.status_code == 404


# Opening with shares


@pytest.fixture
def two(buyer):
    return openers(buyer, 2)


@pytest.fixture
def bid(bidder, business, consultation, two, tmp_path, monkeypatch):
    monkeypatch.setattr(opening, "scan_file", lambda path: ScanResult("clean"))
    commission(consultation, [o.key for o in two], threshold=2)
    return sealed_bid(bidder, business, consultation, tmp_path)


def hand_over(client, opener, consultation):
    as_user(client, opener.user)
    document = client.get(
        reverse("web:opening-shares-json", args=[consultation.pk])
    ).json()
    upload = SimpleUploadedFile(
        "decrypted.json", decrypted_shares(opener, document).encode()
    )
    return client.post(
        reverse("web:opening-shares", args=[consultation.pk]),
        {"shares": upload},
        follow=True,
    )


def test_two_openers_hand_over_shares_open_the_bid_and_read_a_file(
    client, bid, consultation, two
):
    with at(AFTER):
        as_user(client, two[0].user)
        client.post(reverse("web:opening-start", args=[consultation.pk]))
        first = hand_over(client, two[0], consultation)
        second = page_text(hand_over(client, two[1], consultation))
        opened = client.post(
            reverse("web:opening-open-bid", args=[consultation.pk, bid.receipt_number]),
            follow=True,
        )
        file = bid.files.get(position=1)
        download = client.get(
            reverse("web:bid-file-download", args=[consultation.pk, file.pk])
        )

    assert "1 share was handed over." in page_text(first)
    assert "1 of 2 shares handed over" in page_text(first)
    assert f"Open bid {bid.receipt_number}" in second
    assert f"Bid {bid.receipt_number} is open." in page_text(opened)
    assert "Malware scan: clean" in page_text(opened)
    assert b"".join(download.streaming_content) == FILES["Mémoire technique.pdf"]
    bid.refresh_from_db()
    assert bid.state == BidState.OPENED


def test_the_page_script_posts_json_and_gets_json(client, bid, consultation, two):
    with at(AFTER):
        as_user(client, two[0].user)
        client.post(reverse("web:opening-start", args=[consultation.pk]))
        document = client.get(
            reverse("web:opening-shares-json", args=[consultation.pk])
        ).json()
        good = client.post(
            reverse("web:opening-shares", args=[consultation.pk]),
            decrypted_shares(two[0], document),
            content_type="application/json",
        )
        bad = client.post(
            reverse("web:opening-shares", args=[consultation.pk]),
            json.dumps(document),
            content_type="application/json",
        )

    assert good.json() == {"accepted": 1}
    assert bad.status_code == 400
    assert "not a key share; was it decrypted?" in bad.json()["error"]


def test_opening_with_too_few_shares_says_so_and_the_bid_stays_sealed(
    client, bid, consultation, two
):
    with at(AFTER):
        as_user(client, two[0].user)
        client.post(reverse("web:opening-start", args=[consultation.pk]))
        hand_over(client, two[0], consultation)
        response = client.post(
            reverse("web:opening-open", args=[consultation.pk]), follow=True
        )

    assert (
        f"bid {bid.receipt_number}: 1 of the 2 shares needed has been handed over."
        in page_text(response)
    )
    bid.refresh_from_db()
    assert bid.state == BidState.RECEIVED


def test_the_shares_section_keeps_a_plain_form(client, bid, consultation, two):
    with at(AFTER):
        as_user(client, two[0].user)
        client.post(reverse("web:opening-start", args=[consultation.pk]))
        page = client.get(
            reverse("web:consultation-opening", args=[consultation.pk])
        ).content.decode()

    assert '<section id="shares">' in page
    assert 'name="shares"' in page


def test_shares_json_is_refused_before_the_deadline(client, bid, consultation, two):
    as_user(client, two[0].user)

    response = client.get(reverse("web:opening-shares-json", args=[consultation.pk]))

    assert response.status_code == 403
    assert "before the deadline" in response.json()["error"]


def test_the_register_lists_each_opened_files_hash_and_scan(
    client, bid, consultation, two
):
    with at(AFTER):
        as_user(client, two[0].user)
        client.post(reverse("web:opening-start", args=[consultation.pk]))
        for opener in two:
            hand_over(client, opener, consultation)
        client.post(
            reverse("web:opening-open-bid", args=[consultation.pk, bid.receipt_number])
        )
        register = page_text(
            client.get(reverse("web:opening-register", args=[consultation.pk]))
        )

    plain = bid.files.get(position=1)
    assert "key shares handed over" in register
    assert (
        f"Mémoire technique.pdf — 135,000 bytes (131.8 KB) — {plain.plain_sha256}"
        in register
    )
    assert "Malware scan: clean" in register
