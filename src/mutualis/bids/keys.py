"""Openers' age identities on their own machine: generate, protect, load, use.

An identity file is the text `age-keygen` writes, encrypted with a passphrase in
age's scrypt format, so that `age -d identity.age` shows it. The platform only ever
sees the recipient.
"""

import base64
import binascii
import datetime as dt

import pyrage
from pyrage import x25519

from mutualis.bids import sealing

SHARES_FORMAT = "mutualis-opening-shares/1"


class KeyFileError(ValueError):
    """An identity file that cannot be opened: wrong passphrase or not an identity."""


def generate_identity():
    return x25519.Identity.generate()


def identity_text(identity, created=None):
    """The identity as `age-keygen` writes it, with its recipient in a comment."""
    created = created or dt.datetime.now(dt.UTC)
    return (
        f"# created: {created:%Y-%m-%dT%H:%M:%SZ}\n"
        f"# public key: {identity.to_public()}\n"
        f"{identity}\n"
    )


def protect(identity, passphrase):
    """The identity file's bytes: its text under age's passphrase encryption."""
    if not passphrase:
        raise KeyFileError("the passphrase must not be empty")
    return pyrage.passphrase.encrypt(identity_text(identity).encode(), passphrase)


def load_identity(data, passphrase):
    """The identity an identity file holds, given its passphrase."""
    try:
        text = pyrage.passphrase.decrypt(data, passphrase).decode()
    except (pyrage.DecryptError, UnicodeDecodeError):
        raise KeyFileError(
            "cannot open the identity file: wrong passphrase or not an identity file"
        ) from None
    return parse_identity_text(text)


def parse_identity_text(text):
    keys = [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    ]
    if len(keys) != 1:
        raise KeyFileError("an identity file holds exactly one age identity")
    try:
        return x25519.Identity.from_str(keys[0])
    except pyrage.IdentityError:
        raise KeyFileError("the identity file holds no age X25519 identity") from None


def decrypt_shares(identity, document):
    """The plaintext shares for `document` (what `opening/shares.json` served).

    Each share opens with `identity`, else KeyFileError naming the bid.
    """
    if not isinstance(document, dict) or document.get("format") != SHARES_FORMAT:
        raise KeyFileError(f"not a shares document (format “{SHARES_FORMAT}”)")
    return {
        "format": SHARES_FORMAT,
        "consultation": document.get("consultation"),
        "shares": [_decrypt_one(identity, entry) for entry in document["shares"]],
    }


def _decrypt_one(identity, entry):
    try:
        sealed = base64.b64decode(entry["share"], validate=True)
        share = pyrage.decrypt(sealed, [identity])
    except (KeyError, TypeError, binascii.Error, pyrage.DecryptError):
        raise KeyFileError(
            f"bid {entry.get('bid')}: this identity does not open its share"
        ) from None
    return {
        "bid": entry["bid"],
        "key": entry["key"],
        "share": base64.b64encode(share).decode(),
    }


def recipient_problem(text):
    """Why `text` is not an age X25519 recipient, or None."""
    try:
        sealing.parse_recipient(text)
    except sealing.SealingError as error:
        return str(error)
    return None
