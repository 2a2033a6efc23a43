"""The backup copy opens only in the cases the law allows, and the register says which."""

import datetime as dt
import itertools

import pytest
from django.core.exceptions import PermissionDenied

from mutualis.accounts.models import Role
from mutualis.bids.actions import _current_bid, open_bids, start_opening
from mutualis.bids.backup import may_open_backup, open_backup
from mutualis.bids.models import Bid, BidFile, BidState, OpeningEvent
from mutualis.core.journal import entries_for
from tests.bids.conftest import WINTER_DEADLINE
from tests.bids.factories import at
from tests.factories import BusinessFactory, member

pytestmark = pytest.mark.django_db

BEFORE = WINTER_DEADLINE - dt.timedelta(hours=1)
AFTER_OPENING = WINTER_DEADLINE + dt.timedelta(days=1)
_numbers = itertools.count(1)


def make_bid(consultation, lot, business, user, **fields):
    number = next(_numbers)
    values = {
        "state": BidState.RECEIVED,
        "receipt_number": f"2027-BK-{number:05d}",
        "started_at": BEFORE,
        "received_at": BEFORE + dt.timedelta(minutes=5),
        "deadline": consultation.submission_deadline,
        **fields,
    }
    return Bid.objects.create(
        consultation=consultation, lot=lot, bidder=business, deposited_by=user, **values
    )


def add_file(bid, scan_status="clean", scan_detail=""):
    return BidFile.objects.create(
        bid=bid,
        position=bid.files.count() + 1,
        name="offre.pdf",
        size=1000,
        sha256="0" * 64,
        stored_as=f"bids/{bid.consultation_id}/{bid.receipt_number}/1",
        scan_status=scan_status,
        scan_detail=scan_detail,
    )


@pytest.fixture
def deposit(consultation, lot, business, bidder):
    def make(**fields):
        return make_bid(consultation, lot, business, bidder, **fields)

    return make


@pytest.fixture
def backup(deposit):
    return deposit(is_backup_copy=True)


@pytest.fixture
def infected(deposit):
    bid = deposit(state=BidState.OPENED, opened_at=WINTER_DEADLINE)
    add_file(bid, "infected", "Win.Test.EICAR_HDB-1")
    return bid


def late_bid(deposit, started_at):
    return deposit(
        started_at=started_at,
        received_at=WINTER_DEADLINE + dt.timedelta(minutes=40),
        is_late=True,
    )


def incomplete_bid(deposit, started_at):
    return deposit(state=BidState.RECEIVING, started_at=started_at, received_at=None)


def register_lines(consultation):
    return [
        (event.bid.receipt_number, event.get_action_display())
        for event in OpeningEvent.objects.filter(consultation=consultation)
    ]


# The cases the law allows


def test_malware_in_the_electronic_bid_opens_the_backup(infected, backup, opener):
    with at(AFTER_OPENING):
        assert may_open_backup(infected, backup) == (True, "malware")

        opened = open_backup(opener, backup, "malware")

    assert opened.state == BidState.OPENED
    assert opened.opened_by == opener
    assert register_lines(backup.consultation) == [
        (backup.receipt_number, "backup copy opened: malware in the bid")
    ]
    assert entries_for(backup).get(action="bid.backup-opened").data == {
        "receipt": backup.receipt_number,
        "case": "malware",
        "electronic_bid": infected.receipt_number,
    }


def test_a_late_bid_begun_in_time_opens_the_backup(deposit, backup, opener):
    bid = late_bid(deposit, started_at=WINTER_DEADLINE - dt.timedelta(minutes=20))

    with at(AFTER_OPENING):
        assert may_open_backup(bid, backup) == (True, "late")
        open_backup(opener, backup, "late")

    assert register_lines(backup.consultation) == [
        (backup.receipt_number, "backup copy opened: bid late, sent in time")
    ]


def test_a_transmission_begun_at_the_deadline_itself_is_in_time(deposit, backup):
    bid = late_bid(deposit, started_at=WINTER_DEADLINE)

    with at(AFTER_OPENING):
        assert may_open_backup(bid, backup) == (True, "late")


def test_an_incomplete_bid_begun_in_time_opens_the_backup(deposit, backup, opener):
    bid = incomplete_bid(deposit, started_at=BEFORE)

    with at(AFTER_OPENING):
        assert may_open_backup(bid, backup) == (True, "incomplete")
        open_backup(opener, backup, "incomplete")

    assert register_lines(backup.consultation) == [
        (backup.receipt_number, "backup copy opened: bid incomplete, sent in time")
    ]


# The cases it does not


@pytest.mark.parametrize("make", [late_bid, incomplete_bid])
def test_a_transmission_begun_after_the_deadline_keeps_the_backup_sealed(
    deposit, backup, make
):
    bid = make(deposit, started_at=WINTER_DEADLINE + dt.timedelta(milliseconds=1))

    with at(AFTER_OPENING):
        allowed, reason = may_open_backup(bid, backup)

    assert (allowed, reason) == (
        False,
        "The electronic bid's transmission began after the deadline; its backup "
        "copy cannot be opened.",
    )


def test_a_clean_opened_bid_keeps_the_backup_sealed(deposit, backup, opener):
    bid = deposit(state=BidState.OPENED, opened_at=WINTER_DEADLINE)
    add_file(bid, "clean")

    with at(AFTER_OPENING):
        assert may_open_backup(bid, backup) == (
            False,
            "The electronic bid was received in time, opened and is free of "
            "malware; its backup copy stays sealed and is destroyed at the end of "
            "the procedure.",
        )
        with pytest.raises(PermissionDenied):
            open_backup(opener, backup, "unreadable")

    backup.refresh_from_db()
    assert backup.state == BidState.RECEIVED
    assert register_lines(backup.consultation) == []


def test_an_unscannable_file_is_no_malware(deposit, backup):
    bid = deposit(state=BidState.OPENED, opened_at=WINTER_DEADLINE)
    add_file(bid, "unscannable", "no scanner configured")

    with at(AFTER_OPENING):
        allowed, reason = may_open_backup(bid, backup)

    assert allowed is False
    assert reason.startswith("The electronic bid was received in time, opened")


def test_nobody_opens_a_backup_before_the_deadline(infected, backup, opener):
    with at(WINTER_DEADLINE):
        assert may_open_backup(infected, backup) == (
            False,
            "No one can open a backup copy before the deadline.",
        )
        with pytest.raises(PermissionDenied, match="before the deadline"):
            open_backup(opener, backup, "malware")


def test_a_backup_alone_does_not_replace_an_electronic_bid(backup, opener):
    with at(AFTER_OPENING):
        assert may_open_backup(None, backup) == (
            False,
            "No electronic bid of this business was received; a backup copy does "
            "not replace one.",
        )
        with pytest.raises(PermissionDenied, match="No electronic bid"):
            open_backup(opener, backup, "malware")


def test_a_late_backup_is_never_opened(infected, deposit):
    backup = deposit(is_backup_copy=True, is_late=True)

    with at(AFTER_OPENING):
        assert may_open_backup(infected, backup) == (
            False,
            "This backup copy did not arrive before the deadline; it cannot be opened.",
        )


def test_a_bid_that_is_no_backup_copy_is_refused(infected, deposit):
    other = deposit(state=BidState.REPLACED)

    with at(AFTER_OPENING):
        assert may_open_backup(infected, other) == (
            False,
            f"Bid {other.receipt_number} is not a backup copy.",
        )


def test_another_business_s_bid_is_refused(consultation, lot, backup, opener):
    other = BusinessFactory()
    bid = make_bid(consultation, lot, other, member(other, Role.BIDDER), is_late=True)

    with at(AFTER_OPENING):
        assert may_open_backup(bid, backup) == (
            False,
            f"Bid {bid.receipt_number} is not the electronic bid of this backup "
            "copy's business on this lot.",
        )


def test_only_an_opener_opens_a_backup(infected, backup, buyer):
    admin = member(buyer, Role.BUYER_ADMIN)

    with at(AFTER_OPENING), pytest.raises(PermissionDenied, match="opening commission"):
        open_backup(admin, backup, "malware")

    backup.refresh_from_db()
    assert backup.state == BidState.RECEIVED


def test_the_case_claimed_must_be_the_case_that_applies(infected, backup, opener):
    with at(AFTER_OPENING), pytest.raises(PermissionDenied) as refused:
        open_backup(opener, backup, "late")

    assert str(refused.value.args[0]) == (
        "The case that applies is “malware found in the electronic bid”, not "
        "“electronic bid late, its transmission begun in time”."
    )


def test_a_backup_opens_once(infected, backup, opener):
    with at(AFTER_OPENING):
        open_backup(opener, backup, "malware")

        with pytest.raises(PermissionDenied, match="already been opened"):
            open_backup(opener, backup, "malware")

    assert len(register_lines(backup.consultation)) == 1


# A backup copy travels beside its bid


def test_a_backup_copy_and_its_bid_are_each_current_and_replace_only_their_kind(
    deposit, consultation, lot, business
):
    electronic = deposit()
    backup = deposit(is_backup_copy=True)

    assert _current_bid(consultation, lot, business) == electronic
    assert _current_bid(consultation, lot, business, backup=True) == backup


def test_opening_the_bids_leaves_the_backup_copy_sealed(deposit, backup, opener):
    electronic = deposit()

    with at(WINTER_DEADLINE + dt.timedelta(hours=1)):
        start_opening(opener, electronic.consultation)
        open_bids(opener, electronic.consultation)

    electronic.refresh_from_db()
    backup.refresh_from_db()
    assert electronic.state == BidState.OPENED
    assert backup.state == BidState.RECEIVED
    assert not backup.is_valid
