from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# The 24 official languages of the EU, as ISO 639-1 codes.
EU_LANGUAGES = [
    "bg",
    "cs",
    "da",
    "de",
    "el",
    "en",
    "es",
    "et",
    "fi",
    "fr",
    "ga",
    "hr",
    "hu",
    "it",
    "lt",
    "lv",
    "mt",
    "nl",
    "pl",
    "pt",
    "ro",
    "sk",
    "sl",
    "sv",
]


class LabelledCode(models.Model):
    """A code with a label per EU language, shown in the reader's language."""

    labels = models.JSONField(_("labels"), default=dict)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.code} {self.label()}"

    def label(self, language=None):
        language = (language or get_language() or "en")[:2]
        return self.labels.get(language) or self.labels.get("en") or self.code


class CpvCode(LabelledCode):
    """A code of the Common Procurement Vocabulary (CPV 2008, Regulation 213/2008).

    The hierarchy is in the digits: a code's significant prefix (the digits before
    its trailing zeros, at least two) starts every code below it.
    """

    code = models.CharField(_("code"), max_length=10, unique=True)
    prefix = models.CharField(_("significant prefix"), max_length=8, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    level = models.PositiveSmallIntegerField(_("level"))

    class Meta:
        ordering = ["code"]
        verbose_name = _("CPV code")
        verbose_name_plural = _("CPV codes")

    @property
    def short_code(self):
        return self.code[:8]

    @staticmethod
    def prefix_of(code):
        digits = code[:8].rstrip("0")
        return digits.ljust(2, "0") if len(digits) < 2 else digits


class NutsCode(LabelledCode):
    """A NUTS 2024 region; level 3 from the eForms SDK, upper levels by prefix."""

    code = models.CharField(_("code"), max_length=5, unique=True)
    country = models.CharField(_("country (ISO 3166-1 alpha-3)"), max_length=3)
    level = models.PositiveSmallIntegerField(_("level"))
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["code"]
        verbose_name = _("NUTS code")
        verbose_name_plural = _("NUTS codes")


class Threshold(models.Model):
    """An EU procurement threshold, excluding VAT, for a period."""

    directive = models.CharField(_("directive"), max_length=16)
    article = models.CharField(_("article"), max_length=16)
    scope = models.CharField(_("scope"), max_length=300)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)

    class Meta:
        ordering = ["directive", "article", "valid_from"]
        verbose_name = _("threshold")
        verbose_name_plural = _("thresholds")
        constraints = [
            models.UniqueConstraint(
                fields=["directive", "article", "valid_from"],
                name="threshold_unique_period",
            )
        ]

    def __str__(self):
        return f"{self.directive} art. {self.article}: {self.value} {self.currency}"
