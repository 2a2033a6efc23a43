"""Sealed deposits (docs/sealing.md): started from a manifest, finished at the last byte.

The server never sees a bid in clear: it records what the manifest declares, lets
each sealed file arrive through its tus upload, and when the last byte of the last
file is stored it times the deposit, hashes what it stored and stamps the receipt.
"""

import hashlib
import json
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mutualis.bids import access, receipts, sealing
from mutualis.bids.actions import MAX_NAME_LENGTH, _current_bid, _replace
from mutualis.bids.models import Bid, BidFile, BidState, Sealing, bid_file_name
from mutualis.core.journal import record
from mutualis.core.time import now
from mutualis.tenders.models import Consultation
from mutualis.uploads.actions import create_upload

MANIFEST_FORMAT = "mutualis-sealed-bid/1"
UPLOAD_PURPOSE = "bid-file"


class DepositConflict(Exception):
    """The deposit key is already used by another deposit."""


def canonical_json(document):
    """The one byte form of a JSON document that is hashed: sorted keys, no spaces."""
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()


def manifest_digest(manifest):
    return hashlib.sha256(canonical_json(manifest)).hexdigest()


def start_deposit(user, business, consultation, manifest):
    """Create the sealed bid a manifest declares; return it and whether it is new.

    The same deposit key with the same manifest gives back the same bid, so that a
    retry never makes a second one; with another manifest it is a DepositConflict.
    """
    access.require_deposit(user, business, consultation)
    key = _deposit_key(manifest)
    digest = manifest_digest(manifest)
    existing = _same_deposit(key, user, business, digest)
    if existing is not None:
        return existing, False

    files = manifest.get("files")
    if isinstance(files, list) and all(isinstance(f, dict) for f in files):
        # First, for the limits' messages that the deposit page shows as they are.
        check_files(files)
    validate_manifest(manifest, consultation)
    lot = _lot(consultation, manifest.get("lot"))
    try:
        with transaction.atomic():
            bid = _create(user, business, consultation, lot, manifest, key, digest)
    except IntegrityError:
        # Two requests with one key at once: the other one created it.
        existing = _same_deposit(key, user, business, digest)
        if existing is None:
            raise
        return existing, False
    return bid, True


def _deposit_key(manifest):
    if not isinstance(manifest, dict):
        raise ValidationError(_("The manifest must be a JSON object."))
    try:
        return uuid.UUID(str(manifest.get("deposit_key")))
    except ValueError:
        raise ValidationError(
            _("deposit_key: give a UUID chosen by the client for this deposit.")
        ) from None


def _same_deposit(key, user, business, digest):
    bid = Bid.objects.filter(deposit_key=key).first()
    if bid is None:
        return None
    same = (
        bid.deposited_by_id == user.pk
        and bid.bidder_id == business.pk
        and bid.manifest_sha256 == digest
    )
    if not same:
        raise DepositConflict(
            _(
                "This deposit key is already used by another deposit; "
                "choose a new one for a new deposit."
            )
        )
    return bid


def validate_manifest(manifest, consultation):
    """Check what the server can check without any key (docs/sealing.md)."""
    errors = sealing.validate_manifest(manifest, consultation)
    if errors:
        raise ValidationError([str(error) for error in errors])


def _lot(consultation, lot_id):
    lots = consultation.lots.all()
    if lot_id is None:
        if lots.exists():
            raise ValidationError(_("lot: choose the lot this bid is for."))
        return None
    lot = lots.filter(pk=lot_id).first() if isinstance(lot_id, int) else None
    if lot is None:
        raise ValidationError(_("lot: this lot does not belong to this consultation."))
    return lot


def check_files(files):
    """The limits per file, per bid and in number, checked before any byte comes."""
    limit = settings.MUTUALIS_MAX_BID_FILES
    if not files:
        raise ValidationError(_("Choose at least one file to deposit."))
    if len(files) > limit:
        raise ValidationError(
            ngettext(
                "You chose %(count)d files; a bid may hold at most %(limit)d file.",
                "You chose %(count)d files; a bid may hold at most %(limit)d files.",
                limit,
            )
            % {"count": len(files), "limit": limit}
        )
    seen = set()
    for entry in files:
        _check_file(entry, seen)
    total = sum(entry["size"] for entry in files)
    if total > settings.MUTUALIS_MAX_BID_SIZE:
        raise ValidationError(
            _("The files weigh %(total)s together; a bid may weigh at most %(limit)s.")
            % {
                "total": filesizeformat(total),
                "limit": filesizeformat(settings.MUTUALIS_MAX_BID_SIZE),
            }
        )


def _check_file(entry, seen):
    name, size = entry.get("name"), entry.get("size")
    if not isinstance(name, str) or not name.strip() or "/" in name or "\\" in name:
        raise ValidationError(
            _("“%(name)s”: give a file name without a folder.") % {"name": name}
        )
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(
            _("“%(name)s”: a file name may have at most %(limit)d characters.")
            % {"name": name, "limit": MAX_NAME_LENGTH}
        )
    if name in seen:
        raise ValidationError(
            _("Two files are named “%(name)s”; rename one of them.") % {"name": name}
        )
    seen.add(name)
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        raise ValidationError(
            _("“%(name)s”: give its sealed size in bytes, more than 0.")
            % {"name": name}
        )
    if size > settings.MUTUALIS_MAX_BID_FILE_SIZE:
        raise ValidationError(
            _("“%(name)s” is larger than %(limit)s, the most a bid file may weigh.")
            % {
                "name": name,
                "limit": filesizeformat(settings.MUTUALIS_MAX_BID_FILE_SIZE),
            }
        )


def _create(user, business, consultation, lot, manifest, key, digest):
    started_at = now()
    number = receipts.new_receipt_number(consultation.local(started_at).year)
    bid = Bid.objects.create(
        consultation=consultation,
        lot=lot,
        bidder=business,
        deposited_by=user,
        sealing=Sealing.AGE,
        receipt_number=number,
        started_at=started_at,
        deposit_key=key,
        manifest=manifest,
        manifest_sha256=digest,
        is_backup_copy=bool(manifest.get("backup_copy")),
    )
    for position, entry in enumerate(manifest["files"], start=1):
        stored_as = bid_file_name(consultation.pk, number, position)
        BidFile.objects.create(
            bid=bid,
            position=position,
            name=entry["name"],
            size=entry["size"],
            sha256="",
            stored_as=stored_as,
            upload=create_upload(
                user,
                UPLOAD_PURPOSE,
                entry["size"],
                stored_as,
                entry["name"],
                organisation=business,
            ),
        )
    record(
        "bid.deposit-started",
        actor=user,
        obj=bid,
        at=started_at,
        receipt=number,
        files=len(manifest["files"]),
        size=sum(entry["size"] for entry in manifest["files"]),
        manifest_sha256=digest,
    )
    return bid


def deposit_files(bid):
    """The bid's files with their uploads, in order."""
    return bid.files.select_related("upload").order_by("position")


def file_stored(upload):
    """Told by the uploads app when `upload` has its last byte; may finish the bid."""
    bid_file = BidFile.objects.filter(upload=upload).select_related("bid").first()
    if bid_file is not None:
        finish_deposit(bid_file.bid)


def finish_deposit(bid):
    """Mark `bid` received once all its files are stored whole; else leave it.

    The deposit's instant is that of its last stored byte, whichever request
    finishes it, so that finishing again after a failure gives the same receipt.
    """
    with transaction.atomic():
        consultation = Consultation.objects.select_for_update().get(
            pk=bid.consultation_id
        )
        bid = Bid.objects.select_for_update().get(pk=bid.pk)
        files = list(deposit_files(bid))
        if bid.state != BidState.RECEIVING or not all(
            f.upload.is_complete for f in files
        ):
            return bid
        _receive(bid, consultation, files)
    return bid


def _receive(bid, consultation, files):
    at = max(f.upload.completed_at for f in files)
    user = bid.deposited_by
    for bid_file in files:
        bid_file.sha256 = bid_file.upload.sha256
        bid_file.save(update_fields=["sha256"])
    bid.received_at = at
    bid.deadline = consultation.submission_deadline
    bid.is_late = consultation.deadline_passed(at)
    current = (
        None
        if bid.is_late
        else _current_bid(consultation, bid.lot, bid.bidder, backup=bid.is_backup_copy)
    )
    if current is not None:
        _replace(current, bid, user, at)
        bid.replaces = current
    bid.move_to(BidState.RECEIVED)
    bid.save(update_fields=["received_at", "deadline", "is_late", "replaces", "state"])
    record(
        "bid.deposit-completed",
        actor=user,
        obj=bid,
        at=at,
        receipt=bid.receipt_number,
        late=bid.is_late,
        replaces=current.receipt_number if current else "",
        files=[{"name": f.name, "size": f.size, "sha256": f.sha256} for f in files],
    )
    _stamp(bid, user)
    transaction.on_commit(lambda: receipts.send_receipt(bid), robust=True)


def _stamp(bid, user):
    digest = receipts.receipt_digest(bid)
    bid.receipt_timestamp = receipts.stamp(digest)
    bid.save(update_fields=["receipt_timestamp"])
    record(
        "bid.receipt",
        actor=user,
        obj=bid,
        receipt=bid.receipt_number,
        receipt_sha256=digest.hex(),
        timestamp_sha256=hashlib.sha256(bid.receipt_timestamp).hexdigest(),
    )
