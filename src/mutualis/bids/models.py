from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BidState(models.TextChoices):
    """A bid's lifecycle; a late deposit is RECEIVED with `is_late` set until opening.

    RECEIVING lasts while files arrive: a single request today, a resumable upload
    once sealing comes.
    """

    RECEIVING = "receiving", _("being received")
    RECEIVED = "received", _("received")
    REPLACED = "replaced", _("replaced by a later deposit")
    OPENED = "opened", _("opened")
    REJECTED_LATE = "rejected-late", _("late, set aside unopened")
    # Its shares gave its key, but its files did not decrypt or did not match what
    # was sealed: its backup copy may then be opened.
    UNREADABLE = "unreadable", _("could not be opened")
    # A backup copy not needed by the end of the procedure.
    DESTROYED = "destroyed", _("destroyed unopened")


# The only moves a bid's state can make; actions.py checks every change here.
TRANSITIONS = {
    BidState.RECEIVING: {BidState.RECEIVED},
    BidState.RECEIVED: {
        BidState.REPLACED,
        BidState.OPENED,
        BidState.REJECTED_LATE,
        BidState.UNREADABLE,
        BidState.DESTROYED,
    },
    BidState.REPLACED: set(),
    BidState.OPENED: set(),
    BidState.REJECTED_LATE: set(),
    BidState.UNREADABLE: set(),
    BidState.DESTROYED: set(),
}


class Sealing(models.TextChoices):
    """How the stored bytes are protected until opening.

    `none`: kept out of every page, API and admin screen before the deadline, but
    the bytes are plaintext on disk. `age`: sealed on the bidder's side.
    """

    NONE = "none", _("access rules only")
    AGE = "age", _("sealed with age")


class Bid(models.Model):
    consultation = models.ForeignKey(
        "tenders.Consultation",
        verbose_name=_("consultation"),
        on_delete=models.PROTECT,
        related_name="bids",
    )
    lot = models.ForeignKey(
        "tenders.Lot",
        verbose_name=_("lot"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bids",
    )
    bidder = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("bidder"),
        on_delete=models.PROTECT,
        related_name="bids",
    )
    deposited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deposited by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    state = models.CharField(
        _("state"), max_length=16, choices=BidState.choices, default=BidState.RECEIVING
    )
    sealing = models.CharField(
        _("sealing"), max_length=8, choices=Sealing.choices, default=Sealing.NONE
    )
    receipt_number = models.CharField(_("receipt number"), max_length=40, unique=True)
    started_at = models.DateTimeField(_("deposit started"))
    received_at = models.DateTimeField(_("deposit completed"), null=True, blank=True)
    # The deadline in force when the deposit completed, kept as evidence: a later
    # amendment may move the consultation's deadline, not what this receipt says.
    deadline = models.DateTimeField(_("deadline at deposit"), null=True, blank=True)
    is_late = models.BooleanField(_("late"), default=False)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("replaces"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    # Sealed deposits (docs/sealing.md): the client's key for retries, the manifest
    # as received, and the RFC 3161 token over the receipt.
    deposit_key = models.UUIDField(_("deposit key"), null=True, blank=True, unique=True)
    manifest = models.JSONField(_("sealed manifest"), null=True, blank=True)
    manifest_sha256 = models.CharField(_("manifest SHA-256"), max_length=64, blank=True)
    receipt_timestamp = models.BinaryField(_("receipt timestamp token"), null=True)
    is_backup_copy = models.BooleanField(_("backup copy"), default=False)

    class Meta:
        ordering = ["consultation", "lot__number", "received_at"]
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        indexes = [models.Index(fields=["consultation", "bidder", "state"])]
        # One current on-time bid per business and lot: what a later deposit replaces
        # and what the opening opens. Two partial indexes, since `lot` may be null
        # and NULLs never collide in a unique index (SQLite and PostgreSQL alike).
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "lot", "bidder"],
                condition=models.Q(
                    state=BidState.RECEIVED,
                    is_late=False,
                    is_backup_copy=False,
                    lot__isnull=False,
                ),
                name="bid_one_current_per_lot",
            ),
            models.UniqueConstraint(
                fields=["consultation", "bidder"],
                condition=models.Q(
                    state=BidState.RECEIVED,
                    is_late=False,
                    is_backup_copy=False,
                    lot__isnull=True,
                ),
                name="bid_one_current_per_consultation",
            ),
        ]

    def __str__(self):
        return self.receipt_number

    def can_move_to(self, state):
        return state in TRANSITIONS[BidState(self.state)]

    def move_to(self, state):
        """Set the new state if the transition table allows it; the caller saves."""
        if not self.can_move_to(state):
            raise ValueError(f"a bid cannot go from {self.state} to {state}")
        self.state = state

    @property
    def total_size(self):
        return sum(f.size for f in self.files.all())

    @property
    def is_valid(self):
        """Whether the opening opens this bid: the current, on-time deposit."""
        return (
            self.state == BidState.RECEIVED
            and not self.is_late
            and not self.is_backup_copy
        )


def bid_file_name(consultation_id, receipt_number, position):
    """Where a bid's file lives in the protected storage; the user's name stays apart."""
    return f"bids/{consultation_id}/{receipt_number}/{position}"


class BidFile(models.Model):
    bid = models.ForeignKey(
        Bid, verbose_name=_("bid"), on_delete=models.CASCADE, related_name="files"
    )
    position = models.PositiveIntegerField(_("position"))
    name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    # Relative to the protected storage, never to MEDIA_ROOT.
    stored_as = models.CharField(_("stored as"), max_length=300)
    upload = models.OneToOneField(
        "uploads.Upload",
        verbose_name=_("upload"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bid_file",
    )
    # Known at opening only, from the sealed inner manifest and the decryption.
    plain_size = models.PositiveBigIntegerField(_("size in clear"), null=True)
    # The reports on the file's electronic signatures at opening (trust.report,
    # as_dict), empty when it carries none; null when they were not checked.
    signatures = models.JSONField(_("signatures"), null=True, blank=True)
    plain_sha256 = models.CharField(_("SHA-256 in clear"), max_length=64, blank=True)
    opened_as = models.CharField(_("opened as"), max_length=300, blank=True)
    scan_status = models.CharField(_("malware scan"), max_length=16, blank=True)
    scan_detail = models.CharField(_("malware scan detail"), max_length=300, blank=True)

    class Meta:
        ordering = ["bid", "position"]
        verbose_name = _("bid file")
        verbose_name_plural = _("bid files")
        constraints = [
            models.UniqueConstraint(
                fields=["bid", "position"], name="bidfile_unique_position"
            )
        ]

    def __str__(self):
        return self.name


class OpeningAction(models.TextChoices):
    SESSION_STARTED = "session-started", _("opening session started")
    BID_OPENED = "bid-opened", _("bid opened")
    LATE_BID_SET_ASIDE = "late-set-aside", _("late bid set aside unopened")
    FILE_READ = "file-read", _("file read")
    SHARES_SUBMITTED = "shares-submitted", _("key shares handed over")
    # A backup copy opened, and the case of the law that allowed it.
    BACKUP_MALWARE = "backup-malware", _("backup copy opened: malware in the bid")
    BACKUP_LATE = "backup-late", _("backup copy opened: bid late, sent in time")
    BACKUP_INCOMPLETE = (
        "backup-incomplete",
        _("backup copy opened: bid incomplete, sent in time"),
    )
    BACKUP_UNREADABLE = "backup-unreadable", _("backup copy opened: bid unreadable")
    BID_UNREADABLE = "bid-unreadable", _("bid could not be opened")
    BACKUP_DESTROYED = "backup-destroyed", _("backup copy destroyed unopened")


class OpeningEvent(models.Model):
    """One line of the opening register: who did what, on which bid, when."""

    consultation = models.ForeignKey(
        "tenders.Consultation",
        verbose_name=_("consultation"),
        on_delete=models.PROTECT,
        related_name="opening_events",
    )
    bid = models.ForeignKey(
        Bid,
        verbose_name=_("bid"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="opening_events",
    )
    bid_file = models.ForeignKey(
        BidFile,
        verbose_name=_("file"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=20, choices=OpeningAction.choices)
    at = models.DateTimeField(_("at"))
    # Why, when the action needs one: what made a bid unreadable.
    detail = models.CharField(_("detail"), max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("opening register entry")
        verbose_name_plural = _("opening register")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.get_action_display()}"


class OpenerKey(models.Model):
    """An opener's age X25519 recipient; the identity never leaves their machine."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opener"),
        on_delete=models.PROTECT,
        related_name="opener_keys",
    )
    buyer = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("buyer"),
        on_delete=models.PROTECT,
        related_name="opener_keys",
    )
    recipient = models.CharField(_("age recipient"), max_length=100, unique=True)
    label = models.CharField(_("label"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["buyer", "user", "-created_at"]
        verbose_name = _("opener key")
        verbose_name_plural = _("opener keys")

    def __str__(self):
        return f"{self.user} {self.recipient[:16]}…"


class OpeningCommission(models.Model):
    """Who must act together to open a consultation's bids: k of the named keys."""

    consultation = models.OneToOneField(
        "tenders.Consultation",
        verbose_name=_("consultation"),
        on_delete=models.CASCADE,
        related_name="opening_commission",
    )
    keys = models.ManyToManyField(
        OpenerKey, verbose_name=_("opener keys"), related_name="commissions"
    )
    threshold = models.PositiveSmallIntegerField(_("openers needed to open"))

    class Meta:
        verbose_name = _("opening commission")
        verbose_name_plural = _("opening commissions")

    def __str__(self):
        return f"{self.consultation.reference}: {self.threshold} of {self.keys.count()}"


class SubmittedShare(models.Model):
    """A plaintext key share handed over in an opening session, erased at its end."""

    session = models.ForeignKey(
        OpeningEvent,
        verbose_name=_("opening session"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    bid = models.ForeignKey(
        Bid, verbose_name=_("bid"), on_delete=models.CASCADE, related_name="+"
    )
    key = models.ForeignKey(
        OpenerKey,
        verbose_name=_("opener key"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    share = models.BinaryField(_("share"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted"))

    class Meta:
        verbose_name = _("submitted share")
        verbose_name_plural = _("submitted shares")
        constraints = [
            models.UniqueConstraint(fields=["bid", "key"], name="share_once_per_key")
        ]

    def __str__(self):
        return f"{self.bid} share of {self.key_id}"
