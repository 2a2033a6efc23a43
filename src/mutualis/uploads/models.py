import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Upload(models.Model):
    """One file sent with the tus resumable upload protocol, byte range by range."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The organisation it is sent for (a bid's business): a token of another
    # organisation of the owner may not touch it. Empty on older uploads.
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # What the upload is for ("bid-file"); the owner of that purpose is told when
    # the last byte is stored.
    purpose = models.CharField(_("purpose"), max_length=32)
    length = models.PositiveBigIntegerField(_("declared length"))
    offset = models.PositiveBigIntegerField(_("bytes stored"), default=0)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    # Relative to the protected storage.
    stored_as = models.CharField(_("stored as"), max_length=300)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"))
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    # Set by a tus termination (DELETE): the bytes are gone, the row stays as
    # evidence of what was declared.
    terminated_at = models.DateTimeField(_("terminated"), null=True, blank=True)

    class Meta:
        verbose_name = _("upload")
        verbose_name_plural = _("uploads")

    def __str__(self):
        return f"{self.id} {self.offset}/{self.length}"

    @property
    def is_complete(self):
        return self.offset == self.length
