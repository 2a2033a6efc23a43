"""Annex IV (b): before the time limits laid down, nobody can have access to data
transmitted. Not by access rules alone: after a sealed deposit, the whole database
and the whole file store hold neither a file in clear nor anything yielding its key.
"""

import base64
import datetime as dt
import hashlib
from pathlib import Path

import pytest
from django.db import connection

from mutualis.bids import sealing, shamir
from mutualis.bids.models import Bid, BidState
from tests.annex_iv.conftest import DEADLINE
from tests.bids.factories import at, deposit
from tests.uploads.sealed import bearer, patch, seal_commission, start, token_for

pytestmark = pytest.mark.django_db

BEFORE = DEADLINE - dt.timedelta(hours=3)
PLAIN = {
    "memoire-technique.txt": "Mémoire technique : phasage des travaux, 14 semaines."
    * 400,
    "offre-financiere.txt": "Prix global et forfaitaire : 48 213,07 EUR HT.",
}


@pytest.fixture
def secrets(monkeypatch):
    """The bid key and its shares, as the bidder's client made them while sealing."""
    found = {}
    split = shamir.split

    def keeping(secret, count, threshold):
        found["secret"] = secret
        found["identity"] = sealing.identity_from_secret(secret)
        found["shares"] = split(secret, count, threshold)
        return found["shares"]

    monkeypatch.setattr(shamir, "split", keeping)
    return found


@pytest.fixture
def bidder_files(tmp_path_factory):
    """The files on the bidder's machine, outside the platform's storage."""
    folder = tmp_path_factory.mktemp("bidder")
    for name, text in PLAIN.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def deposited(client, people, business, consultation, bidder_files, secrets):
    """A bid sealed with the Python client and sent through the deposit API."""
    commission = seal_commission(consultation, openers=3, threshold=2)
    info = sealing.sealing_info(consultation)
    paths = [bidder_files / name for name in PLAIN]
    manifest = sealing.seal_bid(info, paths, bidder_files / "sealed")
    token = bearer(token_for(people["bidder"]))

    with at(BEFORE):
        answer = start(client, business, manifest, **token)
        for url, name in zip(answer.json()["uploads"], PLAIN, strict=True):
            content = sealing.sealed_path(bidder_files / "sealed", name).read_bytes()
            patch(client, url, content, 0, **token)
    assert commission.keys.count() == 3
    return Bid.objects.get(receipt_number=answer.json()["deposit"])


def forms(value):
    """The ways `value` could be written down: raw, hex, base64, any letter case."""
    raw = value.encode() if isinstance(value, str) else bytes(value)
    written = {raw, raw.hex().encode(), base64.b64encode(raw)}
    written |= {base64.urlsafe_b64encode(raw).rstrip(b"=")}
    return {form.lower() for form in written if form}


def in_clear():
    """What gives a file's content, or confirms a guess of it, by name."""
    needles = {}
    for name, text in PLAIN.items():
        data = text.encode()
        needles[f"{name} in clear"] = forms(data[:64]) | forms(data[-64:])
        needles[f"{name} SHA-256 in clear"] = {
            hashlib.sha256(data).hexdigest().encode()
        }
    return needles


def forbidden(secrets):
    """in_clear(), and everything that yields the bid's key."""
    needles = in_clear()
    needles["bid identity"] = forms(str(secrets["identity"]))
    needles["bid secret"] = forms(secrets["secret"])
    for index, share in enumerate(secrets["shares"], start=1):
        needles[f"plaintext share {index}"] = forms(share)
    return needles


def found_in(haystack, needles):
    return {
        what for what, forms_ in needles.items() if any(f in haystack for f in forms_)
    }


def database_dump():
    """Every value of every column of every table, as lower-case bytes."""
    values = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            # Table names come from the schema itself.
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608
            for row in cursor.fetchall():
                values.extend(_as_bytes(value) for value in row if value is not None)
    return b"\n".join(values).lower()


def _as_bytes(value):
    if isinstance(value, (bytes, memoryview, bytearray)):
        return bytes(value)
    return str(value).encode()


def file_store_dump(settings):
    """(path, lower-case bytes) of every file the platform stores, in any storage."""
    roots = {str(settings.MEDIA_ROOT)} | {
        store["OPTIONS"]["location"]
        for store in settings.STORAGES.values()
        if "location" in store.get("OPTIONS", {})
    }
    return [
        (str(path), path.read_bytes().lower())
        for root in roots
        for path in Path(root).rglob("*")
        if path.is_file()
    ]


def test_the_deposit_is_complete_and_sealed(deposited):
    assert (deposited.state, deposited.sealing, deposited.is_late) == (
        BidState.RECEIVED,
        "age",
        False,
    )
    assert deposited.files.count() == 2


def test_the_dump_sees_what_the_database_holds(deposited, secrets):
    dump = database_dump()

    assert deposited.receipt_number.lower().encode() in dump
    assert str(secrets["identity"].to_public()).encode() in dump


def test_the_database_holds_nothing_that_opens_the_bid(deposited, secrets):
    dump = database_dump()

    assert found_in(dump, forbidden(secrets)) == set()


def test_the_file_store_holds_nothing_that_opens_the_bid(deposited, secrets, settings):
    files = file_store_dump(settings)

    leaks = {
        (path, what)
        for path, content in files
        for what in found_in(content, forbidden(secrets))
    }
    assert len(files) >= 2
    assert leaks == set()


def test_the_search_finds_a_bid_kept_in_clear(people, business, consultation, settings):
    files = {name: text.encode() for name, text in PLAIN.items()}
    deposit(people["bidder"], business, consultation, files=files, when=BEFORE)

    store = b"".join(content for _, content in file_store_dump(settings))

    assert found_in(store, in_clear()) >= {
        "memoire-technique.txt in clear",
        "offre-financiere.txt in clear",
    }
