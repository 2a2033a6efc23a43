from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportedNotice(models.Model):
    """One eForms notice that went into a consultation: the register of imports.

    It keeps what the consultation has no room for (the title and description in
    every language of the notice) and lets a later import know which notice of a
    procedure is the newest.
    """

    notice_id = models.CharField(_("notice identifier"), max_length=64, unique=True)
    version = models.CharField(_("version"), max_length=8, blank=True)
    notice_type = models.CharField(_("notice type"), max_length=32)
    subtype = models.CharField(_("notice subtype"), max_length=8, blank=True)
    publication_id = models.CharField(
        _("publication number"), max_length=32, blank=True
    )
    changes_notice_id = models.CharField(
        _("changes notice"),
        max_length=64,
        blank=True,
        help_text=_("For a change notice, the notice it changes."),
    )
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    consultation = models.ForeignKey(
        "tenders.Consultation",
        verbose_name=_("consultation"),
        on_delete=models.CASCADE,
        related_name="imported_notices",
    )
    filename = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    titles = models.JSONField(_("titles by language"), default=dict, blank=True)
    descriptions = models.JSONField(
        _("descriptions by language"), default=dict, blank=True
    )
    imported_at = models.DateTimeField(_("imported"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["issued_at", "id"]
        verbose_name = _("imported notice")
        verbose_name_plural = _("imported notices")

    def __str__(self):
        return f"{self.notice_type} {self.publication_id or self.notice_id}"
