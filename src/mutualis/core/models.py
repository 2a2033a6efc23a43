from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Journal entries and seals are never changed nor removed."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} rows are never changed")

    def delete(self):
        raise AppendOnlyError(f"{self.model.__name__} rows are never removed")


class AppendOnly(models.Model):
    """A row that is written once: saving it again or deleting it is refused."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows are never removed")


class JournalEntry(AppendOnly):
    """One event of the audit journal, chained to the previous one by its hash.

    `entry_hash` is the SHA-256 of the entry's canonical form, which includes the
    previous entry's hash; see mutualis.core.journal.
    """

    sequence = models.PositiveBigIntegerField(_("sequence"), unique=True)
    at = models.DateTimeField(_("at"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    previous_hash = models.CharField(_("previous hash"), max_length=64)
    entry_hash = models.CharField(_("entry hash"), max_length=64)

    class Meta:
        ordering = ["id"]
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.object_type}:{self.object_id}"


class JournalHead(models.Model):
    """The last entry of the journal, in one row that writers lock to append."""

    sequence = models.PositiveBigIntegerField(_("sequence"), default=0)
    entry_hash = models.CharField(_("entry hash"), max_length=64)

    class Meta:
        verbose_name = _("journal head")
        verbose_name_plural = _("journal heads")
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="journal_head_single")
        ]

    def __str__(self):
        return f"{self.sequence} {self.entry_hash}"


class JournalSeal(AppendOnly):
    """An RFC 3161 timestamp over the journal's head hash at one moment."""

    sequence = models.PositiveBigIntegerField(_("sequence"))
    entry_hash = models.CharField(_("entry hash"), max_length=64)
    token = models.BinaryField(_("timestamp token"))
    stamped_at = models.DateTimeField(_("stamped at"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("journal seal")
        verbose_name_plural = _("journal seals")

    def __str__(self):
        return f"{self.stamped_at:%Y-%m-%d %H:%M:%S} {self.sequence} {self.entry_hash}"


class OutgoingMail(models.Model):
    """A mail to send, written in the transaction of what it tells.

    Its `key` says what it is about (`alert:12:345`, `answer:7:user:3`): the same key
    is never queued twice, so a job that runs twice or stops half-way sends no
    mail twice. A worker sends it and stamps `sent_at` under a row lock.
    """

    key = models.CharField(_("key"), max_length=200, unique=True)
    to = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"))
    html = models.TextField(_("HTML body"), blank=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    created_at = models.DateTimeField(_("queued"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("outgoing mail")
        verbose_name_plural = _("outgoing mails")
        indexes = [models.Index(fields=["sent_at", "created_at"])]

    def __str__(self):
        return f"{self.key} → {self.to}"
