"""A business's document vault: certificates and papers kept once, used in bids."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentType(models.TextChoices):
    KBIS = "kbis", _("Kbis (extract of registration)")
    TAX = "tax", _("tax certificate (attestation de régularité fiscale)")
    SOCIAL = (
        "social",
        _("social-security certificate (attestation URSSAF de vigilance)"),
    )
    INSURANCE = "insurance", _("insurance certificate")
    REFERENCES = "references", _("references")
    CERTIFICATION = "certification", _("certification")
    OTHER = "other", _("other")


class Document(models.Model):
    """One paper of a business; its versions hold the files, the last one counts."""

    business = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("business"),
        on_delete=models.CASCADE,
        related_name="vault_documents",
    )
    kind = models.CharField(_("type"), max_length=16, choices=DocumentType.choices)
    title = models.CharField(_("title"), max_length=200)
    created_at = models.DateTimeField(_("created"))
    current = models.OneToOneField(
        "Version",
        verbose_name=_("current version"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["kind", "title", "pk"]
        verbose_name = _("vault document")
        verbose_name_plural = _("vault documents")

    def __str__(self):
        return self.title


def version_file_name(business_id, document_id, number):
    """Where a version's file lives in the protected storage; its name stays apart."""
    return f"vault/{business_id}/{document_id}/{number}"


class Version(models.Model):
    document = models.ForeignKey(
        Document,
        verbose_name=_("document"),
        on_delete=models.CASCADE,
        related_name="versions",
    )
    number = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    # Relative to the protected storage, never to MEDIA_ROOT.
    stored_as = models.CharField(_("stored as"), max_length=300)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"))

    class Meta:
        ordering = ["document", "-number"]
        verbose_name = _("vault document version")
        verbose_name_plural = _("vault document versions")
        constraints = [
            models.UniqueConstraint(
                fields=["document", "number"], name="vault_version_unique_number"
            ),
            models.CheckConstraint(
                condition=models.Q(valid_from__isnull=True)
                | models.Q(valid_until__isnull=True)
                | models.Q(valid_from__lte=models.F("valid_until")),
                name="vault_version_valid_from_before_until",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.number})"

    def is_expired(self, today):
        return self.valid_until is not None and self.valid_until < today

    def is_valid(self, today):
        started = self.valid_from is None or self.valid_from <= today
        return started and not self.is_expired(today)
