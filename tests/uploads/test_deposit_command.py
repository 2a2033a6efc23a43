"""`mutualis deposit DIR`: start, upload with tuspy, resume when run again."""

import hashlib
import io
import json
import os

import pytest
import requests
from django.core.management import CommandError, call_command

from mutualis.bids.models import Bid, BidState
from tests.uploads.sealed import manifest, token_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sealed_dir(tmp_path, sealed, lot):
    """A directory as `mutualis seal` writes it: manifest.json and .age files."""
    contents = {
        "Mémoire technique.pdf": b"age-encryption.org/v1\n" + os.urandom(300_000),
        "Prix.xlsx": b"age-encryption.org/v1\n" + os.urandom(1000),
    }
    document = manifest(sealed, contents, lot)
    for name, content in contents.items():
        (tmp_path / f"{name}.age").write_bytes(content)
    (tmp_path / "manifest.json").write_text(json.dumps(document), encoding="utf-8")
    return tmp_path


def deposit(live_server, bidder, business, directory, secret=None):
    out = io.StringIO()
    call_command(
        "deposit",
        str(directory),
        server=live_server.url,
        token=secret or token_for(bidder, business),
        chunk_size=1,
        stdout=out,
    )
    return out.getvalue()


def test_the_command_deposits_and_prints_the_receipt(
    live_server, bidder, business, sealed_dir
):
    printed = deposit(live_server, bidder, business, sealed_dir)

    bid = Bid.objects.get()
    assert bid.state == BidState.RECEIVED
    assert f"Receipt {bid.receipt_number}" in printed
    assert "Deposit completed: " in printed
    sealed = (sealed_dir / "Prix.xlsx.age").read_bytes()
    assert bid.files.get(name="Prix.xlsx").sha256 == hashlib.sha256(sealed).hexdigest()


def test_run_again_the_command_resumes_and_makes_no_second_bid(
    live_server, bidder, business, sealed_dir
):
    secret = token_for(bidder, business)
    headers = {"Authorization": f"Bearer {secret}"}
    document = json.loads((sealed_dir / "manifest.json").read_text())
    started = requests.post(
        f"{live_server.url}/api/v1/deposits",
        json={"manifest": document},
        headers=headers,
        timeout=30,
    ).json()
    content = (sealed_dir / "Mémoire technique.pdf.age").read_bytes()
    requests.patch(
        started["uploads"][0],
        data=content[:100_000],
        headers={
            **headers,
            "Tus-Resumable": "1.0.0",
            "Upload-Offset": "0",
            "Content-Type": "application/offset+octet-stream",
        },
        timeout=30,
    )

    printed = deposit(live_server, bidder, business, sealed_dir, secret)
    again = deposit(live_server, bidder, business, sealed_dir, secret)

    assert Bid.objects.count() == 1
    assert f"Deposit {started['deposit']}" in printed
    assert "Mémoire technique.pdf: 300022 / 300022 bytes" in printed
    assert "already stored" in again
    assert f"Receipt {started['deposit']}" in again


def test_a_missing_sealed_file_is_named(live_server, bidder, business, sealed_dir):
    (sealed_dir / "Prix.xlsx.age").unlink()

    with pytest.raises(CommandError, match="Prix.xlsx.age: the sealed file is missing"):
        deposit(live_server, bidder, business, sealed_dir)


def test_a_refused_token_is_told(live_server, bidder, business, sealed_dir):
    with pytest.raises(
        CommandError, match=r"refused \(401\).*unknown or has been revoked"
    ):
        deposit(live_server, bidder, business, sealed_dir, secret="mut_wrong")
