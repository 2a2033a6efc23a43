"""Annex IV (a): the exact time and date of the receipt of bids can be determined
precisely: to the millisecond, in the consultation's own time zone, in any season."""

import datetime as dt

import pytest
from django.urls import reverse

from mutualis.core.time import to_utc
from tests.annex_iv.conftest import DEADLINE
from tests.bids.factories import deposit, paris
from tests.factories import ConsultationFactory

pytestmark = pytest.mark.django_db

MS = dt.timedelta(milliseconds=1)


@pytest.fixture
def bidder(people):
    return people["bidder"]


@pytest.mark.parametrize(
    ("offset", "late"),
    [(-1000 * MS, False), (-MS, False), (0 * MS, False), (MS, True), (1000 * MS, True)],
)
def test_the_deadline_instant_is_on_time_and_the_next_millisecond_late(
    bidder, business, consultation, offset, late
):
    bid = deposit(bidder, business, consultation, when=DEADLINE + offset)

    assert (bid.received_at, bid.is_late) == (DEADLINE + offset, late)


@pytest.mark.parametrize(
    ("deadline", "utc"),
    [
        (paris(2027, 1, 15, 17, 0), dt.datetime(2027, 1, 15, 16, 0, tzinfo=dt.UTC)),
        # The first working day after clocks go forward, and one in summer.
        (paris(2027, 3, 29, 17, 0), dt.datetime(2027, 3, 29, 15, 0, tzinfo=dt.UTC)),
        (paris(2027, 7, 15, 17, 0), dt.datetime(2027, 7, 15, 15, 0, tzinfo=dt.UTC)),
        # The first working day after clocks go back.
        (paris(2027, 11, 2, 17, 0), dt.datetime(2027, 11, 2, 16, 0, tzinfo=dt.UTC)),
    ],
)
def test_17_00_in_paris_is_the_right_utc_instant_in_every_season(
    bidder, business, buyer, deadline, utc
):
    consultation = ConsultationFactory(
        published=True, buyer=buyer, submission_deadline=deadline
    )

    on_time = deposit(bidder, business, consultation, when=utc)
    late = deposit(bidder, business, consultation, when=utc + MS)

    assert deadline == utc
    assert (on_time.is_late, late.is_late) == (False, True)


def test_a_consultation_in_another_zone_counts_in_that_zone(bidder, business, buyer):
    deadline = to_utc(dt.datetime(2027, 7, 15, 17, 0), "America/Cayenne")
    consultation = ConsultationFactory(
        published=True,
        buyer=buyer,
        submission_deadline=deadline,
        time_zone="America/Cayenne",
    )

    bid = deposit(bidder, business, consultation, when=deadline + MS)

    assert deadline == dt.datetime(2027, 7, 15, 20, 0, tzinfo=dt.UTC)
    assert bid.is_late is True


def test_the_receipt_states_the_instant_to_the_millisecond(
    client, bidder, business, consultation
):
    bid = deposit(bidder, business, consultation, when=DEADLINE - 7 * MS)
    client.force_login(bidder)

    page = client.get(reverse("web:bid-receipt", args=[bid.receipt_number]))

    assert page.status_code == 200
    assert "15 January 2027, 16:59:59.993 (Europe/Paris, UTC+01:00)" in (
        page.content.decode()
    )


def test_the_stored_instant_keeps_its_milliseconds(bidder, business, consultation):
    when = paris(2027, 1, 15, 16, 59, 59, 999_000)

    bid = deposit(bidder, business, consultation, when=when)

    bid.refresh_from_db()
    assert bid.received_at == when
    assert bid.received_at.microsecond == 999_000
