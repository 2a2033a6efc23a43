"""Bid files in the protected storage: streamed in, hashed and measured on the way."""

import hashlib
import io
import logging
from dataclasses import dataclass

from django.core.files import File
from django.core.files.storage import storages

logger = logging.getLogger(__name__)


class FileTooLarge(Exception):
    """A file's bytes went past the limit while it was being stored."""


class HashingReader(File):
    """Reads a file once, counting its bytes and hashing them with SHA-256.

    Storages read either through `chunks()` (local files) or `read()` (object
    storage); both go through `read`, so the hash covers exactly what was stored.
    """

    def __init__(self, source, limit):
        super().__init__(source, getattr(source, "name", None))
        self.limit = limit
        self._restart()

    def _restart(self):
        self.hasher = hashlib.sha256()
        self.bytes_read = 0

    def read(self, size=-1):
        data = self.file.read(size)
        self.bytes_read += len(data)
        if self.bytes_read > self.limit:
            raise FileTooLarge
        self.hasher.update(data)
        return data

    def seek(self, offset, whence=io.SEEK_SET):
        # A storage may rewind before it reads; it may not skip bytes we must hash.
        if offset != 0 or whence != io.SEEK_SET:
            raise io.UnsupportedOperation("a bid file is read from its start only")
        self.file.seek(0)
        self._restart()
        return 0


@dataclass(frozen=True)
class StoredFile:
    name: str
    size: int
    sha256: str


def protected_storage():
    return storages["protected"]


def store(name, source, limit):
    """Stream `source` into the protected storage as `name`; nothing remains on error."""
    storage = protected_storage()
    reader = HashingReader(source, limit)
    try:
        stored_as = storage.save(name, reader, max_length=300)
    except BaseException:
        discard([name])
        raise
    if stored_as != name:
        discard([stored_as])
        raise RuntimeError(f"{name} is already taken in the protected storage")
    return StoredFile(stored_as, reader.bytes_read, reader.hasher.hexdigest())


def discard(names):
    """Delete stored files (what a failed step had stored), going on past any failure."""
    storage = protected_storage()
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            logger.exception("could not delete a protected file name=%s", name)


def open_stored(name):
    return protected_storage().open(name, "rb")
