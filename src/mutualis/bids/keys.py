"""Openers' age identities on their own machine: generate, protect, load, use.

An identity file is the text `age-keygen` writes, encrypted with a passphrase in
age's scrypt format, so that `age -d identity.age` shows it. The platform only ever
sees the recipient.
"""

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import os

import pyrage
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
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
    return scrypt_encrypt(identity_text(identity).encode(), passphrase)


# age's scrypt recipient (age-encryption.org/v1), written here for one reason: rage
# picks the work factor from the machine's speed, and on a fast machine it goes past
# 20, which the browser's age library refuses. The file is small: one STREAM chunk.
SCRYPT_WORK_FACTOR = 18
CHUNK = 64 * 1024


def scrypt_encrypt(plaintext, passphrase, work_factor=SCRYPT_WORK_FACTOR):
    """`plaintext` (at most one 64 KiB chunk) as an age file under `passphrase`."""
    if len(plaintext) > CHUNK:
        raise ValueError("an identity file is far smaller than 64 KiB")
    file_key, salt, nonce = os.urandom(16), os.urandom(16), os.urandom(16)
    wrapping = Scrypt(
        salt=b"age-encryption.org/v1/scrypt" + salt,
        length=32,
        n=2**work_factor,
        r=8,
        p=1,
    ).derive(passphrase.encode())
    body = ChaCha20Poly1305(wrapping).encrypt(bytes(12), file_key, None)
    header = (
        b"age-encryption.org/v1\n"
        + b"-> scrypt "
        + _b64(salt)
        + b" "
        + str(work_factor).encode()
        + b"\n"
        + _b64(body)
        + b"\n---"
    )
    mac = hmac.new(_hkdf(file_key, b"", b"header"), header, hashlib.sha256).digest()
    payload_key = _hkdf(file_key, nonce, b"payload")
    # STREAM: an 11-byte counter, then 1 for the last chunk.
    sealed = ChaCha20Poly1305(payload_key).encrypt(bytes(11) + b"\x01", plaintext, None)
    return header + b" " + _b64(mac) + b"\n" + nonce + sealed


def _b64(data):
    return base64.b64encode(data).rstrip(b"=")


def _hkdf(key, salt, info):
    return HKDF(algorithm=SHA256(), length=32, salt=salt, info=info).derive(key)


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
