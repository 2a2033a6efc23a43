"""Byte ranges of uploads in the protected storage, appended in place on local disk.

TODO(object-storage): on S3-compatible storage, map each PATCH to a multipart
upload part (parts of 5 MiB at least) and complete it at the last byte.
"""

import fcntl
import hashlib
import os
from contextlib import contextmanager, suppress

from django.core.files.storage import storages

READ_SIZE = 1024 * 1024


class Busy(Exception):
    """Another request is writing to the same upload."""


def path_of(name):
    storage = storages["protected"]
    return storage.path(name)


def _open_for_writing(name):
    """Open `name`, creating it and its folders with the storage's modes."""
    storage = storages["protected"]
    path = storage.path(name)
    os.makedirs(
        os.path.dirname(path),
        mode=storage.directory_permissions_mode or 0o700,
        exist_ok=True,
    )
    fd = os.open(path, os.O_RDWR | os.O_CREAT, storage.file_permissions_mode or 0o600)
    return os.fdopen(fd, "r+b")


@contextmanager
def appending(name, offset):
    """Open `name` for appending at `offset`, alone: a second writer gets Busy.

    Bytes past `offset` (written by a process that died before it could record
    them) are cut off, so that the file always ends at the recorded offset. A
    file that ends before it is never lengthened: the caller sees it is short.
    """
    with _open_for_writing(name) as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Busy from None
        try:
            if os.fstat(file.fileno()).st_size > offset:
                file.truncate(offset)
            file.seek(offset)
            yield file
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)


def sha256_of(name):
    hasher = hashlib.sha256()
    with open(path_of(name), "rb") as file:
        while block := file.read(READ_SIZE):
            hasher.update(block)
    return hasher.hexdigest()


def size_of(name):
    """The bytes the file holds; 0 before its first byte."""
    try:
        return os.stat(path_of(name)).st_size
    except FileNotFoundError:
        return 0


def discard(name):
    with suppress(FileNotFoundError):
        os.remove(path_of(name))
