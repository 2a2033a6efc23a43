"""Vault files in the protected storage, hashed while they are stored."""

import logging

from django.core.files.storage import storages

from mutualis.bids.storage import FileTooLarge, HashingReader, StoredFile

__all__ = ["FileTooLarge", "StoredFile", "discard", "open_stored", "store"]

logger = logging.getLogger(__name__)


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
        raise RuntimeError("vault file name already taken in the protected storage")
    return StoredFile(stored_as, reader.bytes_read, reader.hasher.hexdigest())


def discard(names):
    """Delete stored files, going on past any single failure."""
    storage = protected_storage()
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            logger.exception("could not delete a vault file name=%s", name)


def open_stored(name):
    return protected_storage().open(name, "rb")
