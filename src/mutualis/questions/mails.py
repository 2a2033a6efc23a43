"""The mails an answer sends: to who asked, and to every identified downloader."""

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from mutualis.accounts.models import User
from mutualis.core.addresses import portal_url
from mutualis.core.mail import queue_mail


def answer_recipients(answer):
    """Each user to tell, with whether they asked one of the questions answered."""
    askers = set(answer.questions.values_list("asked_by", flat=True))
    downloaders = User.objects.filter(
        downloads__consultation=answer.consultation_id
    ).values_list("pk", flat=True)
    users = User.objects.filter(pk__in=askers | set(downloaders), is_active=True)
    return [(user, user.pk in askers) for user in users.order_by("pk")]


def queue_answer_mails(answer):
    """Queue one mail per user; the key keeps a user from being told twice."""
    for user, is_asker in answer_recipients(answer):
        subject, body = render_answer_mail(answer, user, is_asker)
        queue_mail(f"questions.answer:{answer.pk}:{user.pk}", user.email, subject, body)


def render_answer_mail(answer, user, is_asker):
    consultation = answer.consultation
    with translation.override(user.language):
        subject = _("%(reference)s: the buyer answered a question") % {
            "reference": consultation.reference
        }
        body = render_to_string(
            "questions/answer_email.txt",
            {
                "answer": answer,
                "consultation": consultation,
                "is_asker": is_asker,
                "url": f"{portal_url(consultation)}#answers",
            },
        )
    return subject, body
