"""Deadline reminders to those who downloaded a consultation or started a bid.

A reminder of each kind is due in its own window: "two days before" from 48 hours
before the deadline until the deadline's day begins in the consultation's time
zone, "same day" from then until the deadline. A run that comes late sends only
the kind due then; the unique Reminder row, written in the mail's transaction,
keeps each (user, consultation, kind) to one mail.
"""

import datetime as dt
import logging

from django.db import IntegrityError, transaction

from mutualis.accounts.models import User
from mutualis.alerts.mails import reminder_mail
from mutualis.alerts.models import Reminder, ReminderKind
from mutualis.bids.models import Bid, BidState
from mutualis.core.mail import queue_mail
from mutualis.core.time import now, to_utc
from mutualis.tenders.models import Consultation, Download, State

logger = logging.getLogger(__name__)

LEAD = dt.timedelta(days=2)


def due_kind(consultation, at):
    """The reminder due at `at` for `consultation`, or None."""
    deadline = consultation.submission_deadline
    if deadline is None or at >= deadline:
        return None
    local_day = consultation.local(deadline).date()
    day_start = to_utc(
        dt.datetime.combine(local_day, dt.time.min), consultation.time_zone
    )
    if at >= day_start:
        return ReminderKind.SAME_DAY
    if at >= deadline - LEAD:
        return ReminderKind.TWO_DAYS
    return None


def interested_users(consultation):
    """{user pk: bid state} for the downloaders and bidders of `consultation`;
    the state is "" for one who only downloaded."""
    users = dict.fromkeys(
        Download.objects.filter(consultation=consultation, user__isnull=False)
        .values_list("user_id", flat=True)
        .distinct(),
        "",
    )
    bids = Bid.objects.filter(consultation=consultation, is_backup_copy=False)
    for user_pk, state in bids.values_list("deposited_by_id", "state"):
        if state == BidState.RECEIVED or users.get(user_pk) == "received":
            users[user_pk] = "received"
        elif state == BidState.RECEIVING:
            users[user_pk] = "receiving"
        else:
            users.setdefault(user_pk, "")
    return users


def send_reminders(at=None):
    """Queue every reminder due at `at`; return how many were queued."""
    at = at or now()
    consultations = Consultation.objects.filter(
        state=State.PUBLISHED,
        submission_deadline__gt=at,
        submission_deadline__lte=at + LEAD,
    ).select_related("buyer")
    queued = 0
    for consultation in consultations:
        kind = due_kind(consultation, at)
        if kind is not None:
            queued += _remind(consultation, kind, at)
    logger.info("reminders sent mails=%d", queued)
    return queued


def _remind(consultation, kind, at):
    users = interested_users(consultation)
    done = set(
        Reminder.objects.filter(consultation=consultation, kind=kind).values_list(
            "user_id", flat=True
        )
    )
    recipients = User.objects.filter(pk__in=set(users) - done, is_active=True)
    queued = 0
    for user in recipients:
        queued += _remind_one(user, consultation, kind, users[user.pk], at)
    return queued


def _remind_one(user, consultation, kind, bid_state, at):
    try:
        with transaction.atomic():
            Reminder.objects.create(
                user=user, consultation=consultation, kind=kind, sent_at=at
            )
            mail = reminder_mail(user, consultation, kind, bid_state)
            queue_mail(
                f"reminder:{user.pk}:{consultation.pk}:{kind}",
                user.email,
                mail.subject,
                mail.body,
                html=mail.html,
                headers=mail.headers,
            )
    except IntegrityError:
        # Another run sent this reminder meanwhile.
        return 0
    return 1
