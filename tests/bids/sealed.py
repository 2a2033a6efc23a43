"""Sealed bids for the tests: real age keys, real Shamir shares, stored ciphertext.

The deposit path is not needed here: a bid is sealed with `seal_bid` exactly as a
client would, and its files are put in the protected storage as the upload would.
"""

import base64
import json
from dataclasses import dataclass

import pyrage
from pyrage import x25519

from mutualis.accounts.models import Role
from mutualis.bids import keys, sealing, shamir, storage
from mutualis.bids.models import Bid, BidFile, BidState, Sealing, bid_file_name
from mutualis.bids.receipts import new_receipt_number
from mutualis.core.time import now
from tests.factories import member, opener_key

FILES = {
    "Mémoire technique.pdf": b"%PDF-1.7 memoire technique " * 5000,
    "Bordereau des prix.xlsx": b"PK\x03\x04 prix unitaires",
}


@dataclass
class Opener:
    user: object
    key: object
    identity: object


def openers(buyer, count):
    """`count` openers of `buyer`, each with a registered key and its identity."""
    found = []
    for number in range(count):
        identity = x25519.Identity.generate()
        user = member(buyer, Role.OPENER, full_name=f"Ouvreur {number + 1}")
        key = opener_key(buyer, user, recipient=str(identity.to_public()))
        found.append(Opener(user, key, identity))
    return found


def seal(consultation, tmp_path, files=None, lot=None):
    """The manifest and sealed-file directory of a bid sealed as a client does."""
    sources = tmp_path / "plain"
    sources.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, content in (files or FILES).items():
        paths.append(sources / name)
        paths[-1].write_bytes(content)
    out = tmp_path / "sealed"
    info = sealing.sealing_info(consultation)
    return sealing.seal_bid(info, paths, out, lot=lot), out


def sealed_bid(
    bidder, business, consultation, tmp_path, files=None, lot=None, backup=False
):
    """A received, on-time sealed bid (or backup copy) whose ciphertext is stored."""
    manifest, out = seal(consultation, tmp_path / str(backup), files, lot)
    at = now()
    number = new_receipt_number(consultation.local(at).year)
    bid = Bid.objects.create(
        consultation=consultation,
        lot_id=manifest["lot"],
        bidder=business,
        deposited_by=bidder,
        receipt_number=number,
        started_at=at,
        received_at=at,
        deadline=consultation.submission_deadline,
        state=BidState.RECEIVED,
        sealing=Sealing.AGE,
        manifest=manifest,
        manifest_sha256=sealing.manifest_sha256(manifest),
        is_backup_copy=backup,
    )
    for position, entry in enumerate(manifest["files"], start=1):
        _store(bid, position, entry, out)
    return bid


def _store(bid, position, entry, out):
    name = bid_file_name(bid.consultation_id, bid.receipt_number, position)
    with sealing.sealed_path(out, entry["name"]).open("rb") as source:
        stored = storage.store(name, source, limit=entry["size"])
    BidFile.objects.create(
        bid=bid,
        position=position,
        name=entry["name"],
        size=stored.size,
        sha256=stored.sha256,
        stored_as=stored.name,
    )


def decrypted_shares(opener, document):
    """What `mutualis decrypt-shares` writes for `opener`: JSON text."""
    return json.dumps(keys.decrypt_shares(opener.identity, document))


def share_of(bid, opener):
    """`opener`'s plaintext share of `bid`."""
    for entry in bid.manifest["shares"]:
        if entry["opener_key"] == opener.key.pk:
            return pyrage.decrypt(base64.b64decode(entry["share"]), [opener.identity])
    raise LookupError(opener)


def bid_identity(bid, openers_):
    """The bid's identity, recovered from the given openers' shares."""
    shares = [share_of(bid, opener) for opener in openers_]
    return sealing.identity_from_secret(shamir.combine(shares))


def reseal_inner(bid, identity, files):
    """Replace the sealed inner manifest, as a bidder's broken client might."""
    inner = pyrage.encrypt(
        json.dumps({"files": files}).encode(), [identity.to_public()]
    )
    bid.manifest = {**bid.manifest, "inner": base64.b64encode(inner).decode()}
    bid.save(update_fields=["manifest"])
