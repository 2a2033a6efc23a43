"""Mail through an outbox: queued with what it tells, sent by a background task.

`queue_mail` writes the mail in the caller's transaction and, once it commits,
enqueues `send_queued_mail`. The task sends every unsent mail, each under a row
lock, and stamps it sent: a worker that dies loses nothing (the next run, or
`mutualis send-mail`, sends what is left). A mail is sent twice only if the
process dies between the mail server's acceptance and the commit of its stamp;
its Message-ID is then the same, so that mail clients show it once.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.utils.crypto import salted_hmac
from django_tasks import task

from mutualis.core.models import OutgoingMail
from mutualis.core.time import now

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


def queue_mail(key, to, subject, body, *, html="", headers=None):
    """Queue one mail under `key`; return it, or None when `key` was queued before."""
    try:
        with transaction.atomic():
            mail = OutgoingMail.objects.create(
                key=key,
                to=to,
                subject=subject,
                body=body,
                html=html,
                headers=headers or {},
                created_at=now(),
            )
    except IntegrityError:
        return None
    transaction.on_commit(lambda: send_queued_mail.enqueue())
    return mail


@task(queue_name="mail")
def send_queued_mail():
    """Send every mail not sent yet; return how many were sent."""
    sent = 0
    for pk in _unsent():
        sent += _send_one(pk)
    return sent


def _unsent():
    return list(
        OutgoingMail.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    )


def _send_one(pk):
    with transaction.atomic():
        mail = (
            OutgoingMail.objects.select_for_update(skip_locked=True)
            .filter(pk=pk, sent_at__isnull=True)
            .first()
        )
        if mail is None:
            return 0
        try:
            _message(mail).send()
        except Exception as error:  # noqa: BLE001 - any backend failure is retried
            logger.warning("mail not sent key=%s error=%s", mail.key, error)
            mail.attempts += 1
            mail.last_error = str(error)[:300]
            mail.save(update_fields=["attempts", "last_error"])
            return 0
        mail.sent_at, mail.attempts = now(), mail.attempts + 1
        mail.save(update_fields=["sent_at", "attempts"])
    return 1


def message_id(key):
    digest = salted_hmac("mutualis.core.mail", key).hexdigest()[:32]
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ")
    return f"<{digest}@{domain}>"


def _message(mail):
    message = EmailMultiAlternatives(
        mail.subject,
        mail.body,
        None,
        [mail.to],
        headers={"Message-ID": message_id(mail.key), **mail.headers},
    )
    if mail.html:
        message.attach_alternative(mail.html, "text/html")
    return message
