import pytest
from django.core.exceptions import PermissionDenied

from mutualis.accounts.models import OrganisationKind, Role
from mutualis.bids.actions import open_bids, read_bid_file, start_opening
from mutualis.bids.models import BidState, OpeningAction
from mutualis.core.journal import entries_for
from mutualis.tenders.models import State
from tests.bids.factories import at, deposit, paris
from tests.factories import BusinessFactory, BuyerFactory, member

pytestmark = pytest.mark.django_db

AFTER = paris(2027, 1, 16, 9, 30)
TOO_EARLY = (
    "Bids cannot be opened before the deadline, "
    "15 January 2027, 17:00:00 (Europe/Paris, UTC+01:00)."
)


@pytest.fixture
def operator_admin():
    operator = BuyerFactory(kind=OrganisationKind.OPERATOR, name="GIP Mutualis")
    return member(operator, Role.OPERATOR_ADMIN)


@pytest.mark.parametrize("who", ["opener", "buyer admin", "operator admin", "bidder"])
@pytest.mark.parametrize(
    "when", [paris(2027, 1, 15, 9), paris(2027, 1, 15, 17, 0, 0, 0)], ids=str
)
def test_no_one_opens_before_the_deadline(
    buyer, consultation, opener, operator_admin, bidder, who, when
):
    user = {
        "opener": opener,
        "buyer admin": member(buyer, Role.BUYER_ADMIN, Role.OPENER),
        "operator admin": operator_admin,
        "bidder": bidder,
    }[who]

    with at(when), pytest.raises(PermissionDenied) as refusal:
        start_opening(user, consultation)

    assert str(refusal.value) == TOO_EARLY
    assert not consultation.opening_events.exists()


@pytest.mark.parametrize("role", [Role.BUYER_ADMIN, Role.BUYER_AGENT])
def test_only_openers_open_after_the_deadline(buyer, consultation, role):
    with at(AFTER), pytest.raises(PermissionDenied) as refusal:
        start_opening(member(buyer, role), consultation)

    assert str(refusal.value) == (
        "Only the members of the opening commission of "
        "Commune de Châtillon-sur-Seine may open bids."
    )


def test_an_opener_of_another_buyer_may_not_open(consultation):
    stranger = member(BuyerFactory(), Role.OPENER)

    with at(AFTER), pytest.raises(PermissionDenied):
        start_opening(stranger, consultation)

    assert not consultation.opening_events.exists()


def test_the_bids_are_opened_only_inside_a_session(consultation, opener):
    with at(AFTER), pytest.raises(PermissionDenied) as refusal:
        open_bids(opener, consultation)

    assert str(refusal.value) == "Start the opening session before opening the bids."


def test_a_session_starts_once(consultation, opener):
    with at(AFTER):
        start_opening(opener, consultation)

        with pytest.raises(PermissionDenied) as refusal:
            start_opening(opener, consultation)

    assert str(refusal.value) == "The opening session has already started."


def test_the_opening_opens_the_latest_on_time_bids_and_sets_late_ones_aside(
    bidder, business, consultation, lot, opener
):
    replaced = deposit(bidder, business, consultation, lot, when=paris(2027, 1, 10))
    current = deposit(bidder, business, consultation, lot, when=paris(2027, 1, 11))
    rival = BusinessFactory()
    other = deposit(
        member(rival, Role.BIDDER), rival, consultation, lot, when=paris(2027, 1, 12)
    )
    late = deposit(
        bidder, business, consultation, lot, when=paris(2027, 1, 15, 17, 0, 0, 1000)
    )

    with at(AFTER):
        start_opening(opener, consultation)
        open_bids(opener, consultation)

    states = {}
    for bid in (replaced, current, other, late):
        bid.refresh_from_db()
        states[bid.pk] = bid.state
    assert states == {
        replaced.pk: BidState.REPLACED,
        current.pk: BidState.OPENED,
        other.pk: BidState.OPENED,
        late.pk: BidState.REJECTED_LATE,
    }
    assert (current.opened_by, current.opened_at) == (opener, AFTER)
    consultation.refresh_from_db()
    assert (consultation.state, consultation.opened_at) == (State.OPENED, AFTER)


def test_the_register_records_each_step(bidder, business, consultation, opener):
    bid = deposit(bidder, business, consultation, when=paris(2027, 1, 10))
    late = deposit(bidder, business, consultation, when=paris(2027, 1, 15, 18))

    with at(AFTER):
        start_opening(opener, consultation)
        open_bids(opener, consultation)
    with at(paris(2027, 1, 16, 10)):
        read_bid_file(opener, bid.files.get()).close()

    lines = [
        (e.action, e.user, e.bid, e.bid_file, e.at)
        for e in consultation.opening_events.all()
    ]
    assert lines == [
        (OpeningAction.SESSION_STARTED, opener, None, None, AFTER),
        (OpeningAction.BID_OPENED, opener, bid, None, AFTER),
        (OpeningAction.LATE_BID_SET_ASIDE, opener, late, None, AFTER),
        (OpeningAction.FILE_READ, opener, bid, bid.files.get(), paris(2027, 1, 16, 10)),
    ]


def test_an_opened_file_reads_as_deposited(bidder, business, consultation, opener):
    bid = deposit(bidder, business, consultation, files={"offre.pdf": b"%PDF offre"})
    with at(AFTER):
        start_opening(opener, consultation)
        open_bids(opener, consultation)

        with read_bid_file(opener, bid.files.get()) as content:
            assert content.read() == b"%PDF offre"


def test_a_file_of_an_unopened_bid_is_not_read(bidder, business, consultation, opener):
    bid = deposit(bidder, business, consultation, when=paris(2027, 1, 10))

    with at(AFTER), pytest.raises(PermissionDenied):
        read_bid_file(opener, bid.files.get())

    assert not consultation.opening_events.exists()


def test_a_consultation_already_opened_is_not_opened_again(consultation, opener):
    with at(AFTER):
        start_opening(opener, consultation)
        open_bids(opener, consultation)

        with pytest.raises(PermissionDenied) as refusal:
            open_bids(opener, consultation)

    assert (
        str(refusal.value) == "The bids of this consultation have already been opened."
    )


def test_the_journal_records_the_opening(bidder, business, consultation, opener):
    bid = deposit(bidder, business, consultation, when=paris(2027, 1, 10))

    with at(AFTER):
        start_opening(opener, consultation)
        open_bids(opener, consultation)

    assert [e.action for e in entries_for(consultation)] == [
        "opening.session-started",
        "consultation.opened",
    ]
    assert [e.action for e in entries_for(bid)] == ["bid.deposited", "bid.opened"]
