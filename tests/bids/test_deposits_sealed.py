"""Sealed deposits: started from a manifest, finished when the last byte is stored."""

import hashlib
import io
import json

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from pyhanko.pdf_utils.reader import PdfFileReader

from mutualis.bids import deposits, receipts
from mutualis.bids.models import Bid, BidState, Sealing
from mutualis.core.models import JournalEntry
from mutualis.uploads import actions as uploads
from tests.bids.factories import at, paris
from tests.factories import BusinessFactory, member
from tests.uploads.sealed import manifest, seal_commission

pytestmark = pytest.mark.django_db

BEFORE = paris(2027, 1, 14, 11, 15, 42)
FILES = {
    "memoire.pdf.age": b"age-encryption.org/v1\n" + b"m" * 3000,
    "prix.xlsx.age": b"age-encryption.org/v1\n" + b"p" * 500,
}


@pytest.fixture
def sealed(consultation):
    seal_commission(consultation)
    return consultation


class Body:
    def __init__(self, data):
        self.data = data
        self.position = 0

    def read(self, size):
        block = self.data[self.position : self.position + size]
        self.position += len(block)
        return block


def send_all(bid, files=FILES, when=None):
    """Store each sealed file whole, at `when`."""
    with at(when):
        for bid_file in deposits.deposit_files(bid):
            content = files[bid_file.name]
            uploads.receive(bid_file.upload, Body(content), 0, len(content))
    bid.refresh_from_db()
    return bid


def begin(bidder, business, sealed, lot, files=FILES, **options):
    with at(BEFORE):
        return deposits.start_deposit(
            bidder, business, sealed, manifest(sealed, files, lot, **options)
        )


def test_a_started_deposit_is_receiving_with_one_upload_per_file(
    bidder, business, sealed, lot
):
    bid, created = begin(bidder, business, sealed, lot)

    assert created
    assert bid.state == BidState.RECEIVING and bid.sealing == Sealing.AGE
    assert bid.started_at == BEFORE and bid.received_at is None
    assert [(f.name, f.size, f.upload.length) for f in deposits.deposit_files(bid)] == [
        ("memoire.pdf.age", 3022, 3022),
        ("prix.xlsx.age", 522, 522),
    ]
    assert JournalEntry.objects.filter(action="bid.deposit-started").count() == 1


def test_the_same_deposit_key_and_manifest_give_back_the_same_bid(
    bidder, business, sealed, lot
):
    document = manifest(sealed, FILES, lot)

    first, _ = deposits.start_deposit(bidder, business, sealed, document)
    again, created = deposits.start_deposit(bidder, business, sealed, document)

    assert not created and again.pk == first.pk
    assert Bid.objects.count() == 1


def test_the_same_deposit_key_with_another_manifest_is_a_conflict(
    bidder, business, sealed, lot
):
    document = manifest(sealed, FILES, lot)
    deposits.start_deposit(bidder, business, sealed, document)
    other = manifest(
        sealed, {"autre.pdf.age": 10}, lot, deposit_key=document["deposit_key"]
    )

    with pytest.raises(deposits.DepositConflict):
        deposits.start_deposit(bidder, business, sealed, other)


def test_a_person_of_another_business_may_not_deposit(business, sealed, lot):
    stranger = member(BusinessFactory())

    with pytest.raises(PermissionDenied):
        deposits.start_deposit(stranger, business, sealed, manifest(sealed, FILES, lot))


@pytest.mark.parametrize(
    ("files", "error"),
    [
        (
            {"gros.age": 2001},
            "“gros.age” is larger than 2.0\xa0KB, the most a bid file may weigh.",
        ),
        (
            {"a.age": 1500, "b.age": 1600},
            "The files weigh 3.0\xa0KB together; a bid may weigh at most 2.9\xa0KB.",
        ),
        (
            {"a.age": 1, "b.age": 1, "c.age": 1, "d.age": 1},
            "You chose 4 files; a bid may hold at most 3 files.",
        ),
    ],
)
def test_the_limits_are_checked_before_any_byte(
    bidder, business, sealed, lot, settings, files, error
):
    settings.MUTUALIS_MAX_BID_FILE_SIZE = 2000
    settings.MUTUALIS_MAX_BID_SIZE = 3000
    settings.MUTUALIS_MAX_BID_FILES = 3

    with pytest.raises(ValidationError) as refused:
        deposits.start_deposit(bidder, business, sealed, manifest(sealed, files, lot))

    assert error in refused.value.messages
    assert Bid.objects.count() == 0


def test_the_last_byte_of_the_last_file_times_and_stamps_the_deposit(
    bidder, business, sealed, lot
):
    bid, _ = begin(bidder, business, sealed, lot)

    bid = send_all(bid, when=paris(2027, 1, 15, 17, 0))

    assert bid.state == BidState.RECEIVED and not bid.is_late
    assert bid.received_at == paris(2027, 1, 15, 17, 0)
    assert [f.sha256 for f in bid.files.all()] == [
        hashlib.sha256(content).hexdigest() for content in FILES.values()
    ]
    document = json.loads(receipts.receipt_json(bid))
    assert document["receipt"] == bid.receipt_number
    assert document["received_at"] == "2027-01-15T16:00:00.000000+00:00"
    assert document["manifest_sha256"] == bid.manifest_sha256
    assert [e.action for e in JournalEntry.objects.filter(object_id=str(bid.pk))] == [
        "bid.deposit-started",
        "bid.deposit-completed",
        "bid.receipt",
    ]


def test_a_deposit_whose_last_byte_comes_a_millisecond_late_is_late(
    bidder, business, sealed, lot
):
    bid, _ = begin(bidder, business, sealed, lot)

    bid = send_all(bid, when=paris(2027, 1, 15, 17, 0, 0, 1000))

    assert bid.is_late and bid.state == BidState.RECEIVED


def test_one_file_alone_does_not_finish_the_deposit(bidder, business, sealed, lot):
    bid, _ = begin(bidder, business, sealed, lot)
    first = deposits.deposit_files(bid).first()

    uploads.receive(first.upload, Body(FILES[first.name]), 0, first.size)

    bid.refresh_from_db()
    assert bid.state == BidState.RECEIVING


def test_a_new_on_time_deposit_replaces_the_earlier_one(bidder, business, sealed, lot):
    earlier = send_all(begin(bidder, business, sealed, lot)[0])

    later = send_all(begin(bidder, business, sealed, lot)[0])

    earlier.refresh_from_db()
    assert earlier.state == BidState.REPLACED
    assert later.replaces == earlier and later.state == BidState.RECEIVED


def test_the_receipt_email_lists_the_files_and_carries_the_pdf(
    bidder, business, sealed, lot, django_capture_on_commit_callbacks
):
    bid, _ = begin(bidder, business, sealed, lot)

    with django_capture_on_commit_callbacks(execute=True):
        send_all(bid)

    message = mail.outbox[0]
    assert f"Receipt {bid.receipt_number}" in message.subject
    assert "memoire.pdf.age" in message.body
    assert hashlib.sha256(FILES["prix.xlsx.age"]).hexdigest() in message.body
    name, content, kind = message.attachments[0]
    assert (name, kind) == (f"{bid.receipt_number}.pdf", "application/pdf")
    signatures = PdfFileReader(io.BytesIO(content)).embedded_signatures
    assert [s.field_name for s in signatures] == ["MutualisSeal"]
    token = bytes(Bid.objects.get().receipt_timestamp)
    assert f"Timestamp token SHA-256: {hashlib.sha256(token).hexdigest()}" in (
        message.body
    )
