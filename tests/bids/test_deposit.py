import hashlib
from pathlib import Path
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile

from mutualis.accounts.models import Role
from mutualis.bids import storage
from mutualis.bids.actions import deposit_bid
from mutualis.bids.models import Bid, BidState
from mutualis.core.journal import entries_for
from mutualis.tenders.models import State
from tests.bids.conftest import WINTER_DEADLINE
from tests.bids.factories import deposit, paris, stored_files, uploads
from tests.factories import BusinessFactory, ConsultationFactory, LotFactory, member

pytestmark = pytest.mark.django_db

BEFORE = paris(2027, 1, 14, 10, 30)


def test_a_deposit_keeps_each_file_with_its_size_and_sha256(
    settings, bidder, business, consultation
):
    files = {"Mémoire technique — équipe.pdf": b"m" * 2048, "DPGF.xlsx": b"x" * 10}

    bid = deposit(bidder, business, consultation, files=files, when=BEFORE)

    assert [(f.name, f.size, f.sha256) for f in bid.files.all()] == [
        (
            "Mémoire technique — équipe.pdf",
            2048,
            hashlib.sha256(b"m" * 2048).hexdigest(),
        ),
        ("DPGF.xlsx", 10, hashlib.sha256(b"x" * 10).hexdigest()),
    ]
    assert bid.state == BidState.RECEIVED
    assert stored_files(settings) == [
        f"bids/{consultation.pk}/{bid.receipt_number}/1",
        f"bids/{consultation.pk}/{bid.receipt_number}/2",
    ]


def test_the_stored_bytes_are_the_bytes_sent(bidder, business, consultation):
    bid = deposit(bidder, business, consultation, files={"a.pdf": b"%PDF contenu"})

    stored = bid.files.get()
    with storages["protected"].open(stored.stored_as) as handle:
        assert handle.read() == b"%PDF contenu"


def test_no_stored_file_lies_under_the_public_media(
    settings, bidder, business, consultation
):
    deposit(bidder, business, consultation, when=BEFORE)

    media = settings.STORAGES["default"]["OPTIONS"]["location"]
    assert not any(Path(media).rglob("*"))


def test_the_deposit_instant_is_the_server_clock_when_the_last_file_is_stored(
    bidder, business, consultation
):
    bid = deposit(bidder, business, consultation, when=BEFORE)

    assert bid.received_at == BEFORE
    assert bid.deadline == WINTER_DEADLINE


@pytest.mark.parametrize(
    ("deadline", "completed", "late"),
    [
        (paris(2027, 1, 15, 17, 0), paris(2027, 1, 15, 17, 0, 0, 0), False),
        (paris(2027, 1, 15, 17, 0), paris(2027, 1, 15, 17, 0, 0, 1000), True),
        (paris(2027, 7, 15, 17, 0), paris(2027, 7, 15, 17, 0, 0, 0), False),
        (paris(2027, 7, 15, 17, 0), paris(2027, 7, 15, 17, 0, 0, 1000), True),
    ],
    ids=[
        "winter-17:00:00.000",
        "winter-17:00:00.001",
        "summer-17:00:00.000",
        "summer-17:00:00.001",
    ],
)
def test_seventeen_hundred_is_on_time_and_one_millisecond_later_is_late(
    buyer, bidder, business, deadline, completed, late
):
    consultation = ConsultationFactory(
        published=True, buyer=buyer, submission_deadline=deadline
    )

    bid = deposit(bidder, business, consultation, when=completed)

    assert bid.is_late is late
    assert bid.state == BidState.RECEIVED


def test_a_new_deposit_replaces_the_earlier_one_on_the_same_lot(
    bidder, business, consultation, lot
):
    first = deposit(bidder, business, consultation, lot, when=paris(2027, 1, 10, 9))

    second = deposit(bidder, business, consultation, lot, when=paris(2027, 1, 12, 9))

    first.refresh_from_db()
    assert first.state == BidState.REPLACED
    assert second.replaces == first
    assert second.state == BidState.RECEIVED


def test_a_deposit_on_another_lot_replaces_nothing(bidder, business, consultation, lot):
    other_lot = LotFactory(consultation=consultation, number=3)
    first = deposit(bidder, business, consultation, lot, when=paris(2027, 1, 10, 9))

    second = deposit(
        bidder, business, consultation, other_lot, when=paris(2027, 1, 12, 9)
    )

    first.refresh_from_db()
    assert first.state == BidState.RECEIVED
    assert second.replaces is None


def test_another_business_deposit_replaces_nothing(bidder, business, consultation):
    rival = BusinessFactory()
    first = deposit(bidder, business, consultation, when=paris(2027, 1, 10, 9))

    deposit(
        member(rival, Role.COMPANY_ADMIN), rival, consultation, when=paris(2027, 1, 11)
    )

    first.refresh_from_db()
    assert first.state == BidState.RECEIVED


def test_a_late_deposit_never_replaces_an_on_time_one(bidder, business, consultation):
    on_time = deposit(bidder, business, consultation, when=paris(2027, 1, 15, 16, 59))

    late = deposit(bidder, business, consultation, when=paris(2027, 1, 15, 17, 0, 1))

    on_time.refresh_from_db()
    assert on_time.state == BidState.RECEIVED
    assert late.is_late and late.replaces is None


def test_each_deposit_gets_its_own_receipt_number(bidder, business, consultation):
    first = deposit(bidder, business, consultation, when=paris(2027, 1, 10, 9))
    second = deposit(bidder, business, consultation, when=paris(2027, 1, 11, 9))

    assert first.receipt_number != second.receipt_number
    assert first.receipt_number.startswith("MUT-2027-")


def test_a_failure_after_the_files_are_stored_leaves_no_row_and_no_file(
    settings, bidder, business, consultation
):
    with (
        mock.patch("mutualis.bids.actions.record", side_effect=RuntimeError("disk")),
        pytest.raises(RuntimeError),
    ):
        deposit(bidder, business, consultation, files={"a.pdf": b"a", "b.pdf": b"b"})

    assert Bid.objects.count() == 0
    assert stored_files(settings) == []


def test_a_file_longer_than_it_claimed_is_refused_and_nothing_remains(
    settings, bidder, business, consultation
):
    settings.MUTUALIS_MAX_BID_FILE_SIZE = 100
    liar = SimpleUploadedFile("annexe-géologique.pdf", b"g" * 101)
    liar.size = 50

    with pytest.raises(ValidationError) as refusal:
        deposit_bid(
            bidder, business, consultation, None, [*uploads({"ok.pdf": b"o"}), liar]
        )

    assert refusal.value.messages == [
        "“annexe-géologique.pdf” is larger than 100\xa0bytes, the most a bid file may weigh."
    ]
    assert Bid.objects.count() == 0
    assert stored_files(settings) == []


def test_a_file_above_the_size_limit_is_refused_by_name(
    settings, bidder, business, consultation
):
    settings.MUTUALIS_MAX_BID_FILE_SIZE = 1024

    with pytest.raises(ValidationError) as refusal:
        deposit(bidder, business, consultation, files={"plans.dwg": b"p" * 1025})

    assert refusal.value.messages == [
        "“plans.dwg” is larger than 1.0\xa0KB, the most a bid file may weigh."
    ]


def test_a_file_at_the_size_limit_is_accepted(settings, bidder, business, consultation):
    settings.MUTUALIS_MAX_BID_FILE_SIZE = 1024

    bid = deposit(bidder, business, consultation, files={"plans.dwg": b"p" * 1024})

    assert bid.files.get().size == 1024


def test_more_files_than_allowed_are_refused(settings, bidder, business, consultation):
    settings.MUTUALIS_MAX_BID_FILES = 2
    files = {f"piece-{n}.pdf": b"x" for n in range(3)}

    with pytest.raises(ValidationError) as refusal:
        deposit(bidder, business, consultation, files=files)

    assert refusal.value.messages == [
        "You chose 3 files; a bid may hold at most 2 files."
    ]
    assert Bid.objects.count() == 0


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "Choose at least one file to deposit."),
        ({"vide.pdf": b""}, "“vide.pdf” is empty."),
    ],
)
def test_an_empty_deposit_is_refused(bidder, business, consultation, files, message):
    with pytest.raises(ValidationError) as refusal:
        deposit_bid(bidder, business, consultation, None, uploads(files))

    assert refusal.value.messages == [message]


def test_two_files_of_the_same_name_are_refused(bidder, business, consultation):
    files = [
        SimpleUploadedFile("offre.pdf", b"1"),
        SimpleUploadedFile("offre.pdf", b"2"),
    ]

    with pytest.raises(ValidationError) as refusal:
        deposit_bid(bidder, business, consultation, None, files)

    assert refusal.value.messages == [
        "Two files are named “offre.pdf”; rename one of them."
    ]


def test_a_consultation_with_lots_needs_a_lot(bidder, business, consultation, lot):
    with pytest.raises(ValidationError) as refusal:
        deposit(bidder, business, consultation, lot=None)

    assert refusal.value.messages == ["Choose the lot this bid is for."]


def test_a_lot_of_another_consultation_is_refused(
    buyer, bidder, business, consultation
):
    elsewhere = LotFactory(
        consultation=ConsultationFactory(published=True, buyer=buyer)
    )

    with pytest.raises(ValidationError) as refusal:
        deposit(bidder, business, consultation, lot=elsewhere)

    assert refusal.value.messages == ["This lot does not belong to this consultation."]


@pytest.mark.parametrize("role", [Role.OPENER, Role.BUYER_ADMIN])
def test_only_a_member_of_the_business_may_deposit_for_it(
    buyer, business, consultation, role
):
    outsider = member(buyer, role)

    with pytest.raises(PermissionDenied) as refusal:
        deposit(outsider, business, consultation)

    assert str(refusal.value) == (
        "Only a company admin or a bidder of a business may deposit a bid for it."
    )


def test_a_company_admin_may_deposit(business, consultation):
    admin = member(business, Role.COMPANY_ADMIN)

    bid = deposit(admin, business, consultation, when=BEFORE)

    assert bid.deposited_by == admin


def test_an_opened_consultation_takes_no_more_bids(bidder, business, consultation):
    consultation.state = State.OPENED
    consultation.save()

    with pytest.raises(PermissionDenied) as refusal:
        deposit(bidder, business, consultation)

    assert str(refusal.value) == "This consultation does not accept bids."


def test_a_consultation_opened_while_files_arrive_keeps_nothing(
    settings, bidder, business, consultation
):
    def open_meanwhile(*args, **kwargs):
        type(consultation).objects.filter(pk=consultation.pk).update(state=State.OPENED)
        return original(*args, **kwargs)

    original = storage.store
    with (
        mock.patch.object(storage, "store", side_effect=open_meanwhile),
        pytest.raises(ValidationError) as refusal,
    ):
        deposit(bidder, business, consultation, when=paris(2027, 1, 15, 17, 5))

    assert refusal.value.messages == [
        "This consultation stopped taking bids during your deposit."
    ]
    assert Bid.objects.count() == 0
    assert stored_files(settings) == []


def test_the_journal_records_the_deposit_and_the_replacement(
    bidder, business, consultation
):
    first = deposit(bidder, business, consultation, when=paris(2027, 1, 10, 9))
    second = deposit(bidder, business, consultation, when=paris(2027, 1, 11, 9))

    assert [e.action for e in entries_for(first)] == ["bid.deposited", "bid.replaced"]
    deposited = entries_for(second).get()
    assert (deposited.actor, deposited.at) == (bidder, paris(2027, 1, 11, 9))
    assert deposited.data == {
        "receipt": second.receipt_number,
        "late": False,
        "replaces": first.receipt_number,
    }
