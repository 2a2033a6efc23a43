"""The SHA-256 of each upload, computed while its bytes arrive.

A process keeps, per upload, the hash of the bytes it stored itself and the offset
they reach. A range that starts at that offset goes on with it, so that the file
is not read again at the end (its pages have left the cache by then). Bytes below a recorded offset never change (a writer only cuts what lies
past it), so a hash that reaches the upload's length is the file's. In any other
case (a range received by another process, a restart, a range refused for its
checksum) there is no running hash and the file is read again at the last byte.
"""

import hashlib
import threading
from collections import OrderedDict

# Running hashes kept per process; an abandoned upload's is dropped first.
KEEP = 256

_running = OrderedDict()
_lock = threading.Lock()


def resume(key, offset):
    """The running hash of the bytes below `offset` of upload `key`, or None."""
    with _lock:
        entry = _running.pop(key, None)
    if offset == 0:
        return hashlib.sha256()
    if entry is not None and entry[0] == offset:
        return entry[1]
    return None


def keep(key, offset, hasher):
    """Remember that `hasher` hashed the first `offset` bytes of upload `key`."""
    with _lock:
        _running[key] = (offset, hasher)
        _running.move_to_end(key)
        while len(_running) > KEEP:
            _running.popitem(last=False)


def forget(key):
    with _lock:
        _running.pop(key, None)
