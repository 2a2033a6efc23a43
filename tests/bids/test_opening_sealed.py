"""Opening sealed bids with k shares: recovered key, decrypted files, every failure."""

import hashlib
import json
import tracemalloc
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied

from mutualis.accounts.models import Role
from mutualis.bids import actions, opening, storage
from mutualis.bids.models import BidState, OpeningAction, SubmittedShare
from mutualis.bids.scan import ScanResult
from mutualis.core.journal import entries_for
from mutualis.tenders.models import State
from tests.bids.factories import at, deposit, paris, stored_files
from tests.bids.sealed import (
    FILES,
    bid_identity,
    decrypted_shares,
    openers,
    reseal_inner,
    sealed_bid,
)
from tests.factories import BusinessFactory, commission, member

pytestmark = pytest.mark.django_db

AFTER = paris(2027, 1, 16, 9, 30)
NAME = "Mémoire technique.pdf"


@pytest.fixture
def three(buyer):
    return openers(buyer, 3)


@pytest.fixture
def sealed(consultation, three):
    commission(consultation, [o.key for o in three], threshold=2)
    return consultation


@pytest.fixture
def bid(bidder, business, sealed, tmp_path):
    return sealed_bid(bidder, business, sealed, tmp_path)


@pytest.fixture(autouse=True)
def _clean_scan(monkeypatch):
    monkeypatch.setattr(opening, "scan_file", lambda path: ScanResult("clean"))


def hand_over(opener, consultation):
    document = actions.sealed_shares_for(opener.user, consultation)
    return actions.submit_shares(
        opener.user, consultation, decrypted_shares(opener, document)
    )


def in_session(consultation, *acting):
    with at(AFTER):
        actions.start_opening(acting[0].user, consultation)
        for opener in acting:
            hand_over(opener, consultation)


def opened_files(settings):
    return [name for name in stored_files(settings) if name.startswith("opened/")]


def test_two_openers_open_a_bid_and_read_its_files(bid, sealed, three, settings):
    in_session(sealed, three[0], three[2])

    with at(AFTER):
        actions.open_sealed_bid(three[2].user, bid)
        files = list(bid.files.all())
        with actions.read_bid_file(three[0].user, files[0]) as stream:
            content = stream.read()

    bid.refresh_from_db()
    assert bid.state == BidState.OPENED
    assert content == FILES[NAME]
    assert [(f.name, f.plain_size, f.plain_sha256, f.scan_status) for f in files] == [
        (n, len(c), hashlib.sha256(c).hexdigest(), "clean") for n, c in FILES.items()
    ]
    assert not SubmittedShare.objects.filter(bid=bid).exists()
    assert list(
        sealed.opening_events.filter(bid=bid).values_list("action", flat=True)
    ) == [OpeningAction.BID_OPENED, OpeningAction.FILE_READ]


def test_the_shares_document_holds_only_the_openers_own_shares(bid, sealed, three):
    with at(AFTER):
        actions.start_opening(three[0].user, sealed)
        document = actions.sealed_shares_for(three[1].user, sealed)

    assert document["format"] == "mutualis-opening-shares/1"
    assert [(s["bid"], s["key"]) for s in document["shares"]] == [
        (bid.receipt_number, three[1].key.pk)
    ]


def test_no_share_is_taken_before_the_deadline(bid, sealed, three):
    document = json.dumps({"format": "mutualis-opening-shares/1", "shares": []})

    with pytest.raises(PermissionDenied, match="before the deadline"):
        actions.submit_shares(three[0].user, sealed, document)
    with pytest.raises(PermissionDenied, match="before the deadline"):
        actions.sealed_shares_for(three[0].user, sealed)


def test_no_share_is_taken_before_the_session(bid, sealed, three):
    with at(AFTER), pytest.raises(PermissionDenied, match="Start the opening session"):
        actions.sealed_shares_for(three[0].user, sealed)


def test_an_opener_outside_the_commission_hands_over_nothing(bid, sealed, buyer):
    (outsider,) = openers(buyer, 1)

    with at(AFTER):
        actions.start_opening(outsider.user, sealed)
        with pytest.raises(PermissionDenied, match="None of your keys"):
            actions.sealed_shares_for(outsider.user, sealed)


def test_a_share_for_someone_elses_key_is_refused(bid, sealed, three):
    with at(AFTER):
        actions.start_opening(three[0].user, sealed)
        document = actions.sealed_shares_for(three[1].user, sealed)
        text = decrypted_shares(three[1], document)
        with pytest.raises(ValueError, match="is not one of your commission keys"):
            actions.submit_shares(three[0].user, sealed, text)

    assert not SubmittedShare.objects.exists()


def test_a_share_left_encrypted_is_refused(bid, sealed, three):
    with at(AFTER):
        actions.start_opening(three[0].user, sealed)
        document = actions.sealed_shares_for(three[0].user, sealed)
        with pytest.raises(ValueError, match="not a key share; was it decrypted"):
            actions.submit_shares(three[0].user, sealed, json.dumps(document))


def test_too_few_shares_leave_the_bid_sealed(bid, sealed, three, settings):
    in_session(sealed, three[1])

    with at(AFTER), pytest.raises(opening.OpeningError) as failure:
        actions.open_sealed_bid(three[1].user, bid)

    bid.refresh_from_db()
    assert str(failure.value) == (
        f"bid {bid.receipt_number}: 1 of the 2 shares needed has been handed over."
    )
    assert bid.state == BidState.RECEIVED
    assert opened_files(settings) == []


def test_a_wrong_share_is_found_by_the_recovered_key(bid, sealed, three, tmp_path):
    rival = BusinessFactory()
    other = sealed_bid(member(rival, Role.BIDDER), rival, sealed, tmp_path / "other")
    in_session(sealed, three[0], three[1])
    # Opener 1 hands over their share of the other bid as this bid's.
    wrong = SubmittedShare.objects.get(bid=other, key=three[1].key).share
    SubmittedShare.objects.filter(bid=bid, key=three[1].key).update(share=wrong)

    with at(AFTER), pytest.raises(opening.OpeningError) as failure:
        actions.open_sealed_bid(three[0].user, bid)

    assert str(failure.value) == (
        f"bid {bid.receipt_number}: the shares do not give the bid's key: "
        "a share is wrong."
    )
    assert BidState(type(bid).objects.get(pk=bid.pk).state) == BidState.RECEIVED


@pytest.mark.parametrize("damage", ["flipped byte", "truncated"])
def test_a_damaged_file_is_named_and_nothing_stays_opened(
    bid, sealed, three, settings, damage
):
    second = bid.files.get(position=2)
    path = Path(storage.protected_storage().path(second.stored_as))
    data = bytearray(path.read_bytes())
    if damage == "truncated":
        data = data[:-20]
    else:
        data[-5] ^= 0x01
    path.write_bytes(bytes(data))
    in_session(sealed, three[0], three[1])

    with at(AFTER), pytest.raises(opening.OpeningError) as failure:
        actions.open_sealed_bid(three[0].user, bid)

    bid.refresh_from_db()
    message = (
        f"bid {bid.receipt_number}, file “Bordereau des prix.xlsx”: it does not "
        "decrypt: the sealed file is damaged, truncated or altered."
    )
    assert str(failure.value) == message
    assert bid.state == BidState.UNREADABLE
    assert opened_files(settings) == []
    assert SubmittedShare.objects.filter(bid=bid).count() == 0
    line = bid.opening_events.get(action=OpeningAction.BID_UNREADABLE)
    assert (line.bid_file, line.detail) == (second, message)


def test_a_damaged_bid_does_not_stop_the_opening_of_the_others(
    bid, sealed, three, bidder, tmp_path
):
    other = BusinessFactory()
    sound = sealed_bid(member(other, Role.BIDDER), other, sealed, tmp_path / "other")
    first = bid.files.get(position=1)
    path = Path(storage.protected_storage().path(first.stored_as))
    path.write_bytes(path.read_bytes()[:-30])
    in_session(sealed, three[0], three[1])

    with at(AFTER):
        actions.open_bids(three[0].user, sealed)

    bid.refresh_from_db()
    sound.refresh_from_db()
    sealed.refresh_from_db()
    assert (bid.state, sound.state, sealed.state) == (
        BidState.UNREADABLE,
        BidState.OPENED,
        State.OPENED,
    )


def test_a_store_that_cannot_be_read_leaves_the_bid_sealed(bid, sealed, three):
    first = bid.files.get(position=1)
    Path(storage.protected_storage().path(first.stored_as)).unlink()
    in_session(sealed, three[0], three[1])

    with at(AFTER), pytest.raises(opening.OpeningError, match="try again later"):
        actions.open_bids(three[0].user, sealed)

    bid.refresh_from_db()
    sealed.refresh_from_db()
    assert (bid.state, sealed.state) == (BidState.RECEIVED, State.PUBLISHED)
    assert SubmittedShare.objects.filter(bid=bid).count() == 2


def test_a_hash_that_does_not_match_is_named(bid, sealed, three, settings):
    identity = bid_identity(bid, three[:2])
    reseal_inner(
        bid,
        identity,
        [
            {"name": n, "size": len(c), "sha256": hashlib.sha256(c).hexdigest()}
            for n, c in FILES.items()
        ][:1]
        + [{"name": "Bordereau des prix.xlsx", "size": 23, "sha256": "0" * 64}],
    )
    in_session(sealed, three[0], three[1])

    with at(AFTER), pytest.raises(opening.OpeningError) as failure:
        actions.open_sealed_bid(three[0].user, bid)

    assert str(failure.value) == (
        f"bid {bid.receipt_number}, file “Bordereau des prix.xlsx”: its content does "
        "not match the SHA-256 and size sealed at deposit."
    )
    assert opened_files(settings) == []


def test_a_file_that_cannot_be_scanned_is_flagged_not_dropped(
    bid, sealed, three, monkeypatch
):
    monkeypatch.setattr(opening, "scan_file", None)
    in_session(sealed, three[0], three[1])

    with at(AFTER):
        actions.open_sealed_bid(three[0].user, bid)

    assert set(bid.files.values_list("scan_status", flat=True)) == {"unscanned"}


def test_malware_found_is_recorded_with_the_file(bid, sealed, three, monkeypatch):
    monkeypatch.setattr(
        opening, "scan_file", lambda path: ScanResult("infected", "Eicar-Signature")
    )
    in_session(sealed, three[0], three[1])

    with at(AFTER):
        actions.open_sealed_bid(three[0].user, bid)

    first = bid.files.get(position=1)
    assert (first.scan_status, first.scan_detail) == ("infected", "Eicar-Signature")
    assert entries_for(first).get(action="bid-file.opened").data["scan"] == "infected"


def test_ending_the_session_opens_plain_and_sealed_bids_and_erases_shares(
    bid, sealed, three, bidder
):
    from mutualis.accounts.models import Role
    from tests.factories import BusinessFactory, member

    other = BusinessFactory()
    plain = deposit(member(other, Role.BIDDER), other, sealed)
    in_session(sealed, three[0], three[1])

    with at(AFTER):
        actions.open_bids(three[0].user, sealed)

    bid.refresh_from_db()
    plain.refresh_from_db()
    sealed.refresh_from_db()
    assert (bid.state, plain.state, sealed.state) == (
        BidState.OPENED,
        BidState.OPENED,
        State.OPENED,
    )
    assert not SubmittedShare.objects.exists()


def test_a_sealed_bid_without_shares_keeps_the_session_open(bid, sealed, three):
    with at(AFTER):
        actions.start_opening(three[0].user, sealed)
        with pytest.raises(opening.OpeningError, match="0 of the 2 shares"):
            actions.open_bids(three[0].user, sealed)

    sealed.refresh_from_db()
    assert sealed.state == State.PUBLISHED


def test_the_register_and_journal_name_the_share_hand_over(bid, sealed, three):
    in_session(sealed, three[0])

    events = sealed.opening_events.filter(action=OpeningAction.SHARES_SUBMITTED)
    entry = entries_for(sealed).get(action="opening.shares-submitted")

    assert [e.user for e in events] == [three[0].user]
    assert entry.data == {"bids": [bid.receipt_number]}
    assert "share" not in json.dumps(entry.data).replace("shares", "")


def test_one_wrong_share_among_more_than_k_still_fails(bid, sealed, three):
    in_session(sealed, *three)
    share = bytearray(SubmittedShare.objects.get(bid=bid, key=three[2].key).share)
    # Not the first byte: X25519 clamps the low three bits of the key's first byte,
    # so a change there alone can give the same key (about one run in forty).
    share[1] ^= 0xFF
    SubmittedShare.objects.filter(bid=bid, key=three[2].key).update(share=bytes(share))

    with at(AFTER), pytest.raises(opening.OpeningError, match="a share is wrong"):
        actions.open_sealed_bid(three[0].user, bid)


def test_the_journal_names_the_keys_whose_shares_opened_the_bid(bid, sealed, three):
    in_session(sealed, three[0], three[2])

    with at(AFTER):
        actions.open_sealed_bid(three[0].user, bid)

    entry = entries_for(bid).get(action="bid.unsealed")
    assert entry.data == {"keys": sorted([three[0].key.pk, three[2].key.pk])}


def test_opening_streams_a_large_file(bidder, business, sealed, three, tmp_path):
    content = bytes(range(256)) * (32 * 4096)  # 32 MiB
    big = sealed_bid(bidder, business, sealed, tmp_path, files={"plans.dwg": content})
    in_session(sealed, three[0], three[1])

    with at(AFTER):
        tracemalloc.start()
        actions.open_sealed_bid(three[0].user, big)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

    assert big.files.get().plain_size == len(content)
    assert peak < 8 * 1024 * 1024
