"""Vault files in the protected storage, hashed while they are stored, as bid files are."""

from mutualis.bids.storage import (
    FileTooLarge,
    StoredFile,
    discard,
    open_stored,
    protected_storage,
    store,
)

__all__ = [
    "FileTooLarge",
    "StoredFile",
    "discard",
    "open_stored",
    "protected_storage",
    "store",
]
