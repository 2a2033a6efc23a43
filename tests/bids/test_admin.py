import re

import pytest
from django.urls import reverse

from mutualis.accounts.models import User
from mutualis.bids.actions import open_bids, start_opening
from tests.bids.factories import at, deposit, paris

pytestmark = pytest.mark.django_db

CONTENT = b"%PDF-1.7 prix unitaires confidentiels"


@pytest.fixture
def superuser():
    return User.objects.create_superuser("root@example.org", "pw", full_name="Root")


@pytest.fixture
def superuser_client(client, superuser):
    """Logs the superuser in at the moved clock, so that the session is fresh."""

    def login():
        client.force_login(superuser)
        return client

    return login


@pytest.fixture
def bid(bidder, business, consultation):
    return deposit(
        bidder,
        business,
        consultation,
        files={"BPU signé.pdf": CONTENT},
        when=paris(2027, 1, 10, 9),
    )


def test_a_superuser_sees_no_bid_before_the_deadline(superuser_client, bid):
    with at(paris(2027, 1, 15, 17)):
        listing = superuser_client().get(reverse("admin:bids_bid_changelist"))
        change = superuser_client().get(
            reverse("admin:bids_bid_change", args=[bid.pk]), follow=True
        )

    assert listing.status_code == 200
    assert bid.receipt_number not in listing.text
    assert "0 bids" in listing.text
    assert "doesn’t exist" in change.text
    assert "BPU signé.pdf" not in change.text


def test_a_superuser_finds_no_bid_before_the_deadline_by_searching(
    superuser_client, bid
):
    with at(paris(2027, 1, 12)):
        found = superuser_client().get(
            reverse("admin:bids_bid_changelist"), {"q": bid.receipt_number}
        )

    assert "0 bids" in found.text
    assert f"{bid.consultation}" not in found.text


def test_after_the_deadline_a_superuser_sees_metadata_and_never_content(
    superuser_client, bid
):
    with at(paris(2027, 1, 15, 17, 0, 1)):
        listing = superuser_client().get(reverse("admin:bids_bid_changelist"))
        change = superuser_client().get(reverse("admin:bids_bid_change", args=[bid.pk]))

    assert bid.receipt_number in listing.text
    assert "BPU signé.pdf" in change.text
    assert bid.files.get().sha256 in change.text
    assert CONTENT.decode() not in change.text
    assert bid.files.get().stored_as not in change.text


def test_the_admin_has_no_page_for_bid_files(superuser_client, bid):
    response = superuser_client().get("/admin/bids/bidfile/")

    assert response.status_code == 404


def test_a_superuser_may_not_change_or_delete_a_bid(superuser_client, bid):
    with at(paris(2027, 1, 16)):
        change = superuser_client().post(
            reverse("admin:bids_bid_change", args=[bid.pk]), {"state": "opened"}
        )
        delete = superuser_client().get(reverse("admin:bids_bid_delete", args=[bid.pk]))

    assert change.status_code == 403
    assert delete.status_code == 403


def test_the_opening_register_in_the_admin_names_who_opened(
    superuser_client, bid, opener
):
    with at(paris(2027, 1, 16, 9)):
        start_opening(opener, bid.consultation)
        open_bids(opener, bid.consultation)
        listing = superuser_client().get(reverse("admin:bids_openingevent_changelist"))

    assert "bid opened" in listing.text
    assert str(opener) in listing.text


@pytest.mark.parametrize(
    "page",
    [
        lambda bid: ("admin:tenders_consultation_delete", bid.consultation_id),
        lambda bid: ("admin:accounts_organisation_delete", bid.bidder_id),
        lambda bid: ("admin:accounts_user_delete", bid.deposited_by_id),
    ],
    ids=["consultation", "business", "depositor"],
)
def test_no_admin_delete_page_tells_a_superuser_that_a_bid_exists(
    superuser_client, bid, page
):
    name, pk = page(bid)

    with at(paris(2027, 1, 15, 17)):
        response = superuser_client().get(reverse(name, args=[pk]))

    assert response.status_code == 403
    assert bid.receipt_number not in response.text
    assert not re.search(r"\bbids?\b", response.text, re.IGNORECASE)
