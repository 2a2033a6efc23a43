"""Reminders before a vault document expires, and once it has."""

import datetime as dt
import logging

from django.conf import settings
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from mutualis.accounts.access import admins_of, has_role
from mutualis.core.addresses import absolute_url
from mutualis.core.mail import queue_mail
from mutualis.core.time import to_local
from mutualis.vault.access import VIEWERS, today_of
from mutualis.vault.models import Version

logger = logging.getLogger(__name__)

# Days before `valid_until` on which the business is reminded.
REMINDER_DAYS = (30, 7)
EXPIRED = "expired"


def reminder_days(valid_until):
    """Each reminder's kind and day, the most urgent first."""
    days = [(EXPIRED, valid_until + dt.timedelta(days=1))]
    for before in sorted(REMINDER_DAYS):
        days.append((f"{before}-days", valid_until - dt.timedelta(days=before)))
    return days


def reminder_due(version, today):
    """The most urgent reminder due for `version` on `today`, or None.

    A reminder whose day had come by the upload is not sent: whoever uploaded
    the file knew its dates. Only the most urgent one is sent, so that runs
    missed for a while end in one mail per document, not a burst.
    """
    if version.valid_until is None:
        return None
    business = version.document.business
    uploaded_on = to_local(version.uploaded_at, business.time_zone).date()
    for kind, day in reminder_days(version.valid_until):
        if day <= today:
            return kind if uploaded_on < day else None
    return None


def recipients(version):
    """The business's admins and the uploader while still a member, once each."""
    business = version.document.business
    people = {user.pk: user for user in admins_of(business)}
    uploader = version.uploaded_by
    if uploader and uploader.is_active and has_role(uploader, business, *VIEWERS):
        people.setdefault(uploader.pk, uploader)
    return list(people.values())


@task()
def send_vault_reminders():
    """Queue the reminders due today for every current version; return how many."""
    current = Version.objects.filter(
        document__current=F("pk"), valid_until__isnull=False
    ).select_related("document", "document__business", "uploaded_by")
    queued = 0
    for version in current.iterator(chunk_size=500):
        kind = reminder_due(version, today_of(version.document.business))
        if kind is not None:
            queued += _remind(version, kind)
    return queued


def _remind(version, kind):
    queued = 0
    for user in recipients(version):
        # One key per version, reminder and person: a run that stops half-way or
        # runs twice sends nobody the same reminder twice.
        key = f"vault:{version.pk}:{kind}:user:{user.pk}"
        subject, body = _render(version, kind, user)
        queued += queue_mail(key, user.email, subject, body) is not None
    if queued:
        logger.info("vault reminder queued version=%s kind=%s", version.pk, kind)
    return queued


def _render(version, kind, user):
    document = version.document
    url = absolute_url(reverse("web:vault-business", args=[document.business_id]))
    with translation.override(user.language):
        values = {"title": document.title, "business": document.business.name}
        if kind == EXPIRED:
            subject = _("“%(title)s” of %(business)s has expired") % values
        else:
            subject = _("“%(title)s” of %(business)s expires soon") % values
        body = render_to_string(
            "vault/email/reminder.txt",
            {
                "document": document,
                "version": version,
                "expired": kind == EXPIRED,
                "url": url,
                "platform_name": settings.MUTUALIS_PLATFORM_NAME,
            },
        )
    return subject, body
