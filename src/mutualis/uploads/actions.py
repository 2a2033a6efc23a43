"""What changes an upload: its creation, each byte range received, its termination.

The body of a range is read in blocks from the request stream and appended to the
file as it comes, so that no upload ever sits in memory, and the offset is recorded
as it goes: after a cut, the next HEAD tells the last byte truly stored.
"""

import base64
import hashlib
import logging
import os

from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from mutualis.core.journal import record
from mutualis.core.time import now
from mutualis.uploads import storage
from mutualis.uploads.models import Upload

logger = logging.getLogger(__name__)

BLOCK_SIZE = 1024 * 1024
# How many bytes may arrive between two records of the offset: a cut loses none of
# them (the next PATCH goes on from the file), a crashed process at most this many.
RECORD_EVERY = 16 * 1024 * 1024
CHECKSUM_ALGORITHMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256}

# Who is told when an upload's last byte is stored, by purpose.
COMPLETION_HANDLERS = {"bid-file": "mutualis.bids.deposits.file_stored"}


class UploadError(Exception):
    """A refused tus request: its HTTP status and a message naming the file."""

    status = 400

    def __init__(self, message, status=None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


def name_of(upload):
    return upload.metadata.get("name") or str(upload.pk)


def create_upload(owner, purpose, length, stored_as, name):
    """Declare an upload of `length` bytes; its file appears with its first byte."""
    return Upload.objects.create(
        owner=owner,
        purpose=purpose,
        length=length,
        stored_as=stored_as,
        metadata={"name": name},
        created_at=now(),
    )


def receive(upload, stream, offset, content_length, checksum=None):
    """Append `content_length` bytes of `stream` at `offset` and return the upload.

    `checksum` is the tus `Upload-Checksum` header: with it, the range is kept only
    when it arrived whole and matches.
    """
    _check_range(upload, offset, content_length)
    verifier = _verifier(upload, checksum)
    try:
        with storage.appending(upload.stored_as, offset) as file:
            upload.refresh_from_db()
            _check_range(upload, offset, content_length)
            _append(upload, stream, file, content_length, verifier)
    except storage.Busy:
        raise UploadError(
            _("“%(name)s” is already being sent by another request; wait for it.")
            % {"name": name_of(upload)},
            status=409,
        ) from None
    if upload.is_complete:
        _complete(upload)
    return upload


def _check_range(upload, offset, content_length):
    name = name_of(upload)
    if upload.terminated_at is not None:
        raise UploadError(
            _("The upload of “%(name)s” was cancelled.") % {"name": name}, status=410
        )
    if upload.is_complete:
        raise UploadError(
            _("“%(name)s” has already been received whole.") % {"name": name},
            status=409,
        )
    if offset != upload.offset:
        raise UploadError(
            _(
                "“%(name)s”: this range starts at byte %(sent)d, but the platform "
                "has %(stored)d bytes; go on from there."
            )
            % {"name": name, "sent": offset, "stored": upload.offset},
            status=409,
        )
    if offset + content_length > upload.length:
        raise UploadError(
            _(
                "“%(name)s”: this range goes past the %(length)d bytes declared "
                "for the file."
            )
            % {"name": name, "length": upload.length},
            status=413,
        )


def _verifier(upload, checksum):
    if not checksum:
        return None
    algorithm, _space, value = checksum.partition(" ")
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise UploadError(
            _("“%(name)s”: unknown checksum algorithm “%(algorithm)s”.")
            % {"name": name_of(upload), "algorithm": algorithm},
            status=400,
        )
    try:
        expected = base64.b64decode(value, validate=True)
    except ValueError:
        raise UploadError(
            _("“%(name)s”: the checksum is not valid base64.")
            % {"name": name_of(upload)},
            status=400,
        ) from None
    return CHECKSUM_ALGORITHMS[algorithm](), expected


def _append(upload, stream, file, content_length, verifier):
    start = upload.offset
    written = recorded = 0
    try:
        while written < content_length:
            block = stream.read(min(BLOCK_SIZE, content_length - written))
            if not block:
                break
            file.write(block)
            written += len(block)
            if verifier:
                verifier[0].update(block)
            elif written - recorded >= RECORD_EVERY:
                file.flush()
                _record(upload, start + written)
                recorded = written
    finally:
        file.flush()
        os.fsync(file.fileno())
        if verifier and not _verified(verifier, written, content_length):
            file.truncate(start)
            written = 0
        _record(upload, start + written)
    if verifier and written != content_length:
        raise UploadError(
            _("“%(name)s”: the range does not match its checksum; send it again.")
            % {"name": name_of(upload)},
            status=460,
        )


def _verified(verifier, written, content_length):
    hasher, expected = verifier
    return written == content_length and hasher.digest() == expected


def _record(upload, offset):
    upload.offset = offset
    Upload.objects.filter(pk=upload.pk).update(offset=offset)


def _complete(upload):
    # The instant of the last byte, taken before the file is hashed again.
    upload.completed_at = now()
    upload.sha256 = storage.sha256_of(upload.stored_as)
    upload.save(update_fields=["completed_at", "sha256"])
    handler = COMPLETION_HANDLERS.get(upload.purpose)
    if handler is None:
        return
    try:
        import_string(handler)(upload)
    except Exception:
        # The bytes are stored and the upload is whole whatever its purpose makes
        # of it; the deposit API finishes the deposit again at the next look.
        logger.exception("completing an upload failed upload=%s", upload.pk)


def terminate(upload):
    """Cancel an unfinished upload (tus termination): its bytes are deleted."""
    if upload.is_complete:
        raise UploadError(
            _("“%(name)s” has been received whole and can no longer be cancelled.")
            % {"name": name_of(upload)},
            status=409,
        )
    with transaction.atomic():
        upload.terminated_at = now()
        upload.save(update_fields=["terminated_at"])
        record(
            "upload.terminated", actor=upload.owner, obj=upload, name=name_of(upload)
        )
    storage.discard(upload.stored_as)
    return upload
