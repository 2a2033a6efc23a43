"""Files of the protected storage that no row names: what a crash left behind.

A plain deposit stores its files before the transaction that records them, an
opening decrypts into fresh names before the one that records them; a process that
dies in between leaves files nobody can reach. The sweep deletes those, once they
are old enough that no request can still be about to record them.
"""

import datetime as dt
import logging
import os

from mutualis.bids.models import BidFile
from mutualis.bids.storage import protected_storage
from mutualis.core.journal import record
from mutualis.core.time import now
from mutualis.uploads.models import Upload

logger = logging.getLogger(__name__)

# The folders the bids and their uploads live in.
FOLDERS = ("bids", "opened")
GRACE = dt.timedelta(hours=24)


def orphans(older_than=GRACE):
    """The names under FOLDERS that no bid file or upload names, oldest first."""
    named = _named()
    limit = (now() - older_than).timestamp()
    root = protected_storage().location
    found = []
    for folder in FOLDERS:
        for directory, _dirs, files in os.walk(os.path.join(root, folder)):
            for file in files:
                path = os.path.join(directory, file)
                name = os.path.relpath(path, root).replace(os.sep, "/")
                if name not in named and os.stat(path).st_mtime < limit:
                    found.append((os.stat(path).st_mtime, name))
    return [name for _mtime, name in sorted(found)]


def _named():
    names = set(Upload.objects.values_list("stored_as", flat=True))
    for stored_as, opened_as in BidFile.objects.values_list("stored_as", "opened_as"):
        names.add(stored_as)
        if opened_as:
            names.add(opened_as)
    return names


def sweep(older_than=GRACE):
    """Delete the orphans, say so in the journal, and return their names."""
    names = orphans(older_than)
    storage = protected_storage()
    for name in names:
        storage.delete(name)
        logger.info("orphan file deleted name=%s", name)
    if names:
        record("storage.orphans-deleted", count=len(names), names=names[:100])
    return names
