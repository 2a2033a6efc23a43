"""What changes a bid: deposit, opening, reading a file. Each checks, then commits."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mutualis.bids import access, receipts, storage
from mutualis.bids.models import (
    Bid,
    BidFile,
    BidState,
    OpeningAction,
    OpeningEvent,
    bid_file_name,
)
from mutualis.core.journal import record
from mutualis.core.time import now
from mutualis.tenders.models import Consultation, State

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
    # TODO(bid-orphans): files of a deposit cut by a crash stay without a row; a
    # periodic sweep of unnamed files comes with resumable uploads.
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


def _current_bid(consultation, lot, business):
    """The on-time bid a new deposit replaces; late deposits never replace one."""
    return (
        Bid.objects.select_for_update()
        .filter(
            consultation=consultation,
            lot=lot,
            bidder=business,
            state=BidState.RECEIVED,
            is_late=False,
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
    and lot counts.
    """
    with transaction.atomic():
        consultation = _locked(consultation)
        access.require_open_bids(user, consultation)
        at = now()
        bids = consultation.bids.filter(state=BidState.RECEIVED).order_by("pk")
        for bid in bids.select_for_update():
            _open_or_set_aside(user, bid, at)
        consultation.move_to(State.OPENED)
        consultation.opened_at = at
        consultation.save(update_fields=["state", "opened_at", "updated_at"])
        record("consultation.opened", actor=user, obj=consultation, at=at)
    return consultation


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
        return storage.open_stored(bid_file.stored_as)


def _locked(consultation):
    return (
        Consultation.objects.select_for_update()
        .select_related("buyer")
        .get(pk=consultation.pk)
    )
