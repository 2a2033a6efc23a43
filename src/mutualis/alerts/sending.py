"""Sending alerts: match the new consultations, one mail per alert, never twice.

Each alert's mail is queued in the same transaction as the SentAlert rows of the
consultations it lists; the unique (alert, consultation) constraint and the mail's
key make a second run, or a run after one that stopped half-way, send only what
was not sent yet.
"""

import hashlib
import logging

from django.db import transaction
from django.db.models import Min, Q

from mutualis.alerts.mails import alert_mail
from mutualis.alerts.matching import Matcher, alert_criteria, consultation_facts
from mutualis.alerts.models import Alert, Frequency, SentAlert
from mutualis.core.mail import queue_mail
from mutualis.core.time import now
from mutualis.tenders.models import Consultation, State

logger = logging.getLogger(__name__)


def open_consultations(at):
    """Published and still open for bids at `at` (see Consultation.phase)."""
    return Consultation.objects.filter(state=State.PUBLISHED).filter(
        Q(submission_deadline__gte=at)
        | Q(submission_deadline__isnull=True, participation_deadline__gte=at)
        | Q(submission_deadline__isnull=True, participation_deadline__isnull=True)
    )


def active_alerts(frequency):
    return Alert.objects.filter(
        frequency=frequency, is_active=True, owner__is_active=True
    )


def send_periodic(frequency, at=None):
    """Tell each daily or weekly alert of the consultations published (or imported)
    since its last run; return how many mails were queued."""
    at = at or now()
    alerts = active_alerts(frequency)
    since = alerts.aggregate(since=Min("last_run_at"))["since"]
    if since is None:
        return 0
    # A consultation imported from a notice came in after the notice's publication
    # date: it is new to the platform from its arrival.
    consultations = open_consultations(at).filter(
        Q(published_at__gt=since) | Q(created_at__gt=since), published_at__lte=at
    )
    arrived = {
        pk: max(published, created)
        for pk, published, created in consultations.values_list(
            "pk", "published_at", "created_at"
        )
    }
    last_runs = dict(alerts.values_list("pk", "last_run_at"))
    queued = 0
    for alert_pk, pks in _matches(alerts, consultations).items():
        fresh = [pk for pk in pks if arrived[pk] > last_runs[alert_pk]]
        if fresh:
            queued += send_one(alert_pk, fresh, at)
    # Only once every alert is done: a run that stopped half-way left the others'
    # last run alone, and the next run looks at the same window again.
    alerts.filter(last_run_at__lt=at).update(last_run_at=at)
    logger.info("alerts sent frequency=%s mails=%d", frequency, queued)
    return queued


def send_immediate(consultation_pk, at=None):
    """Tell the immediate alerts of one consultation just published."""
    at = at or now()
    alerts = active_alerts(Frequency.IMMEDIATE)
    consultations = open_consultations(at).filter(pk=consultation_pk)
    queued = 0
    for alert_pk, pks in _matches(alerts, consultations).items():
        queued += send_one(alert_pk, pks, at)
    return queued


def _matches(alerts, consultations):
    facts = consultation_facts(consultations)
    if not facts:
        return {}
    return Matcher(alert_criteria(alerts)).matches(facts)


def mail_key(alert_pk, consultation_pks):
    batch = ",".join(str(pk) for pk in sorted(consultation_pks))
    return f"alerts:{alert_pk}:{hashlib.sha256(batch.encode()).hexdigest()[:24]}"


def send_one(alert_pk, consultation_pks, at):
    """Queue one mail listing those of `consultation_pks` not yet sent by the alert."""
    with transaction.atomic():
        alert = (
            Alert.objects.select_for_update(of=("self",))
            .select_related("owner")
            .filter(pk=alert_pk, is_active=True)
            .first()
        )
        if alert is None:
            return 0
        done = set(
            SentAlert.objects.filter(
                alert=alert, consultation__in=consultation_pks
            ).values_list("consultation_id", flat=True)
        )
        fresh = [pk for pk in consultation_pks if pk not in done]
        if not fresh:
            return 0
        consultations = list(
            Consultation.objects.filter(pk__in=fresh)
            .select_related("buyer")
            .order_by("submission_deadline", "pk")
        )
        key = mail_key(alert.pk, fresh)
        mail = alert_mail(alert, consultations)
        queued = queue_mail(
            key,
            alert.owner.email,
            mail.subject,
            mail.body,
            html=mail.html,
            headers=mail.headers,
        )
        SentAlert.objects.bulk_create(
            SentAlert(alert=alert, consultation_id=pk, mail_key=key, sent_at=at)
            for pk in fresh
        )
        if alert.frequency != Frequency.IMMEDIATE and alert.last_run_at < at:
            alert.last_run_at = at
            alert.save(update_fields=["last_run_at"])
    return 1 if queued else 0
