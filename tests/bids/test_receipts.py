import hashlib
from unittest import mock

import pytest
from django.core import mail

from mutualis.bids.receipts import (
    RECEIPT_PATTERN,
    format_instant,
    format_size,
    new_receipt_number,
)
from tests.bids.factories import deposit, paris


def test_a_receipt_number_reads_without_ambiguous_letters():
    numbers = {new_receipt_number(2027) for _ in range(2000)}

    assert len(numbers) == 2000
    assert all(RECEIPT_PATTERN.fullmatch(n) for n in numbers)
    assert not set("ILOU") & set("".join(n[9:] for n in numbers))


@pytest.mark.parametrize(
    ("instant", "text"),
    [
        (
            paris(2027, 1, 15, 16, 59, 59, 999_000),
            "15 January 2027, 16:59:59.999 (Europe/Paris, UTC+01:00)",
        ),
        (
            paris(2027, 7, 15, 17, 0, 0, 1000),
            "15 July 2027, 17:00:00.001 (Europe/Paris, UTC+02:00)",
        ),
    ],
)
def test_a_deposit_instant_reads_in_the_consultation_zone(instant, text):
    assert format_instant(instant, "Europe/Paris", milliseconds=True) == text


def test_an_instant_reads_in_any_zone_with_its_offset():
    instant = paris(2027, 1, 15, 17)

    assert format_instant(instant, "America/Cayenne") == (
        "15 January 2027, 13:00:00 (America/Cayenne, UTC-03:00)"
    )


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (1, "1 byte"),
        (1023, "1,023 bytes"),
        (1536, "1,536 bytes (1.5\xa0KB)"),
        (5 * 1024 * 1024, "5,242,880 bytes (5.0\xa0MB)"),
    ],
)
def test_a_size_reads_exactly_then_rounded(size, text):
    assert format_size(size) == text


@pytest.mark.django_db
def test_the_depositor_gets_the_receipt_by_e_mail(
    django_capture_on_commit_callbacks, bidder, business, consultation, lot
):
    files = {"Mémoire technique.pdf": b"m" * 1536, "Acte d'engagement.pdf": b"ae"}

    with django_capture_on_commit_callbacks(execute=True):
        bid = deposit(
            bidder, business, consultation, lot, files, paris(2027, 1, 15, 16, 59, 59)
        )

    message = mail.outbox[0]
    assert message.to == ["helene.berard@example.org"]
    assert message.subject == f"Receipt {bid.receipt_number}: your bid for 2027-VOI-004"
    for line in [
        "Consultation: 2027-VOI-004 — Réfection de la voirie communale",
        "Buyer: Commune de Châtillon-sur-Seine",
        "Lot: Lot 2: Trottoirs et bordures",
        "Business: Société Générale d'Étanchéité Bourguignonne",
        "Deposited by: Hélène Bérard",
        "Deposit completed: 15 January 2027, 16:59:59.000 (Europe/Paris, UTC+01:00)",
        "Deadline for bids: 15 January 2027, 17:00:00 (Europe/Paris, UTC+01:00)",
        "On time.",
        "1. Mémoire technique.pdf",
        "Size: 1,536 bytes (1.5\xa0KB)",
        f"SHA-256: {hashlib.sha256(b'm' * 1536).hexdigest()}",
        "2. Acte d'engagement.pdf",
        "Size: 2 bytes",
        f"SHA-256: {hashlib.sha256(b'ae').hexdigest()}",
        f"http://127.0.0.1:8000/business/bids/{bid.receipt_number}/",
    ]:
        assert line in message.body
    assert "&#x27;" not in message.body


@pytest.mark.django_db
def test_a_late_receipt_says_late_plainly(
    django_capture_on_commit_callbacks, bidder, business, consultation
):
    with django_capture_on_commit_callbacks(execute=True):
        deposit(bidder, business, consultation, when=paris(2027, 1, 15, 17, 0, 0, 1000))

    body = mail.outbox[0].body
    assert "LATE: this bid arrived after the deadline." in body
    assert "17:00:00.001" in body
    assert "On time." not in body


@pytest.mark.django_db
def test_no_receipt_is_sent_for_a_deposit_that_failed(
    django_capture_on_commit_callbacks, bidder, business, consultation
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        mock.patch("mutualis.bids.actions._record_files", side_effect=OSError),
        pytest.raises(OSError),
    ):
        deposit(bidder, business, consultation)

    assert mail.outbox == []
