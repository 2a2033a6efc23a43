"""The mails of alerts and reminders, rendered in the recipient's language."""

import dataclasses

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mutualis.alerts.actions import unsubscribe_token
from mutualis.core.addresses import absolute_url as absolute
from mutualis.core.addresses import portal_url


@dataclasses.dataclass(frozen=True)
class Mail:
    subject: str
    body: str
    html: str
    headers: dict


def alert_mail(alert, consultations):
    """The mail telling `alert`'s owner of `consultations` (with their buyer)."""
    language = alert.owner.language
    with translation.override(language):
        unsubscribe = absolute(
            reverse("web:alert-unsubscribe", args=[unsubscribe_token(alert)])
        )
        context = {
            "alert": alert,
            "items": [(c, portal_url(c)) for c in consultations],
            "unsubscribe_url": unsubscribe,
            "alerts_url": absolute(reverse("web:alert-list")),
            "platform_name": settings.MUTUALIS_PLATFORM_NAME,
        }
        subject = ngettext(
            "%(count)d new call for tenders for your alert “%(name)s”",
            "%(count)d new calls for tenders for your alert “%(name)s”",
            len(consultations),
        ) % {"count": len(consultations), "name": alert.name}
        body = render_to_string("alerts/alert_mail.txt", context)
        html = render_to_string("alerts/alert_mail.html", context)
    # RFC 8058: a mail client may unsubscribe with one POST, without opening a page.
    headers = {
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Content-Language": language,
    }
    return Mail(subject, body, html, headers)


def reminder_mail(user, consultation, kind, bid_state):
    """The reminder of `consultation`'s deadline; `bid_state` is "received",
    "receiving" or "" (the user only downloaded the documents)."""
    with translation.override(user.language):
        context = {
            "user": user,
            "c": consultation,
            "kind": kind,
            "bid_state": bid_state,
            "url": portal_url(consultation),
            "platform_name": settings.MUTUALIS_PLATFORM_NAME,
        }
        if kind == "same-day":
            subject = _("Bids close today: %(title)s")
        else:
            subject = _("Bids close in two days: %(title)s")
        subject = subject % {"title": consultation.title}
        body = render_to_string("alerts/reminder_mail.txt", context)
        html = render_to_string("alerts/reminder_mail.html", context)
    return Mail(subject, body, html, {"Content-Language": user.language})
