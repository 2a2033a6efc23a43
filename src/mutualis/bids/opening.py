"""Opening a sealed bid: recover its key from k shares, decrypt, check, scan.

Nothing here changes a bid's state: `actions.open_sealed_bid` calls `decrypt_bid`
outside any transaction (a multi-GB decryption must hold no lock), then records
the opening in one transaction, or removes what was decrypted.
"""

import base64
import binascii
import json
import logging
import secrets
import tempfile
from dataclasses import dataclass

import pyrage
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mutualis.bids import shamir, storage
from mutualis.bids.keys import SHARES_FORMAT
from mutualis.bids.sealing import SealingError, identity_from_secret

try:
    from mutualis.bids.scan import scan_file
except ImportError:  # pragma: no cover - the scanner module ships separately
    scan_file = None

logger = logging.getLogger(__name__)

UNSCANNED = "unscanned"
SHARE_SIZE = 33


class OpeningError(Exception):
    """A sealed bid that could not be opened.

    `damaged` when the bid itself is at fault (the right key opens nothing that
    matches what was sealed): the bid is then unreadable for good. Otherwise (too
    few or wrong shares, the store unavailable) it stays sealed for another try.
    """

    def __init__(self, bid, message, file_name=None, damaged=False):
        self.bid = bid
        self.file_name = file_name
        self.damaged = damaged
        self.message = message
        where = (
            _("bid %(receipt)s, file “%(file)s”")
            % {"receipt": bid.receipt_number, "file": file_name}
            if file_name
            else _("bid %(receipt)s") % {"receipt": bid.receipt_number}
        )
        super().__init__(
            _("%(where)s: %(message)s") % {"where": where, "message": message}
        )


@dataclass(frozen=True)
class OpenedFile:
    bid_file: object
    opened_as: str
    size: int
    sha256: str
    scan_status: str
    scan_detail: str


def opened_file_name(bid_file):
    """Where a decrypted copy goes; unique per attempt, so that two openers opening
    the same bid at once never write over, or remove, each other's copy."""
    bid = bid_file.bid
    folder = f"opened/{bid.consultation_id}/{bid.receipt_number}"
    return f"{folder}/{bid_file.position}-{secrets.token_hex(8)}"


# Shares


def shares_document(bid_shares, consultation):
    """What an opener downloads: their sealed share of each bid, by key."""
    return {
        "format": SHARES_FORMAT,
        "consultation": consultation.pk,
        "shares": [
            {"bid": bid.receipt_number, "key": key.pk, "share": sealed}
            for bid, key, sealed in bid_shares
        ],
    }


def sealed_shares(bids, keys):
    """(bid, key, sealed share) for each of `keys` named in each bid's manifest."""
    by_pk = {key.pk: key for key in keys}
    for bid in bids:
        for entry in (bid.manifest or {}).get("shares", []):
            key = by_pk.get(entry.get("opener_key"))
            if key is not None:
                yield bid, key, entry["share"]


@dataclass(frozen=True)
class PlainShare:
    receipt: str
    key: int
    share: bytes


def parse_submitted(document):
    """The plaintext shares of a posted document; ValueError saying what is wrong."""
    if isinstance(document, (bytes, str)):
        try:
            document = json.loads(document)
        except ValueError:
            raise ValueError(_("The shares are not a JSON document.")) from None
    if not isinstance(document, dict) or document.get("format") != SHARES_FORMAT:
        raise ValueError(
            _("The shares are not a “%(format)s” document.") % {"format": SHARES_FORMAT}
        )
    entries = document.get("shares")
    if not isinstance(entries, list) or not entries:
        raise ValueError(_("The document holds no share."))
    return [_plain_share(index, entry) for index, entry in enumerate(entries)]


def _plain_share(index, entry):
    try:
        share = base64.b64decode(entry["share"], validate=True)
        receipt, key = str(entry["bid"]), int(entry["key"])
    except (KeyError, TypeError, ValueError, binascii.Error):
        raise ValueError(
            _("shares[%(index)d]: a bid, a key and a base64 share are needed.")
            % {"index": index}
        ) from None
    if len(share) != SHARE_SIZE or share[-1] == 0:
        raise ValueError(
            _("shares[%(index)d] (bid %(receipt)s): not a key share; was it decrypted?")
            % {"index": index, "receipt": receipt}
        )
    return PlainShare(receipt, key, share)


# Decryption


def recover_identity(bid, shares):
    """The bid's age identity from `shares`; OpeningError unless it is the bid's."""
    threshold = bid.manifest["threshold"]
    if len(shares) < threshold:
        raise OpeningError(
            bid,
            ngettext(
                "%(count)d of the %(threshold)d shares needed has been handed over.",
                "%(count)d of the %(threshold)d shares needed have been handed over.",
                len(shares),
            )
            % {"count": len(shares), "threshold": threshold},
        )
    try:
        # Every share handed over, not just k: one wrong share among more than k
        # then still fails loudly instead of being outvoted silently.
        identity = identity_from_secret(shamir.combine(shares))
    except (shamir.ShareError, SealingError, pyrage.IdentityError) as error:
        raise OpeningError(bid, _("the shares do not combine (%s).") % error) from None
    if str(identity.to_public()) != bid.manifest["bid_recipient"]:
        raise OpeningError(
            bid, _("the shares do not give the bid's key: a share is wrong.")
        )
    return identity


def inner_files(bid, identity):
    """The plaintext names, sizes and hashes sealed in the bid's manifest."""
    try:
        sealed = base64.b64decode(bid.manifest["inner"])
        files = json.loads(pyrage.decrypt(sealed, [identity]))["files"]
    except (ValueError, KeyError, TypeError, pyrage.DecryptError):
        raise OpeningError(
            bid, _("its sealed list of files cannot be read."), damaged=True
        ) from None
    if len(files) != bid.files.count():
        raise OpeningError(
            bid, _("its sealed list of files does not match its files."), damaged=True
        )
    return files


def decrypt_bid(bid, identity):
    """Decrypt every file of `bid` into the protected storage and check it.

    Returns the opened files; on any failure removes them all and raises
    OpeningError naming the file.
    """
    expected = inner_files(bid, identity)
    opened = []
    try:
        for bid_file, plain in zip(
            bid.files.order_by("position"), expected, strict=True
        ):
            opened.append(_decrypt_file(bid, bid_file, plain, identity))
    except BaseException:
        storage.discard([item.opened_as for item in opened])
        raise
    return opened


def _decrypt_file(bid, bid_file, plain, identity):
    with tempfile.NamedTemporaryFile(
        dir=settings.FILE_UPLOAD_TEMP_DIR, prefix="opening-"
    ) as clear:
        _decrypt_into(bid, bid_file, identity, clear)
        result = _scan(clear.name)
        clear.seek(0)
        stored = _store(bid, bid_file, clear, plain)
    _check(bid, bid_file, plain, stored)
    return OpenedFile(
        bid_file, stored.name, stored.size, stored.sha256, result.status, result.detail
    )


def _decrypt_into(bid, bid_file, identity, clear):
    try:
        with storage.open_stored(bid_file.stored_as) as sealed:
            pyrage.decrypt_io(sealed, clear, [identity])
        clear.flush()
    except (OSError, pyrage.DecryptError) as error:
        # pyrage tells a failed decryption as an OSError without errno; one with
        # an errno comes from the system (a file missing, a disk error).
        if getattr(error, "errno", None) is not None:
            logger.warning("sealed file unreadable bid=%s error=%s", bid.pk, error)
            raise OpeningError(
                bid,
                _("the platform could not read the sealed file; try again later."),
                bid_file.name,
            ) from None
        logger.info("sealed file does not decrypt bid=%s error=%s", bid.pk, error)
        raise OpeningError(
            bid,
            _("it does not decrypt: the sealed file is damaged, truncated or altered."),
            bid_file.name,
            damaged=True,
        ) from None


def _store(bid, bid_file, clear, plain):
    name = opened_file_name(bid_file)
    try:
        return storage.store(name, clear, limit=plain["size"])
    except storage.FileTooLarge:
        raise OpeningError(
            bid,
            _("it is larger than its sealed size says."),
            bid_file.name,
            damaged=True,
        ) from None


def _check(bid, bid_file, plain, stored):
    if stored.size != plain["size"] or stored.sha256 != plain["sha256"]:
        storage.discard([stored.name])
        raise OpeningError(
            bid,
            _("its content does not match the SHA-256 and size sealed at deposit."),
            bid_file.name,
            damaged=True,
        )


def _scan(path):
    """Scan a decrypted file; a file that cannot be scanned is flagged, never lost."""
    if scan_file is None:
        return _Unscanned()
    return scan_file(path)


@dataclass(frozen=True)
class _Unscanned:
    status: str = UNSCANNED
    detail: str = ""
