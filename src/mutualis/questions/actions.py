"""Asking a question and publishing an answer; each checks, commits, journals.

The mails of an answer are queued in the same transaction (the outbox), so that an
answer is never published without them, nor told twice.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mutualis.core.journal import record
from mutualis.core.time import now
from mutualis.questions import access, mails
from mutualis.questions.models import Answer, Question
from mutualis.tenders.models import Consultation

MAX_LENGTH = 5000
# TODO(questions): a published answer cannot be corrected or withdrawn yet; it would
# be its own action, journaled and told by mail like the answer.


def ask(user, business, consultation, text):
    """`user`'s question for `business` on `consultation`, refused past the deadline."""
    require_ask(user, consultation, business)
    text = clean_text(text, "text", _("Write your question."))
    with transaction.atomic():
        consultation = locked(consultation)
        # Checked again under the lock: the deadline may have passed meanwhile.
        at = now()
        require_ask(user, consultation, business, at)
        question = Question.objects.create(
            consultation=consultation,
            asked_by=user,
            business=business,
            text=text,
            asked_at=at,
        )
        record(
            "questions.question.asked",
            actor=user,
            obj=question,
            at=at,
            consultation=consultation.pk,
            business=business.pk,
        )
    return question


def answer(user, consultation, questions, text, question_text=""):
    """Publish one answer to `questions` (similar ones merged), worded for everyone.

    Without `question_text`, a single question is published as it was asked.
    """
    access.require(user, consultation, "answer")
    questions = list(questions)
    check_questions(consultation, questions)
    text = clean_text(text, "text", _("Write the answer."))
    question_text = published_question(questions, question_text)
    with transaction.atomic():
        consultation = locked(consultation)
        access.require(user, consultation, "answer")
        pending = pending_questions(consultation, questions)
        at = now()
        published = Answer.objects.create(
            consultation=consultation,
            question_text=question_text,
            text=text,
            published_at=at,
            published_by=user,
        )
        pending.update(answer=published)
        record(
            "questions.answer.published",
            actor=user,
            obj=published,
            at=at,
            consultation=consultation.pk,
            questions=sorted(q.pk for q in questions),
        )
        mails.queue_answer_mails(published)
    return published


def require_ask(user, consultation, business, at=None):
    refusal = access.ask_refusal(user, consultation, business, at)
    if refusal:
        raise PermissionDenied(refusal)


def clean_text(text, field, missing):
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: missing})
    if len(text) > MAX_LENGTH:
        raise ValidationError(
            {field: _("Keep it under %(count)d characters.") % {"count": MAX_LENGTH}}
        )
    return text


def check_questions(consultation, questions):
    if not questions:
        raise ValidationError(_("Choose the question or questions to answer."))
    if any(q.consultation_id != consultation.pk for q in questions):
        raise ValidationError(_("Every question must be of this consultation."))


def published_question(questions, question_text):
    question_text = (question_text or "").strip()
    if question_text:
        return clean_text(question_text, "question_text", "")
    if len(questions) > 1:
        raise ValidationError(
            {
                "question_text": _(
                    "Several questions are answered together: word the question "
                    "as it will be published."
                )
            }
        )
    return questions[0].text


def pending_questions(consultation, questions):
    pks = [q.pk for q in questions]
    pending = Question.objects.select_for_update().filter(
        consultation=consultation, pk__in=pks, answer__isnull=True
    )
    if pending.count() != len(set(pks)):
        raise ValidationError(_("One of these questions has already been answered."))
    return pending


def locked(consultation):
    return (
        Consultation.objects.select_for_update()
        .select_related("buyer")
        .get(pk=consultation.pk)
    )
