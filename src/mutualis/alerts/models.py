from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mutualis.tenders.models import Nature


class Frequency(models.TextChoices):
    IMMEDIATE = "immediate", _("as soon as published")
    DAILY = "daily", _("once a day")
    WEEKLY = "weekly", _("once a week")


class Alert(models.Model):
    """A saved search: its owner is told of new consultations that match it.

    Within one criterion any listed value matches (CPV A or B); across criteria all
    must match; an empty criterion matches everything.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="alerts",
    )
    name = models.CharField(_("name"), max_length=200)
    keywords = models.CharField(_("keywords"), max_length=300, blank=True)
    # Codes as the referential spells them ("45233140-2"); each covers its children.
    cpv_codes = models.JSONField(_("CPV codes"), default=list, blank=True)
    nuts_codes = models.JSONField(_("NUTS codes"), default=list, blank=True)
    buyers = models.ManyToManyField(
        "accounts.Organisation",
        verbose_name=_("buyers"),
        blank=True,
        related_name="+",
    )
    procedures = models.JSONField(_("procedures"), default=list, blank=True)
    nature = models.CharField(
        _("contract nature"), max_length=16, choices=Nature.choices, blank=True
    )
    min_value = models.DecimalField(
        _("minimum estimated value"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
    )
    max_value = models.DecimalField(
        _("maximum estimated value"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
    )
    frequency = models.CharField(
        _("frequency"),
        max_length=16,
        choices=Frequency.choices,
        default=Frequency.DAILY,
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"))
    # Daily and weekly runs look at consultations published after this instant.
    last_run_at = models.DateTimeField(_("last run"))

    class Meta:
        ordering = ["owner", "name", "pk"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        indexes = [models.Index(fields=["frequency", "is_active"])]

    def __str__(self):
        return self.name


class SentAlert(models.Model):
    """A consultation told to an alert's owner; the constraint makes it once only."""

    alert = models.ForeignKey(
        Alert, verbose_name=_("alert"), on_delete=models.CASCADE, related_name="sent"
    )
    consultation = models.ForeignKey(
        "tenders.Consultation",
        verbose_name=_("consultation"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    mail_key = models.CharField(_("mail key"), max_length=200)
    sent_at = models.DateTimeField(_("queued"))

    class Meta:
        verbose_name = _("consultation sent by an alert")
        verbose_name_plural = _("consultations sent by alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "consultation"], name="sent_alert_once"
            )
        ]

    def __str__(self):
        return f"{self.alert} → {self.consultation_id}"


class ReminderKind(models.TextChoices):
    TWO_DAYS = "2-days", _("two days before the deadline")
    SAME_DAY = "same-day", _("on the day of the deadline")


class Reminder(models.Model):
    """A deadline reminder sent to a user who downloaded or started a bid."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    consultation = models.ForeignKey(
        "tenders.Consultation",
        verbose_name=_("consultation"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ReminderKind.choices)
    sent_at = models.DateTimeField(_("queued"))

    class Meta:
        verbose_name = _("deadline reminder")
        verbose_name_plural = _("deadline reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "consultation", "kind"], name="reminder_once"
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.consultation_id} → {self.user_id}"
