"""The trust store: imported trusted lists and the authorities the operator accepts."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mutualis.core.time import now

# The territory code the EU list of trusted lists gives itself.
LOTL_TERRITORY = "EU"


class TrustedList(models.Model):
    """One version of a trusted list, as imported after its signature was checked.

    The file is kept whole so that the registry can be rebuilt from it; the newest
    sequence of each territory is the one in force.
    """

    territory = models.CharField(_("territory"), max_length=8)
    sequence = models.PositiveIntegerField(_("sequence number"))
    issued_at = models.DateTimeField(_("issued"))
    next_update = models.DateTimeField(_("next update"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    xml = models.BinaryField(_("XML file"))
    file_name = models.CharField(_("file name"), max_length=255)
    location = models.CharField(_("address"), max_length=500, blank=True)
    imported_at = models.DateTimeField(_("imported"))
    signer_der = models.BinaryField(_("signer certificate"))
    signer_subject = models.CharField(_("signed by"), max_length=500)
    signer_sha256 = models.CharField(_("signer SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("trusted list")
        verbose_name_plural = _("trusted lists")
        ordering = ["territory", "-sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "sequence"], name="trust_list_sequence_unique"
            )
        ]

    def __str__(self):
        return f"{self.territory} {self.sequence}"

    @property
    def is_lotl(self):
        return self.territory == LOTL_TERRITORY

    @property
    def is_stale(self):
        """Past its next update: a newer list should exist (ETSI TS 119 612 5.3.15)."""
        return self.next_update is not None and self.next_update < now()


class AcceptedAuthorityQuerySet(models.QuerySet):
    def active(self):
        return self.filter(withdrawn_at=None)


class AcceptedAuthority(models.Model):
    """A certification authority the operator trusts for this platform, with why."""

    certificate_der = models.BinaryField(_("certificate"))
    subject = models.CharField(_("subject"), max_length=500)
    sha256 = models.CharField(_("SHA-256 fingerprint"), max_length=64)
    note = models.CharField(_("why it is accepted"), max_length=500)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="accepted_authorities",
        verbose_name=_("added by"),
    )
    added_at = models.DateTimeField(_("added"))
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    objects = AcceptedAuthorityQuerySet.as_manager()

    class Meta:
        verbose_name = _("accepted authority")
        verbose_name_plural = _("accepted authorities")
        ordering = ["-added_at", "-pk"]
        constraints = [
            # The same certificate may come back after a withdrawal, never twice.
            models.UniqueConstraint(
                fields=["sha256"],
                condition=models.Q(withdrawn_at=None),
                name="trust_authority_active_unique",
            )
        ]

    def __str__(self):
        return self.subject

    @property
    def is_active(self):
        return self.withdrawn_at is None
