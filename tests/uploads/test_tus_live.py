"""The tus server over real HTTP on 127.0.0.1, with tuspy as the client."""

import hashlib
import os
import socket
from urllib.parse import urlsplit

import pytest
from tusclient.client import TusClient

from mutualis.bids.models import Bid, BidState
from tests.uploads.sealed import manifest, token_for

pytestmark = pytest.mark.django_db(transaction=True)

SIZE = 3 * 1024 * 1024 + 12345


@pytest.fixture
def sealed_file(tmp_path):
    path = tmp_path / "memoire.pdf.age"
    path.write_bytes(b"age-encryption.org/v1\n" + os.urandom(SIZE - 22))
    return path


@pytest.fixture
def secret(bidder):
    return token_for(bidder)


def start_deposit(live_server, secret, business, sealed, lot, path):
    import requests

    answer = requests.post(
        f"{live_server.url}/api/deposits/",
        json={
            "business": business.pk,
            "manifest": manifest(sealed, {path.name: path.read_bytes()}, lot),
        },
        headers={"Authorization": f"Bearer {secret}"},
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def tus(live_server, secret):
    return TusClient(
        f"{live_server.url}/api/uploads/", headers={"Authorization": f"Bearer {secret}"}
    )


def test_tuspy_uploads_a_sealed_file_in_chunks(
    live_server, secret, business, sealed, lot, sealed_file
):
    deposit = start_deposit(live_server, secret, business, sealed, lot, sealed_file)

    with sealed_file.open("rb") as stream:
        uploader = tus(live_server, secret).uploader(
            file_stream=stream, url=deposit["uploads"][0], chunk_size=1024 * 1024
        )
        uploader.upload()

    bid = Bid.objects.get()
    assert bid.state == BidState.RECEIVED
    assert (
        bid.files.get().sha256 == hashlib.sha256(sealed_file.read_bytes()).hexdigest()
    )


def cut_patch(url, secret, data, sent):
    """Send a PATCH announcing all of `data`, stop after `sent` bytes, read the answer."""
    parts = urlsplit(url)
    head = (
        f"PATCH {parts.path} HTTP/1.1\r\n"
        f"Host: {parts.netloc}\r\n"
        "Tus-Resumable: 1.0.0\r\n"
        "Upload-Offset: 0\r\n"
        "Content-Type: application/offset+octet-stream\r\n"
        f"Content-Length: {len(data)}\r\n"
        f"Authorization: Bearer {secret}\r\n"
        "Connection: close\r\n\r\n"
    )
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(head.encode() + data[:sent])
        # The client's side of the connection ends here, mid-file.
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def test_after_a_cut_mid_file_tuspy_resumes_from_the_last_stored_byte(
    live_server, secret, business, sealed, lot, sealed_file
):
    deposit = start_deposit(live_server, secret, business, sealed, lot, sealed_file)
    url = deposit["uploads"][0]
    data = sealed_file.read_bytes()
    half = len(data) // 2 + 7

    cut_patch(url, secret, data, half)
    with sealed_file.open("rb") as stream:
        uploader = tus(live_server, secret).uploader(
            file_stream=stream, url=url, chunk_size=1024 * 1024
        )
        resumed_from = uploader.offset
        uploader.upload()

    assert resumed_from == half
    bid = Bid.objects.get()
    assert bid.state == BidState.RECEIVED
    assert bid.files.get().sha256 == hashlib.sha256(data).hexdigest()
