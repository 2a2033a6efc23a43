"""What changes an upload: its creation, each byte range received, its termination.

The body of a range is read in blocks from the request stream and appended to the
file as it comes, so that no upload ever sits in memory, and the offset is recorded
as it goes: after a cut, the next HEAD tells the last byte truly stored.

A range is not forced to the disk: a process that dies leaves its bytes in the
system's cache, which writes them. Only the last byte waits for the disk, before
the upload is declared whole (and a receipt given for it); after a crash of the
whole machine, a file shorter than its recorded offset brings the offset back to
what the file holds, and the client goes on from there.
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
from mutualis.uploads import digests, storage
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


def create_upload(owner, purpose, length, stored_as, name, organisation=None):
    """Declare an upload of `length` bytes; its file appears with its first byte."""
    return Upload.objects.create(
        owner=owner,
        organisation=organisation,
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
            _catch_up(upload, file)
            _check_range(upload, offset, content_length)
            digest = _append(upload, stream, file, content_length, verifier)
    except storage.Busy:
        raise UploadError(
            _("“%(name)s” is already being sent by another request; wait for it.")
            % {"name": name_of(upload)},
            status=409,
        ) from None
    if upload.is_complete:
        _complete(upload, digest)
    return upload


def stored_offset(upload):
    """The offset to tell a client: the recorded one, unless the file lost bytes."""
    if upload.is_complete or upload.terminated_at is not None:
        return upload.offset
    return min(upload.offset, storage.size_of(upload.stored_as))


def _catch_up(upload, file):
    # Only after a crash of the machine: the file ends before the recorded offset.
    size = os.fstat(file.fileno()).st_size
    if size < upload.offset:
        logger.warning(
            "upload %s: %d bytes recorded, %d stored", upload.pk, upload.offset, size
        )
        _record(upload, size)


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
    """Append the range and return the running SHA-256 of the file, if known."""
    start = upload.offset
    hasher = digests.resume(upload.pk, start)
    written = recorded = 0
    try:
        while written < content_length:
            block = stream.read(min(BLOCK_SIZE, content_length - written))
            if not block:
                break
            file.write(block)
            written += len(block)
            if hasher is not None:
                hasher.update(block)
            if verifier:
                verifier[0].update(block)
            if written - recorded >= RECORD_EVERY:
                _written_back(file)
                if not verifier:
                    _record(upload, start + written)
                recorded = written
    finally:
        if verifier and not _verified(verifier, written, content_length):
            file.truncate(start)
            written = 0
            hasher = None
        if start + written == upload.length:
            # A receipt will be given for these bytes: they must be on the disk.
            file.flush()
            os.fsync(file.fileno())
        _written_back(file)
        _record(upload, start + written)
        if hasher is not None:
            digests.keep(upload.pk, start + written, hasher)
    if verifier and written != content_length:
        raise UploadError(
            _("“%(name)s”: the range does not match its checksum; send it again.")
            % {"name": name_of(upload)},
            status=460,
        )
    return hasher


def _written_back(file):
    """Start writing what the file holds to the disk, and drop what is written.

    An upload of gigabytes then does not fill the memory with pages that nobody
    reads again (its hash is kept as it goes), and the next range reuses theirs.
    """
    file.flush()
    os.posix_fadvise(file.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)


def _verified(verifier, written, content_length):
    hasher, expected = verifier
    return written == content_length and hasher.digest() == expected


def _record(upload, offset):
    upload.offset = offset
    Upload.objects.filter(pk=upload.pk).update(offset=offset)


def _complete(upload, digest):
    # The instant of the last byte, taken before the file is hashed (again).
    upload.completed_at = now()
    digests.forget(upload.pk)
    if digest is None:
        upload.sha256 = storage.sha256_of(upload.stored_as)
    else:
        upload.sha256 = digest.hexdigest()
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
    digests.forget(upload.pk)
    storage.discard(upload.stored_as)
    return upload
