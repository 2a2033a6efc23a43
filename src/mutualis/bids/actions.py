"""What changes a bid: deposit, opening, reading a file. Each checks, then commits."""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mutualis.bids import access, keys, opening, receipts, signatures, storage
from mutualis.bids.models import (
    Bid,
    BidFile,
    BidState,
    OpenerKey,
    OpeningAction,
    OpeningCommission,
    OpeningEvent,
    Sealing,
    SubmittedShare,
    bid_file_name,
)
from mutualis.core.journal import record
from mutualis.core.time import now
from mutualis.tenders.models import Consultation, State

logger = logging.getLogger(__name__)

MAX_NAME_LENGTH = BidFile._meta.get_field("name").max_length


def deposit_bid(user, business, consultation, lot, files):
    """Store `files` as `business`'s bid on `lot`, timed when the last is stored.

    Past the deadline the bid is kept and marked late; a failure leaves neither a
    row nor a stored file.
    """
    access.require_deposit(user, business, consultation)
    _check_lot(consultation, lot)
    _check_files(files)

    started_at = now()
    number = receipts.new_receipt_number(consultation.local(started_at).year)
    # The files go in before the short transaction that records them, so that a
    # large upload holds no database lock (SQLite has a single writer).
    # A crash in between leaves files without a row: `mutualis sweep-orphans`.
    stored = []
    try:
        for position, upload in enumerate(files, start=1):
            stored.append(_store(consultation, number, position, upload))
        received_at = now()
        with transaction.atomic(durable=True):
            bid = _record_deposit(
                user, business, consultation, lot, number, started_at, received_at
            )
            _record_files(bid, files, stored)
    except BaseException:
        storage.discard([item.name for item in stored])
        raise
    return bid


def _check_lot(consultation, lot):
    has_lots = consultation.lots.exists()
    if has_lots and lot is None:
        raise ValidationError(_("Choose the lot this bid is for."), code="lot_required")
    if lot is not None and lot.consultation_id != consultation.pk:
        raise ValidationError(
            _("This lot does not belong to this consultation."), code="wrong_lot"
        )


def _check_files(files):
    """Refuse, before storing anything, what the declared sizes already rule out."""
    limit = settings.MUTUALIS_MAX_BID_FILES
    if not files:
        raise ValidationError(_("Choose at least one file to deposit."), code="none")
    if len(files) > limit:
        raise ValidationError(
            ngettext(
                "You chose %(count)d files; a bid may hold at most %(limit)d file.",
                "You chose %(count)d files; a bid may hold at most %(limit)d files.",
                limit,
            )
            % {"count": len(files), "limit": limit},
            code="too_many",
        )
    seen = set()
    for upload in files:
        _check_file(upload, seen)


def _check_file(upload, seen):
    name = upload.name
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(
            _("“%(name)s”: a file name may have at most %(limit)d characters.")
            % {"name": name, "limit": MAX_NAME_LENGTH},
            code="long_name",
        )
    if name in seen:
        raise ValidationError(
            _("Two files are named “%(name)s”; rename one of them.") % {"name": name},
            code="same_name",
        )
    seen.add(name)
    if upload.size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name}, code="empty")
    if upload.size > settings.MUTUALIS_MAX_BID_FILE_SIZE:
        raise too_large(name)


def too_large(name):
    limit = settings.MUTUALIS_MAX_BID_FILE_SIZE
    return ValidationError(
        _("“%(name)s” is larger than %(limit)s, the most a bid file may weigh.")
        % {"name": name, "limit": filesizeformat(limit)},
        code="too_large",
    )


def _store(consultation, number, position, upload):
    try:
        return storage.store(
            bid_file_name(consultation.pk, number, position),
            upload,
            settings.MUTUALIS_MAX_BID_FILE_SIZE,
        )
    except storage.FileTooLarge:
        raise too_large(upload.name) from None


def _record_deposit(user, business, consultation, lot, number, started_at, at):
    # Read the consultation again under lock: it may have been opened or
    # cancelled, or its deadline moved, while the files were arriving.
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if consultation.state != State.PUBLISHED:
        raise ValidationError(
            _("This consultation stopped taking bids during your deposit."),
            code="closed",
        )
    is_late = consultation.deadline_passed(at)
    current = None if is_late else _current_bid(consultation, lot, business)
    bid = Bid.objects.create(
        consultation=consultation,
        lot=lot,
        bidder=business,
        deposited_by=user,
        receipt_number=number,
        started_at=started_at,
        received_at=at,
        deadline=consultation.submission_deadline,
        is_late=is_late,
        replaces=current,
    )
    if current is not None:
        _replace(current, bid, user, at)
    _move(bid, BidState.RECEIVED)
    record(
        "bid.deposited",
        actor=user,
        obj=bid,
        at=at,
        receipt=number,
        late=is_late,
        replaces=current.receipt_number if current else "",
    )
    transaction.on_commit(lambda: receipts.send_receipt(bid), robust=True)
    return bid


def _current_bid(consultation, lot, business, backup=False):
    """The on-time bid a new deposit replaces; late deposits never replace one.

    A backup copy replaces only the business's earlier backup copy, and a bid only
    its earlier bid: the two travel side by side.
    """
    return (
        Bid.objects.select_for_update()
        .filter(
            consultation=consultation,
            lot=lot,
            bidder=business,
            state=BidState.RECEIVED,
            is_late=False,
            is_backup_copy=backup,
        )
        # Without the default ordering's join on lots, which PostgreSQL will not
        # lock through.
        .order_by("pk")
        .first()
    )


def _replace(current, bid, user, at):
    _move(current, BidState.REPLACED)
    record(
        "bid.replaced",
        actor=user,
        obj=current,
        at=at,
        receipt=current.receipt_number,
        by=bid.receipt_number,
    )


def _record_files(bid, files, stored):
    BidFile.objects.bulk_create(
        BidFile(
            bid=bid,
            position=position,
            name=upload.name,
            size=item.size,
            sha256=item.sha256,
            stored_as=item.name,
        )
        for position, (upload, item) in enumerate(zip(files, stored, strict=True), 1)
    )


def _move(bid, state):
    bid.move_to(state)
    bid.save(update_fields=["state", "opened_at", "opened_by"])


# Opening


def start_opening(user, consultation):
    """Open an opening session on `consultation`, after its deadline, as an opener."""
    with transaction.atomic():
        consultation = _locked(consultation)
        access.require_start_opening(user, consultation)
        at = now()
        event = OpeningEvent.objects.create(
            consultation=consultation,
            user=user,
            action=OpeningAction.SESSION_STARTED,
            at=at,
        )
        record("opening.session-started", actor=user, obj=consultation, at=at)
    return event


def open_bids(user, consultation):
    """Open the valid bids, set the late ones aside, and mark the consultation opened.

    Replaced bids stay as they are: only the latest on-time deposit of each business
    and lot counts. Sealed bids not yet opened are opened first, each on its own; a
    damaged one is recorded as unreadable and the others go on, any other failure
    (a share missing or wrong) raises OpeningError and the session goes on.
    """
    consultation = _fresh(consultation)
    access.require_open_bids(user, consultation)
    for bid in _sealed_to_open(consultation):
        try:
            open_sealed_bid(user, bid)
        except opening.OpeningError as error:
            if not error.damaged:
                raise
    with transaction.atomic():
        consultation = _locked(consultation)
        access.require_open_bids(user, consultation)
        at = now()
        # Backup copies stay sealed: they open only in the cases of backup.py.
        bids = consultation.bids.filter(state=BidState.RECEIVED, is_backup_copy=False)
        for bid in bids.order_by("pk").select_for_update():
            if bid.sealing == Sealing.AGE and not bid.is_late:
                raise opening.OpeningError(bid, _("it is still sealed."))
            _open_or_set_aside(user, bid, at)
        consultation.move_to(State.OPENED)
        consultation.opened_at = at
        consultation.save(update_fields=["state", "opened_at", "updated_at"])
        _erase_session_shares(consultation)
        record("consultation.opened", actor=user, obj=consultation, at=at)
    return consultation


def _sealed_to_open(consultation):
    return consultation.bids.filter(
        state=BidState.RECEIVED,
        is_late=False,
        sealing=Sealing.AGE,
        is_backup_copy=False,
    ).order_by("pk")


def _erase_session_shares(consultation):
    SubmittedShare.objects.filter(session__consultation=consultation).delete()


def _session(consultation):
    return consultation.opening_events.get(action=OpeningAction.SESSION_STARTED)


def sealed_shares_for(user, consultation):
    """The shares.json document of `user`'s sealed shares, in an opening session."""
    access.require_shares(user, consultation)
    keys = list(access.commission_keys_of(user, consultation))
    return opening.shares_document(
        opening.sealed_shares(_sealed_to_open(consultation), keys), consultation
    )


def submit_shares(user, consultation, document):
    """Keep the plaintext shares `user` hands over in this opening session.

    ValueError names what is wrong with the document; nothing is kept then.
    """
    access.require_shares(user, consultation)
    plain = opening.parse_submitted(document)
    keys = {key.pk: key for key in access.commission_keys_of(user, consultation)}
    bids = {bid.receipt_number: bid for bid in _sealed_to_open(consultation)}
    with transaction.atomic():
        session, at = _session(consultation), now()
        for item in plain:
            _keep_share(user, session, item, keys, bids, at)
        OpeningEvent.objects.create(
            consultation=consultation,
            user=user,
            action=OpeningAction.SHARES_SUBMITTED,
            at=at,
        )
        record(
            "opening.shares-submitted",
            actor=user,
            obj=consultation,
            at=at,
            bids=sorted({item.receipt for item in plain}),
        )
    return len(plain)


def _keep_share(user, session, item, keys, bids, at):
    bid = bids.get(item.receipt)
    if bid is None:
        raise ValueError(
            _("Bid %(receipt)s: no sealed bid of this consultation waits for opening.")
            % {"receipt": item.receipt}
        )
    keep_share(user, session, bid, item, keys, at)


def keep_share(user, session, bid, item, keys, at):
    """Keep `item`, a plaintext share of `bid` for one of `user`'s `keys` (by pk)."""
    key = keys.get(item.key)
    if key is None:
        raise ValueError(
            _("Bid %(receipt)s: key %(key)d is not one of your commission keys.")
            % {"receipt": item.receipt, "key": item.key}
        )
    SubmittedShare.objects.update_or_create(
        bid=bid,
        key=key,
        defaults={
            "session": session,
            "share": item.share,
            "submitted_by": user,
            "submitted_at": at,
        },
    )


def shares_handed_over(bid):
    """How many plaintext shares of `bid` the session holds."""
    return SubmittedShare.objects.filter(bid=bid).count()


def open_sealed_bid(user, bid):
    """Open one sealed bid with the shares handed over; OpeningError if it fails.

    The files are decrypted, checked and scanned before the one transaction that
    marks the bid opened; a failure removes every decrypted file.
    """
    access.require_open_bids(user, _fresh(bid.consultation))
    if not (bid.sealing == Sealing.AGE and bid.is_valid):
        raise PermissionDenied(_("Only a valid sealed bid can be opened this way."))
    submitted = list(SubmittedShare.objects.filter(bid=bid).order_by("pk"))
    identity = opening.recover_identity(bid, [bytes(s.share) for s in submitted])
    try:
        opened = opening.decrypt_bid(bid, identity)
    except opening.OpeningError as error:
        if error.damaged:
            _record_unreadable(user, bid, error)
        raise
    try:
        reports = check_signatures(opened)
        with transaction.atomic():
            bid = _record_opening(
                user, bid, opened, [s.key_id for s in submitted], reports
            )
    except BaseException:
        storage.discard([item.opened_as for item in opened])
        raise
    return bid


def check_signatures(opened):
    """The signature reports of the opened files; never a reason not to open."""
    try:
        return signatures.check(opened)
    except Exception:
        logger.exception("checking the signatures of an opened bid failed")
        return {}


def _record_opening(user, bid, opened, keys_used, reports):
    bid = Bid.objects.select_for_update().get(pk=bid.pk)
    if bid.state != BidState.RECEIVED:
        raise opening.OpeningError(bid, _("it is no longer waiting for opening."))
    at = now()
    for item in opened:
        record_opened_file(user, item, reports.get(item.bid_file.pk))
    record("bid.unsealed", actor=user, obj=bid, at=at, keys=sorted(keys_used))
    _open_or_set_aside(user, bid, at)
    SubmittedShare.objects.filter(bid=bid).delete()
    return bid


def _record_unreadable(user, bid, error):
    """Say in the register that the right key opened nothing usable in `bid`."""
    with transaction.atomic():
        bid = Bid.objects.select_for_update().get(pk=bid.pk)
        if bid.state != BidState.RECEIVED:
            return
        at = now()
        _move(bid, BidState.UNREADABLE)
        OpeningEvent.objects.create(
            consultation_id=bid.consultation_id,
            bid=bid,
            bid_file=bid.files.filter(name=error.file_name).first(),
            user=user,
            action=OpeningAction.BID_UNREADABLE,
            at=at,
            detail=str(error)[:500],
        )
        SubmittedShare.objects.filter(bid=bid).delete()
        record(
            "bid.unreadable",
            actor=user,
            obj=bid,
            at=at,
            receipt=bid.receipt_number,
            file=error.file_name,
            reason=str(error.message),
        )


def record_opened_file(user, item, reports=None):
    bid_file = item.bid_file
    bid_file.opened_as = item.opened_as
    bid_file.plain_size = item.size
    bid_file.plain_sha256 = item.sha256
    bid_file.scan_status = item.scan_status
    bid_file.scan_detail = item.scan_detail[:300]
    bid_file.signatures = reports
    bid_file.save(
        update_fields=[
            "opened_as",
            "plain_size",
            "plain_sha256",
            "scan_status",
            "scan_detail",
            "signatures",
        ]
    )
    record(
        "bid-file.opened",
        actor=user,
        obj=bid_file,
        name=bid_file.name,
        sha256=item.sha256,
        scan=item.scan_status,
        scan_detail=item.scan_detail,
        signatures=[
            {k: report[k] for k in ("indication", "subindication", "signer", "level")}
            for report in reports or []
        ],
    )


def _open_or_set_aside(user, bid, at):
    if bid.is_late:
        state, action = BidState.REJECTED_LATE, OpeningAction.LATE_BID_SET_ASIDE
    else:
        state, action = BidState.OPENED, OpeningAction.BID_OPENED
        bid.opened_at, bid.opened_by = at, user
    _move(bid, state)
    OpeningEvent.objects.create(
        consultation_id=bid.consultation_id, bid=bid, user=user, action=action, at=at
    )
    record(f"bid.{state}", actor=user, obj=bid, at=at, receipt=bid.receipt_number)


def read_bid_file(user, bid_file):
    """Open an opened bid's file for `user` and enter the read in the register."""
    consultation = bid_file.bid.consultation
    if not access.can_read_file(user, bid_file):
        raise PermissionDenied(_("You may not read this file."))
    with transaction.atomic():
        at = now()
        OpeningEvent.objects.create(
            consultation=consultation,
            bid=bid_file.bid,
            bid_file=bid_file,
            user=user,
            action=OpeningAction.FILE_READ,
            at=at,
        )
        record("bid-file.read", actor=user, obj=bid_file, at=at, name=bid_file.name)
        # Opened last: a file that cannot be read leaves no line in the register.
        return storage.open_stored(_readable_name(bid_file))


def _readable_name(bid_file):
    """The decrypted copy of a sealed file; a plain bid's file as it was stored."""
    if bid_file.bid.sealing == Sealing.AGE:
        if not bid_file.opened_as:
            raise PermissionDenied(_("This file is still sealed."))
        return bid_file.opened_as
    return bid_file.stored_as


def _fresh(consultation):
    return Consultation.objects.select_related("buyer").get(pk=consultation.pk)


def _locked(consultation):
    return (
        Consultation.objects.select_for_update()
        .select_related("buyer")
        .get(pk=consultation.pk)
    )


# Opener keys and opening commissions


def register_key(user, buyer, recipient, label=""):
    """Register `user`'s age recipient as an opener key for `buyer`."""
    access.require_register_key(user, buyer)
    recipient = recipient.strip()
    problem = keys.recipient_problem(recipient)
    if problem:
        raise ValidationError(
            _("Recipient: %(reason)s.") % {"reason": problem}, code="recipient"
        )
    with transaction.atomic():
        if OpenerKey.objects.filter(recipient=recipient).exists():
            raise ValidationError(
                _("Recipient: this key is already registered."), code="recipient"
            )
        key = OpenerKey.objects.create(
            user=user, buyer=buyer, recipient=recipient, label=label, created_at=now()
        )
        record(
            "opener-key.registered",
            actor=user,
            obj=key,
            at=key.created_at,
            buyer=buyer.pk,
            recipient=recipient,
        )
    return key


def revoke_key(user, key):
    """Stop offering `key` to new commissions; those that name it keep it."""
    if key.user_id != user.pk:
        raise PermissionDenied(_("You may revoke only your own keys."))
    with transaction.atomic():
        key = OpenerKey.objects.select_for_update().get(pk=key.pk)
        if key.revoked_at is None:
            key.revoked_at = now()
            key.save(update_fields=["revoked_at"])
            record(
                "opener-key.revoked",
                actor=user,
                obj=key,
                at=key.revoked_at,
                recipient=key.recipient,
            )
    return key


def set_commission(user, consultation, chosen_keys, threshold):
    """Name the opener keys of a draft's opening commission and its threshold k."""
    with transaction.atomic():
        consultation = _locked(consultation)
        access.require_commission(user, consultation)
        chosen = _check_commission(consultation, chosen_keys, threshold)
        commission, _created = OpeningCommission.objects.update_or_create(
            consultation=consultation, defaults={"threshold": threshold}
        )
        commission.keys.set(chosen)
        record(
            "consultation.commission-set",
            actor=user,
            obj=consultation,
            threshold=threshold,
            keys=sorted(key.pk for key in chosen),
        )
    return commission


def _check_commission(consultation, chosen_keys, threshold):
    current = access.current_keys(consultation.buyer)
    chosen = list(current.filter(pk__in=[key.pk for key in chosen_keys]))
    if len(chosen) != len({key.pk for key in chosen_keys}):
        raise ValidationError(
            _("Keys: choose current keys of this buyer's openers."), code="keys"
        )
    if not chosen:
        raise ValidationError(_("Keys: choose at least one opener key."), code="keys")
    if not 1 <= threshold <= len(chosen):
        raise ValidationError(
            _("Openers needed: between 1 and %(count)d.") % {"count": len(chosen)},
            code="threshold",
        )
    return chosen
