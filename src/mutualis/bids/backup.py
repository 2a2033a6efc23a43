"""The backup copy (copie de sauvegarde) of an electronic bid, and when it opens.

French rules (code de la commande publique, art. R2151-6; arrêté of 22 March 2019)
let a bidder send, beside the electronic bid and before the deadline, a backup copy.
It is opened only when malware is found in the electronic bid, or when the
electronic bid arrived late, incomplete or could not be opened while its
transmission began before the deadline. Otherwise it is destroyed unopened at the
end of the procedure.
"""

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mutualis.accounts.access import BUYER_STAFF, has_role
from mutualis.bids import access, actions, opening, scan, storage
from mutualis.bids.models import (
    Bid,
    BidState,
    OpeningAction,
    OpeningEvent,
    Sealing,
    SubmittedShare,
)
from mutualis.core.journal import record
from mutualis.core.time import now
from mutualis.tenders.models import State


class BackupCase(models.TextChoices):
    MALWARE = "malware", gettext_lazy("malware found in the electronic bid")
    LATE = "late", gettext_lazy("electronic bid late, its transmission begun in time")
    INCOMPLETE = (
        "incomplete",
        gettext_lazy("electronic bid incomplete, its transmission begun in time"),
    )
    UNREADABLE = "unreadable", gettext_lazy("electronic bid could not be opened")


# The opening register's line for each case.
REGISTER_ACTIONS = {
    BackupCase.MALWARE: OpeningAction.BACKUP_MALWARE,
    BackupCase.LATE: OpeningAction.BACKUP_LATE,
    BackupCase.INCOMPLETE: OpeningAction.BACKUP_INCOMPLETE,
    BackupCase.UNREADABLE: OpeningAction.BACKUP_UNREADABLE,
}


def electronic_bid_of(backup):
    """The electronic bid `backup` stands beside: the same business's on-time one on
    the same lot if there is one, else its latest; None when it sent none."""
    bids = (
        Bid.objects.filter(
            consultation_id=backup.consultation_id,
            lot_id=backup.lot_id,
            bidder_id=backup.bidder_id,
            is_backup_copy=False,
        )
        .exclude(state=BidState.REPLACED)
        .order_by("-started_at", "-pk")
    )
    return bids.filter(is_late=False, received_at__isnull=False).first() or (
        bids.first()
    )


def may_open_backup(bid, backup):
    """(True, the legal case) when `backup` may be opened in place of `bid`, else
    (False, why not)."""
    refusal = _backup_refusal(backup) or _pairing_refusal(bid, backup)
    if refusal:
        return False, refusal
    if _has_malware(bid):
        return True, BackupCase.MALWARE
    if bid.consultation.deadline_passed(bid.started_at):
        return False, _(
            "The electronic bid's transmission began after the deadline; its backup "
            "copy cannot be opened."
        )
    case = _failure(bid)
    if case is None:
        return False, _(
            "The electronic bid was received in time, opened and is free of "
            "malware; its backup copy stays sealed and is destroyed at the end of "
            "the procedure."
        )
    return True, case


def _backup_refusal(backup):
    if not backup.is_backup_copy:
        return _("Bid %(receipt)s is not a backup copy.") % {
            "receipt": backup.receipt_number
        }
    if not backup.consultation.deadline_passed():
        return _("No one can open a backup copy before the deadline.")
    if backup.state == BidState.OPENED:
        return _("This backup copy has already been opened.")
    if backup.state != BidState.RECEIVED or backup.is_late:
        return _(
            "This backup copy did not arrive before the deadline; it cannot be opened."
        )
    return None


def _pairing_refusal(bid, backup):
    if bid is None:
        return _(
            "No electronic bid of this business was received; a backup copy does "
            "not replace one."
        )
    same = (bid.consultation_id, bid.lot_id, bid.bidder_id) == (
        backup.consultation_id,
        backup.lot_id,
        backup.bidder_id,
    )
    if bid.is_backup_copy or not same:
        return _(
            "Bid %(receipt)s is not the electronic bid of this backup copy's "
            "business on this lot."
        ) % {"receipt": bid.receipt_number}
    if bid.state == BidState.REPLACED:
        return _("Bid %(receipt)s was replaced by a later deposit.") % {
            "receipt": bid.receipt_number
        }
    return None


def _has_malware(bid):
    return bid.files.filter(scan_status=scan.INFECTED).exists()


def _failure(bid):
    """Which failure of `bid`, begun in time, lets its backup copy open, if any."""
    if bid.state == BidState.RECEIVING:
        return BackupCase.INCOMPLETE
    if bid.is_late:
        return BackupCase.LATE
    if bid.state == BidState.UNREADABLE:
        return BackupCase.UNREADABLE
    return None


def open_backup(user, backup, case):
    """Open `backup` as an opener, in the legal `case`, and say so in the register.

    A sealed backup copy opens with the shares its openers handed over for it
    (`submit_backup_shares`); it is decrypted and checked before the transaction
    that records the opening, and a failure leaves it sealed.
    """
    _check_opening(user, backup, case)
    opened = _decrypt(backup) if backup.sealing == Sealing.AGE else []
    try:
        reports = actions.check_signatures(opened)
        with transaction.atomic():
            backup = Bid.objects.select_for_update().get(pk=backup.pk)
            bid = _check_opening(user, backup, case)
            for item in opened:
                actions.record_opened_file(user, item, reports.get(item.bid_file.pk))
            SubmittedShare.objects.filter(bid=backup).delete()
            return _record_backup_opening(user, backup, bid, case)
    except BaseException:
        storage.discard([item.opened_as for item in opened])
        raise


def _check_opening(user, backup, case):
    _require_opener(user, backup.consultation)
    bid = electronic_bid_of(backup)
    allowed, found = may_open_backup(bid, backup)
    if not allowed:
        raise PermissionDenied(found)
    if found != case:
        raise PermissionDenied(
            _("The case that applies is “%(found)s”, not “%(case)s”.")
            % {"found": BackupCase(found).label, "case": _case_label(case)}
        )
    return bid


def _decrypt(backup):
    submitted = SubmittedShare.objects.filter(bid=backup).order_by("pk")
    identity = opening.recover_identity(backup, [bytes(s.share) for s in submitted])
    return opening.decrypt_bid(backup, identity)


# The shares of a sealed backup copy, handed over once its case applies


def backup_shares_for(user, backup):
    """The shares.json document of `user`'s sealed shares of `backup`."""
    keys = _require_backup_shares(user, backup)
    return opening.shares_document(
        opening.sealed_shares([backup], keys), backup.consultation
    )


def submit_backup_shares(user, backup, document):
    """Keep the plaintext shares of `backup` that `user` hands over."""
    keys = {key.pk: key for key in _require_backup_shares(user, backup)}
    plain = opening.parse_submitted(document)
    with transaction.atomic():
        session, at = _session(backup.consultation), now()
        for item in plain:
            _keep_backup_share(user, session, backup, item, keys, at)
        OpeningEvent.objects.create(
            consultation_id=backup.consultation_id,
            bid=backup,
            user=user,
            action=OpeningAction.SHARES_SUBMITTED,
            at=at,
        )
        record(
            "opening.shares-submitted",
            actor=user,
            obj=backup.consultation,
            at=at,
            bids=[backup.receipt_number],
        )
    return len(plain)


def _require_backup_shares(user, backup):
    _require_opener(user, backup.consultation)
    if backup.sealing != Sealing.AGE:
        raise PermissionDenied(_("This backup copy is not sealed."))
    allowed, found = may_open_backup(electronic_bid_of(backup), backup)
    if not allowed:
        raise PermissionDenied(found)
    keys = list(access.commission_keys_of(user, backup.consultation))
    if not keys:
        raise PermissionDenied(_("None of your keys is in the opening commission."))
    return keys


def _keep_backup_share(user, session, backup, item, keys, at):
    if item.receipt != backup.receipt_number:
        raise ValueError(
            _("Bid %(receipt)s: these shares are for backup copy %(backup)s only.")
            % {"receipt": item.receipt, "backup": backup.receipt_number}
        )
    actions.keep_share(user, session, backup, item, keys, at)


def _session(consultation):
    session = consultation.opening_events.filter(
        action=OpeningAction.SESSION_STARTED
    ).first()
    if session is None:
        raise PermissionDenied(
            _("Start the opening session before handing over shares.")
        )
    return session


# At the end of the procedure


def destroy_unopened_backups(user, consultation):
    """Destroy the backup copies nobody needed, once the procedure has ended.

    Each gets its line in the register; the sealed bytes go once the transaction
    that says so has committed. Returns how many were destroyed.
    """
    if consultation.state not in (State.AWARDED, State.CANCELLED):
        raise PermissionDenied(
            _("Backup copies are destroyed at the end of the procedure only.")
        )
    if not has_role(user, consultation.buyer, *BUYER_STAFF):
        raise PermissionDenied(
            _("Only a buyer admin or agent of %(buyer)s may destroy backup copies.")
            % {"buyer": consultation.buyer}
        )
    with transaction.atomic():
        backups = (
            consultation.bids.filter(is_backup_copy=True, state=BidState.RECEIVED)
            .order_by("pk")
            .select_for_update()
        )
        names = []
        for backup in backups:
            names += [f.stored_as for f in backup.files.all()]
            _record_destruction(user, backup)
        transaction.on_commit(lambda: storage.discard(names))
    return len(backups)


def _record_destruction(user, backup):
    at = now()
    backup.move_to(BidState.DESTROYED)
    backup.save(update_fields=["state"])
    OpeningEvent.objects.create(
        consultation_id=backup.consultation_id,
        bid=backup,
        user=user,
        action=OpeningAction.BACKUP_DESTROYED,
        at=at,
    )
    record(
        "bid.backup-destroyed",
        actor=user,
        obj=backup,
        at=at,
        receipt=backup.receipt_number,
    )


def _require_opener(user, consultation):
    if not consultation.deadline_passed():
        raise PermissionDenied(_("No one can open a backup copy before the deadline."))
    if not access.is_opener(user, consultation):
        raise PermissionDenied(
            _(
                "Only the members of the opening commission of %(buyer)s may open "
                "a backup copy."
            )
            % {"buyer": consultation.buyer}
        )


def _case_label(case):
    return BackupCase(case).label if case in BackupCase.values else case


def _record_backup_opening(user, backup, bid, case):
    at = now()
    backup.move_to(BidState.OPENED)
    backup.opened_at, backup.opened_by = at, user
    backup.save(update_fields=["state", "opened_at", "opened_by"])
    OpeningEvent.objects.create(
        consultation_id=backup.consultation_id,
        bid=backup,
        user=user,
        action=REGISTER_ACTIONS[case],
        at=at,
    )
    record(
        "bid.backup-opened",
        actor=user,
        obj=backup,
        at=at,
        receipt=backup.receipt_number,
        case=str(case),
        electronic_bid=bid.receipt_number,
    )
    return backup
