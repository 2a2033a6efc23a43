"""The tus 1.0.0 server through Django's test client."""

import base64
import fcntl
import hashlib
import io

import pytest
from django.test import Client

from mutualis.accounts.models import Role
from mutualis.bids.models import Bid, BidState
from mutualis.uploads import actions, digests, storage
from mutualis.uploads.models import Upload
from tests.bids.factories import at, paris, stored_files
from tests.factories import BusinessFactory, member
from tests.uploads.sealed import (
    TUS,
    bearer,
    head,
    manifest,
    patch,
    start,
    token_for,
)

pytestmark = pytest.mark.django_db

BEFORE = paris(2027, 1, 14, 11, 15, 42)
SEALED = b"age-encryption.org/v1\n" + bytes(range(256)) * 40


@pytest.fixture
def token(bidder):
    return bearer(token_for(bidder))


@pytest.fixture
def deposit(client, business, sealed, lot, token):
    """A started deposit of one sealed file; returns its state and upload URL."""
    with at(BEFORE):
        answer = start(
            client, business, manifest(sealed, {"offre.pdf.age": SEALED}, lot), **token
        )
    assert answer.status_code == 201
    return answer.json()


def url_of(deposit):
    return deposit["uploads"][0]


def test_options_tell_the_version_extensions_and_largest_file(client, settings):
    settings.MUTUALIS_MAX_BID_FILE_SIZE = 5 * 1024**3

    answer = client.options("/api/uploads/")

    assert answer.status_code == 204
    assert answer["Tus-Version"] == "1.0.0"
    assert answer["Tus-Extension"] == "creation,termination,checksum"
    assert answer["Tus-Max-Size"] == str(5 * 1024**3)


def test_head_tells_the_offset_and_length_and_is_never_cached(client, deposit, token):
    answer = head(client, url_of(deposit), **token)

    assert answer.status_code == 200
    assert answer["Upload-Offset"] == "0"
    assert answer["Upload-Length"] == str(len(SEALED))
    assert answer["Cache-Control"] == "no-store"


def test_a_file_sent_in_two_ranges_completes_the_deposit(
    client, deposit, token, settings
):
    url = url_of(deposit)

    with at(paris(2027, 1, 15, 16, 59, 59, 999000)):
        first = patch(client, url, SEALED[:4000], 0, **token)
        second = patch(client, url, SEALED[4000:], 4000, **token)

    assert first.status_code == 204 and first["Upload-Offset"] == "4000"
    assert second.status_code == 204 and second["Upload-Offset"] == str(len(SEALED))
    bid = Bid.objects.get(receipt_number=deposit["deposit"])
    assert bid.state == BidState.RECEIVED and not bid.is_late
    assert bid.files.get().sha256 == hashlib.sha256(SEALED).hexdigest()
    assert stored_files(settings) == [f"bids/{bid.consultation_id}/{bid}/1"]


def test_the_body_is_streamed_past_the_form_memory_limit(
    client, deposit, token, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024

    answer = patch(client, url_of(deposit), SEALED, 0, **token)

    assert answer.status_code == 204
    assert answer["Upload-Offset"] == str(len(SEALED))


def test_a_range_at_the_wrong_offset_is_refused_naming_the_file(client, deposit, token):
    patch(client, url_of(deposit), SEALED[:100], 0, **token)

    answer = patch(client, url_of(deposit), SEALED[50:150], 50, **token)

    assert answer.status_code == 409
    assert answer.json() == {
        "error": "“offre.pdf.age”: this range starts at byte 50, but the platform "
        "has 100 bytes; go on from there."
    }


def test_a_byte_past_the_declared_length_is_refused(client, deposit, token):
    answer = patch(client, url_of(deposit), SEALED + b"!", 0, **token)

    assert answer.status_code == 413
    assert answer.json()["error"] == (
        f"“offre.pdf.age”: this range goes past the {len(SEALED)} bytes declared "
        "for the file."
    )
    assert head(client, url_of(deposit), **token)["Upload-Offset"] == "0"


def test_a_range_after_the_whole_file_is_refused(client, deposit, token):
    patch(client, url_of(deposit), SEALED, 0, **token)

    answer = patch(client, url_of(deposit), b"!", len(SEALED), **token)

    assert answer.status_code == 409
    assert answer.json()["error"] == "“offre.pdf.age” has already been received whole."


def test_a_range_of_another_content_type_is_refused(client, deposit, token):
    answer = client.generic(
        "PATCH",
        url_of(deposit),
        SEALED,
        content_type="application/octet-stream",
        HTTP_UPLOAD_OFFSET="0",
        **TUS,
        **token,
    )

    assert answer.status_code == 415
    assert "application/offset+octet-stream" in answer.json()["error"]


def test_a_request_without_tus_resumable_is_refused(client, deposit, token):
    answer = client.generic(
        "PATCH",
        url_of(deposit),
        SEALED,
        content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET="0",
        **token,
    )

    assert answer.status_code == 412
    assert answer["Tus-Version"] == "1.0.0"
    assert "send Tus-Resumable: 1.0.0" in answer.json()["error"]


def test_another_person_is_told_the_upload_does_not_exist(client, deposit, business):
    stranger = member(BusinessFactory(), Role.BIDDER)

    answer = head(client, url_of(deposit), **bearer(token_for(stranger)))

    assert answer.status_code == 404


def test_an_anonymous_request_is_refused(client, deposit):
    answer = patch(client, url_of(deposit), SEALED, 0)

    assert answer.status_code == 401
    assert answer.json() == {"error": "Log in, or send a personal API token (Bearer)."}


def test_a_revoked_token_is_refused(client, deposit, bidder):
    from mutualis.accounts.tokens import revoke_token, tokens_of

    secret = token_for(bidder)
    revoke_token(bidder, tokens_of(bidder).first())

    answer = head(client, url_of(deposit), **bearer(secret))

    assert answer.status_code == 401


def test_with_a_session_a_range_needs_the_csrf_header(deposit, bidder):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(bidder)
    browser.get("/me/tokens/")
    csrf = browser.cookies["csrftoken"].value

    refused = patch(browser, url_of(deposit), SEALED, 0)
    accepted = patch(browser, url_of(deposit), SEALED, 0, HTTP_X_CSRFTOKEN=csrf)

    assert refused.status_code == 403
    assert "CSRF" in refused.json()["error"]
    assert accepted.status_code == 204


def test_a_range_that_does_not_match_its_checksum_is_dropped(client, deposit, token):
    wrong = base64.b64encode(hashlib.sha256(b"other").digest()).decode()

    answer = patch(
        client,
        url_of(deposit),
        SEALED[:1000],
        0,
        HTTP_UPLOAD_CHECKSUM=f"sha256 {wrong}",
        **token,
    )

    assert answer.status_code == 460
    assert "does not match its checksum" in answer.json()["error"]
    assert head(client, url_of(deposit), **token)["Upload-Offset"] == "0"


def test_a_range_that_matches_its_checksum_is_kept(client, deposit, token):
    right = base64.b64encode(hashlib.sha1(SEALED[:1000]).digest()).decode()  # noqa: S324

    answer = patch(
        client,
        url_of(deposit),
        SEALED[:1000],
        0,
        HTTP_UPLOAD_CHECKSUM=f"sha1 {right}",
        **token,
    )

    assert answer.status_code == 204 and answer["Upload-Offset"] == "1000"


def test_termination_deletes_the_bytes_and_ends_the_upload(
    client, deposit, token, settings
):
    patch(client, url_of(deposit), SEALED[:100], 0, **token)

    answer = client.delete(url_of(deposit), **TUS, **token)

    assert answer.status_code == 204
    assert head(client, url_of(deposit), **token).status_code == 410
    refused = patch(client, url_of(deposit), SEALED[100:], 100, **token)
    assert refused.json()["error"] == "The upload of “offre.pdf.age” was cancelled."
    assert stored_files(settings) == []


class CutStream:
    """A request body whose connection drops after `keep` bytes."""

    def __init__(self, data, keep):
        self.source = io.BytesIO(data[:keep])

    def read(self, size):
        block = self.source.read(size)
        if not block:
            raise actions.UploadError("the connection was cut")
        return block


def test_a_cut_keeps_every_byte_received_before_it(deposit, token, client):
    upload = Upload.objects.get()
    keep = 3 * actions.BLOCK_SIZE // 2 if len(SEALED) > actions.BLOCK_SIZE else 3000

    with pytest.raises(actions.UploadError):
        actions.receive(upload, CutStream(SEALED, keep), 0, len(SEALED))

    assert head(client, url_of(deposit), **token)["Upload-Offset"] == str(keep)
    resumed = patch(client, url_of(deposit), SEALED[keep:], keep, **token)
    assert resumed["Upload-Offset"] == str(len(SEALED))
    bid = Bid.objects.get()
    assert bid.files.get().sha256 == hashlib.sha256(SEALED).hexdigest()


def test_a_second_writer_at_once_is_told_to_wait(client, deposit, token, settings):
    upload = Upload.objects.get()
    patch(client, url_of(deposit), SEALED[:10], 0, **token)

    with open(storage.path_of(upload.stored_as), "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        answer = patch(client, url_of(deposit), SEALED[10:], 10, **token)

    assert answer.status_code == 409
    assert answer.json()["error"] == (
        "“offre.pdf.age” is already being sent by another request; wait for it."
    )


def test_a_whole_file_can_no_longer_be_terminated(client, deposit, token):
    patch(client, url_of(deposit), SEALED, 0, **token)

    answer = client.delete(url_of(deposit), **TUS, **token)

    assert answer.status_code == 409
    assert "can no longer be cancelled" in answer.json()["error"]


def test_bytes_a_crashed_writer_left_past_the_offset_are_cut(client, deposit, token):
    upload = Upload.objects.get()
    patch(client, url_of(deposit), SEALED[:100], 0, **token)
    with open(storage.path_of(upload.stored_as), "ab") as crashed:
        crashed.write(b"never recorded")

    answer = patch(client, url_of(deposit), SEALED[100:], 100, **token)

    assert answer.status_code == 204
    bid = Bid.objects.get()
    assert bid.files.get().sha256 == hashlib.sha256(SEALED).hexdigest()


def test_ranges_received_by_another_process_still_give_the_files_hash(
    client, deposit, token
):
    upload = Upload.objects.get()
    patch(client, url_of(deposit), SEALED[:1000], 0, **token)
    # Another process holds no running hash of the first range.
    digests.forget(upload.pk)

    patch(client, url_of(deposit), SEALED[1000:], 1000, **token)

    assert Bid.objects.get().files.get().sha256 == hashlib.sha256(SEALED).hexdigest()


def test_a_range_resent_after_its_checksum_failed_gives_the_files_hash(
    client, deposit, token
):
    def checksum(data):
        return base64.b64encode(hashlib.sha256(data).digest()).decode()

    url = url_of(deposit)
    patch(client, url, SEALED[:1000], 0, **token)
    refused = patch(
        client,
        url,
        SEALED[1000:1500],
        1000,
        HTTP_UPLOAD_CHECKSUM=f"sha256 {checksum(b'another range')}",
        **token,
    )
    resent = patch(
        client,
        url,
        SEALED[1000:],
        1000,
        HTTP_UPLOAD_CHECKSUM=f"sha256 {checksum(SEALED[1000:])}",
        **token,
    )

    assert (refused.status_code, resent.status_code) == (460, 204)
    assert Bid.objects.get().files.get().sha256 == hashlib.sha256(SEALED).hexdigest()


def test_after_a_crash_of_the_machine_the_offset_is_what_the_file_holds(
    client, deposit, token
):
    upload = Upload.objects.get()
    url = url_of(deposit)
    patch(client, url, SEALED[:4000], 0, **token)
    # The machine stopped before the system wrote the last 3,000 bytes.
    with open(storage.path_of(upload.stored_as), "r+b") as lost:
        lost.truncate(1000)

    told = head(client, url, **token)["Upload-Offset"]
    refused = patch(client, url, SEALED[4000:], 4000, **token)
    resumed = patch(client, url, SEALED[1000:], 1000, **token)

    assert told == "1000"
    assert refused.status_code == 409
    assert "the platform has 1000 bytes" in refused.json()["error"]
    assert resumed["Upload-Offset"] == str(len(SEALED))
    assert Bid.objects.get().files.get().sha256 == hashlib.sha256(SEALED).hexdigest()
