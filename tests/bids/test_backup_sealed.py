"""A sealed backup copy: opened with its own shares once its case applies, else destroyed."""

from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied

from mutualis.accounts.models import Role
from mutualis.bids import actions, backup, opening, storage
from mutualis.bids.models import BidState, OpeningAction, SubmittedShare
from mutualis.bids.scan import ScanResult
from mutualis.core.journal import entries_for
from mutualis.tenders.models import State
from tests.bids.factories import at, paris, stored_files
from tests.bids.sealed import FILES, decrypted_shares, openers, sealed_bid
from tests.factories import commission, member

pytestmark = pytest.mark.django_db

AFTER = paris(2027, 1, 16, 9, 30)


@pytest.fixture(autouse=True)
def _clean_scan(monkeypatch):
    monkeypatch.setattr(opening, "scan_file", lambda path: ScanResult("clean"))


@pytest.fixture
def two(buyer):
    return openers(buyer, 2)


@pytest.fixture
def sealed(consultation, two):
    commission(consultation, [o.key for o in two], threshold=2)
    return consultation


@pytest.fixture
def electronic(bidder, business, sealed, tmp_path):
    return sealed_bid(bidder, business, sealed, tmp_path)


@pytest.fixture
def copy(bidder, business, sealed, tmp_path):
    return sealed_bid(bidder, business, sealed, tmp_path, backup=True)


def damage(bid):
    first = bid.files.get(position=1)
    path = Path(storage.protected_storage().path(first.stored_as))
    path.write_bytes(path.read_bytes()[:-30])


def open_the_bids(consultation, two):
    with at(AFTER):
        actions.start_opening(two[0].user, consultation)
        for opener in two:
            document = actions.sealed_shares_for(opener.user, consultation)
            actions.submit_shares(
                opener.user, consultation, decrypted_shares(opener, document)
            )
        actions.open_bids(two[0].user, consultation)


def hand_over_backup_shares(copy, two):
    for opener in two:
        document = backup.backup_shares_for(opener.user, copy)
        backup.submit_backup_shares(
            opener.user, copy, decrypted_shares(opener, document)
        )


def test_an_unreadable_bid_opens_its_sealed_backup_with_its_own_shares(
    electronic, copy, sealed, two, settings
):
    damage(electronic)
    open_the_bids(sealed, two)

    with at(AFTER):
        hand_over_backup_shares(copy, two)
        backup.open_backup(two[1].user, copy, "unreadable")
        with actions.read_bid_file(two[1].user, copy.files.get(position=1)) as read:
            content = read.read()

    electronic.refresh_from_db()
    copy.refresh_from_db()
    assert electronic.state == BidState.UNREADABLE
    assert copy.state == BidState.OPENED
    assert content == next(iter(FILES.values()))
    lines = [e.action for e in sealed.opening_events.filter(bid=copy)]
    assert OpeningAction.BACKUP_UNREADABLE in lines
    assert not SubmittedShare.objects.filter(bid=copy).exists()


def test_a_sound_bid_gives_no_share_of_its_backup(electronic, copy, sealed, two):
    open_the_bids(sealed, two)

    with at(AFTER), pytest.raises(PermissionDenied, match="stays sealed"):
        backup.backup_shares_for(two[0].user, copy)


def test_a_sealed_backup_without_its_shares_stays_sealed(
    electronic, copy, sealed, two, settings
):
    damage(electronic)
    open_the_bids(sealed, two)

    with at(AFTER), pytest.raises(opening.OpeningError, match="0 of the 2 shares"):
        backup.open_backup(two[0].user, copy, "unreadable")

    copy.refresh_from_db()
    assert copy.state == BidState.RECEIVED
    assert not [n for n in stored_files(settings) if n.startswith("opened/")]


def test_shares_of_another_bid_are_refused_for_the_backup(
    electronic, copy, sealed, two
):
    damage(electronic)
    open_the_bids(sealed, two)
    with at(AFTER):
        document = backup.backup_shares_for(two[0].user, copy)
    document["shares"][0]["bid"] = electronic.receipt_number

    with at(AFTER), pytest.raises(ValueError, match="for backup copy"):
        backup.submit_backup_shares(
            two[0].user, copy, decrypted_shares(two[0], document)
        )


def test_at_the_end_of_the_procedure_an_unopened_backup_is_destroyed(
    electronic, copy, sealed, two, buyer, settings, django_capture_on_commit_callbacks
):
    open_the_bids(sealed, two)
    sealed.refresh_from_db()
    sealed.move_to(State.AWARDED)
    sealed.save()
    agent = member(buyer, Role.BUYER_AGENT)
    names = [f.stored_as for f in copy.files.all()]

    with at(AFTER), django_capture_on_commit_callbacks(execute=True):
        destroyed = backup.destroy_unopened_backups(agent, sealed)

    copy.refresh_from_db()
    assert destroyed == 1
    assert copy.state == BidState.DESTROYED
    assert not set(names) & set(stored_files(settings))
    line = sealed.opening_events.get(bid=copy)
    assert line.get_action_display() == "backup copy destroyed unopened"
    assert entries_for(copy).filter(action="bid.backup-destroyed").exists()


def test_backups_are_not_destroyed_before_the_end_of_the_procedure(
    electronic, copy, sealed, two, buyer
):
    open_the_bids(sealed, two)
    sealed.refresh_from_db()

    with pytest.raises(PermissionDenied, match="end of the procedure"):
        backup.destroy_unopened_backups(member(buyer, Role.BUYER_ADMIN), sealed)


def test_only_the_buyer_destroys_backups(electronic, copy, sealed, two, bidder):
    open_the_bids(sealed, two)
    sealed.refresh_from_db()
    sealed.move_to(State.AWARDED)
    sealed.save()

    with pytest.raises(PermissionDenied, match="buyer admin or agent"):
        backup.destroy_unopened_backups(bidder, sealed)
