# The fixtures come from the bids tests; pytest passes them in by name.
# ruff: noqa: F811
import hashlib
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from mutualis.accounts.models import Role
from mutualis.bids.models import Bid
from tests.bids.conftest import (  # noqa: F401
    bidder,
    business,
    buyer,
    consultation,
    lot,
)
from tests.bids.factories import at, deposit, paris, stored_files
from tests.factories import BusinessFactory, member

pytestmark = pytest.mark.django_db

BEFORE = paris(2027, 1, 14, 11, 15, 42)


def logged_in(client, user):
    client.force_login(user)
    return client


def files(**named):
    return [SimpleUploadedFile(name, content) for name, content in named.items()]


def post_deposit(client, consultation, data):
    return client.post(reverse("web:bid-deposit", args=[consultation.pk]), data)


def test_the_deposit_page_states_the_limits_before_upload(
    client, settings, bidder, consultation, lot
):
    settings.MUTUALIS_MAX_BID_FILES = 20
    settings.MUTUALIS_MAX_BID_FILE_SIZE = 200 * 1024 * 1024

    with at(BEFORE):
        page = logged_in(client, bidder).get(
            reverse("web:bid-deposit", args=[consultation.pk])
        )

    assert page.status_code == 200
    assert "You may attach up to 20 files, each of 200.0\xa0MB at most." in page.text
    assert "15 January 2027, 17:00:00 (Europe/Paris, UTC+01:00)" in page.text
    assert "Lot 2: Trottoirs et bordures" in page.text
    assert re.search(r'<input type="file" name="files"[^>]* multiple[ >]', page.text)
    assert 'enctype="multipart/form-data"' in page.text


def test_after_the_deadline_the_page_warns_that_a_bid_would_be_late(
    client, bidder, consultation
):
    with at(paris(2027, 1, 15, 17, 1)):
        page = logged_in(client, bidder).get(
            reverse("web:bid-deposit", args=[consultation.pk])
        )

    assert "The deadline has passed." in page.text


def test_an_anonymous_visitor_is_sent_to_log_in(client, consultation):
    page = client.get(reverse("web:bid-deposit", args=[consultation.pk]))

    assert page.status_code == 302
    assert page.url.startswith(reverse("web:login"))


def test_a_person_of_no_business_is_told_why_they_cannot_deposit(
    client, buyer, consultation
):
    agent = member(buyer, Role.BUYER_AGENT)

    page = logged_in(client, agent).get(
        reverse("web:bid-deposit", args=[consultation.pk])
    )
    sent = post_deposit(client, consultation, {"files": files(**{"a.pdf": b"a"})})

    assert page.status_code == sent.status_code == 403
    assert "your account belongs to no business" in page.text
    assert Bid.objects.count() == 0


def test_a_deposit_through_the_form_gives_the_receipt_as_the_user_sees_it(
    client, bidder, business, consultation, lot
):
    memoire = b"M" * 3000
    data = {
        "business": business.pk,
        "lot": lot.pk,
        "files": files(**{"Mémoire technique.pdf": memoire, "DPGF é.xlsx": b"dpgf"}),
    }

    with at(BEFORE):
        response = post_deposit(logged_in(client, bidder), consultation, data)
        receipt = client.get(response.url)

    bid = Bid.objects.get()
    assert response.url == reverse("web:bid-receipt", args=[bid.receipt_number])
    text = receipt.text
    assert f"Your bid was received. Receipt number: {bid.receipt_number}." in text
    for shown in [
        "2027-VOI-004 — Réfection de la voirie communale",
        "Lot 2: Trottoirs et bordures",
        "Société Générale d&#x27;Étanchéité Bourguignonne",
        "14 January 2027, 11:15:42.000 (Europe/Paris, UTC+01:00)",
        "Mémoire technique.pdf",
        "3,000 bytes (2.9\xa0KB)",
        hashlib.sha256(memoire).hexdigest(),
        "DPGF é.xlsx",
        "4 bytes",
        hashlib.sha256(b"dpgf").hexdigest(),
    ]:
        assert shown in text
    assert "No: late" not in text


def test_a_late_receipt_says_late(client, bidder, business, consultation):
    data = {"business": business.pk, "files": files(**{"offre.pdf": b"x"})}

    with at(paris(2027, 1, 15, 17, 0, 0, 1000)):
        response = post_deposit(logged_in(client, bidder), consultation, data)
        receipt = client.get(response.url)

    assert "No: late" in receipt.text
    assert "this bid arrived after the deadline" in receipt.text
    assert "15 January 2027, 17:00:00.001 (Europe/Paris, UTC+01:00)" in receipt.text


def test_a_file_above_the_limit_is_refused_by_name_and_nothing_is_kept(
    client, settings, bidder, business, consultation
):
    settings.MUTUALIS_MAX_BID_FILE_SIZE = 1000
    data = {
        "business": business.pk,
        "files": files(**{"petit.pdf": b"p" * 10, "Plan d'exécution.dwg": b"x" * 1001}),
    }

    with at(BEFORE):
        page = post_deposit(logged_in(client, bidder), consultation, data)

    assert page.status_code == 400
    assert (
        "“Plan d&#x27;exécution.dwg” is larger than 1000\xa0bytes, "
        "the most a bid file may weigh."
    ) in page.text
    assert Bid.objects.count() == 0
    assert stored_files(settings) == []


def test_more_files_than_allowed_are_refused_with_a_readable_page(
    client, settings, bidder, business, consultation
):
    settings.MUTUALIS_MAX_BID_FILES = 2
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    data = {
        "business": business.pk,
        "files": files(**{"a.pdf": b"a", "b.pdf": b"b", "c.pdf": b"c"}),
    }

    with at(BEFORE):
        page = post_deposit(logged_in(client, bidder), consultation, data)

    assert page.status_code == 400
    assert "You sent more files than a bid may hold: at most 2 files." in page.text
    assert "Deposit a bid" in page.text
    assert Bid.objects.count() == 0


def test_more_files_than_the_bid_limit_below_the_request_limit_are_refused(
    client, settings, bidder, business, consultation
):
    settings.MUTUALIS_MAX_BID_FILES = 2
    data = {
        "business": business.pk,
        "files": files(**{"a.pdf": b"a", "b.pdf": b"b", "c.pdf": b"c"}),
    }

    with at(BEFORE):
        page = post_deposit(logged_in(client, bidder), consultation, data)

    assert page.status_code == 400
    assert "You chose 3 files; a bid may hold at most 2 files." in page.text


def test_an_oversized_form_gets_a_readable_page(
    client, settings, bidder, business, consultation
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    data = {
        "business": business.pk,
        "note": "x" * 200,
        "files": files(**{"a.pdf": b"a"}),
    }

    with at(BEFORE):
        page = post_deposit(logged_in(client, bidder), consultation, data)

    assert page.status_code == 413
    assert "The form was too large to be read; send the files again." in page.text


def test_a_deposit_without_a_lot_is_refused_with_the_lot_named(
    client, bidder, business, consultation, lot
):
    data = {"business": business.pk, "files": files(**{"a.pdf": b"a"})}

    with at(BEFORE):
        page = post_deposit(logged_in(client, bidder), consultation, data)

    assert page.status_code == 400
    assert "Choose the lot this bid is for." in page.text


def test_a_deposit_without_files_is_refused(client, bidder, business, consultation):
    with at(BEFORE):
        page = post_deposit(
            logged_in(client, bidder), consultation, {"business": business.pk}
        )

    assert page.status_code == 400
    assert "Choose at least one file to deposit." in page.text


def test_a_deposit_needs_the_form_token(bidder, business, consultation):
    client = Client(enforce_csrf_checks=True)
    data = {"business": business.pk, "files": files(**{"a.pdf": b"a"})}

    with at(BEFORE):
        page = post_deposit(logged_in(client, bidder), consultation, data)

    assert page.status_code == 403
    assert Bid.objects.count() == 0


def test_a_member_may_not_deposit_for_another_business(
    client, bidder, business, consultation
):
    other = BusinessFactory()
    data = {"business": other.pk, "files": files(**{"a.pdf": b"a"})}

    with at(BEFORE):
        page = post_deposit(logged_in(client, bidder), consultation, data)

    assert page.status_code == 400
    assert "Select a valid choice." in page.text
    assert Bid.objects.count() == 0


def test_the_business_bids_page_lists_each_bid_with_its_state(
    client, bidder, business, consultation, django_assert_max_num_queries
):
    replaced = deposit(bidder, business, consultation, when=paris(2027, 1, 10, 9))
    current = deposit(bidder, business, consultation, when=paris(2027, 1, 11, 9))
    late = deposit(bidder, business, consultation, when=paris(2027, 1, 15, 18))

    with at(paris(2027, 1, 15, 19)):
        logged_in(client, bidder)
        with django_assert_max_num_queries(4):
            page = client.get(reverse("web:business-bids"))

    rows = page.text.split("<tr>")[2:]
    assert [
        (bid.receipt_number in row, state in row)
        for bid, row, state in zip(
            [late, current, replaced],
            rows,
            ["received", "received", "replaced by a later deposit"],
            strict=True,
        )
    ] == [(True, True)] * 3
    assert 'class="badge late"' in rows[0]
    assert "late" not in rows[1]


def test_a_receipt_is_not_shown_outside_the_business(
    client, bidder, business, consultation
):
    bid = deposit(bidder, business, consultation, when=BEFORE)
    rival = member(BusinessFactory(), Role.COMPANY_ADMIN)

    with at(BEFORE):
        page = logged_in(client, rival).get(
            reverse("web:bid-receipt", args=[bid.receipt_number])
        )

    assert page.status_code == 404
