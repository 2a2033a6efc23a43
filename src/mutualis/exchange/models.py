from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from mutualis.core.time import DEFAULT_TIME_ZONE, is_valid_time_zone

# Only the web: a feed elsewhere (ftp, file) is refused when it is entered.
WEB_ADDRESS = URLValidator(schemes=["http", "https"])


def validate_time_zone(name):
    if not is_valid_time_zone(name):
        raise ValidationError(
            _("%(zone)s is not a time zone (as Europe/Rome)."),
            params={"zone": name},
        )


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


class FeedSource(models.Model):
    """Another platform whose OCDS feed the portal follows (portal mode)."""

    name = models.CharField(_("name"), max_length=200)
    feed_url = models.URLField(
        _("feed address"),
        max_length=1000,
        unique=True,
        validators=[WEB_ADDRESS],
        help_text=_(
            "An OCDS release or record package; pages are followed by their links.next."
        ),
    )
    site_url = models.URLField(
        _("platform address"),
        max_length=1000,
        blank=True,
        validators=[WEB_ADDRESS],
        help_text=_("Where bidders answer when a call gives no page of its own."),
    )
    country = models.CharField(_("country"), max_length=2, default="FR")
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default=DEFAULT_TIME_ZONE,
        validators=[validate_time_zone],
    )
    is_active = models.BooleanField(_("followed"), default=True)
    # Where the next run starts: the last page read, whose next link it follows
    # again (a feed's last page grows until it gets one; a next page that failed
    # is tried again from there).
    resume_url = models.URLField(_("next page"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("followed platform")
        verbose_name_plural = _("followed platforms")

    def __str__(self):
        return self.name

    def last_run(self):
        return self.runs.order_by("-started_at", "-pk").first()


class RunStatus(models.TextChoices):
    OK = "ok", pgettext_lazy("feed run", "read")
    PARTIAL = "partial", pgettext_lazy("feed run", "read, with refusals")
    FAILED = "failed", pgettext_lazy("feed run", "failed")


class FeedRun(models.Model):
    """One reading of a source: what came in, what was refused and why."""

    source = models.ForeignKey(
        FeedSource,
        verbose_name=_("followed platform"),
        on_delete=models.CASCADE,
        related_name="runs",
    )
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=RunStatus.choices)
    pages = models.PositiveIntegerField(_("pages read"), default=0)
    releases = models.PositiveIntegerField(_("releases read"), default=0)
    refused = models.PositiveIntegerField(_("releases refused"), default=0)
    created = models.PositiveIntegerField(_("calls added"), default=0)
    updated = models.PositiveIntegerField(_("calls updated"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("feed reading")
        verbose_name_plural = _("feed readings")

    def __str__(self):
        return f"{self.source} {self.started_at:%Y-%m-%d %H:%M} {self.status}"


class FollowedRelease(models.Model):
    """An OCDS release as the source published it; a process is compiled from all
    of its releases, so that one arriving late still lands in its place."""

    source = models.ForeignKey(
        FeedSource, on_delete=models.CASCADE, related_name="releases"
    )
    ocid = models.CharField(_("OCID"), max_length=200)
    release_id = models.CharField(_("release identifier"), max_length=200)
    date = models.DateTimeField(_("date"))
    data = models.JSONField(_("release"))

    class Meta:
        ordering = ["date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "ocid", "release_id"],
                name="followed_release_unique",
            )
        ]

    def __str__(self):
        return f"{self.ocid} {self.release_id}"


class FollowedProcess(models.Model):
    """A contracting process of another platform, shown here as a consultation."""

    source = models.ForeignKey(
        FeedSource,
        verbose_name=_("followed platform"),
        on_delete=models.CASCADE,
        related_name="processes",
    )
    ocid = models.CharField(_("OCID"), max_length=200)
    consultation = models.OneToOneField(
        "tenders.Consultation",
        verbose_name=_("consultation"),
        on_delete=models.CASCADE,
        related_name="followed",
    )
    origin_url = models.URLField(_("page on its platform"), max_length=2000)
    # The other platform's documents: links, never copies.
    documents = models.JSONField(_("documents"), default=list, blank=True)
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["source", "ocid"]
        verbose_name = _("followed process")
        verbose_name_plural = _("followed processes")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "ocid"], name="followed_process_unique"
            )
        ]

    def __str__(self):
        return f"{self.source}: {self.ocid}"
