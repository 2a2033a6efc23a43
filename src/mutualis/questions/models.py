from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Answer(models.Model):
    """The buyer's answer, public on the consultation page with the question as the
    buyer worded it for publication, and nothing of who asked."""

    consultation = models.ForeignKey(
        "tenders.Consultation",
        verbose_name=_("consultation"),
        on_delete=models.CASCADE,
        related_name="answers",
    )
    question_text = models.TextField(_("question as published"))
    text = models.TextField(_("answer"))
    published_at = models.DateTimeField(_("published"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["consultation", "published_at", "pk"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self):
        return self.question_text[:80]


class Question(models.Model):
    """A question a business asked on a consultation; one answer may answer several
    similar questions at once."""

    consultation = models.ForeignKey(
        "tenders.Consultation",
        verbose_name=_("consultation"),
        on_delete=models.CASCADE,
        related_name="questions",
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    business = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("business"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    text = models.TextField(_("question"))
    asked_at = models.DateTimeField(_("asked"))
    answer = models.ForeignKey(
        Answer,
        verbose_name=_("answer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="questions",
    )

    class Meta:
        ordering = ["consultation", "asked_at", "pk"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        indexes = [models.Index(fields=["consultation", "answer"])]

    def __str__(self):
        return self.text[:80]

    @property
    def is_answered(self):
        return self.answer_id is not None
