"""Deadline reminders to downloaders and bidders: each kind once, in their language."""

import datetime as dt
import io

import pytest
from django.core import mail as outbox
from django.core.management import call_command

from mutualis.accounts.models import Role
from mutualis.alerts.models import Reminder
from mutualis.bids.models import Bid, BidState
from mutualis.core.mail import send_queued_mail
from mutualis.tenders.models import Download, State
from tests.bids.factories import at, paris
from tests.factories import BusinessFactory, ConsultationFactory, member

pytestmark = pytest.mark.django_db

DEADLINE = paris(2027, 1, 15, 17, 0)


@pytest.fixture
def call(buyer):
    return ConsultationFactory(
        buyer=buyer,
        state=State.PUBLISHED,
        reference="2027-VOI-004",
        title="Réfection de la voirie communale",
        submission_deadline=DEADLINE,
    )


def downloaded(user, consultation):
    return Download.objects.create(
        consultation=consultation, user=user, at=consultation.submission_deadline
    )


def started_bid(user, consultation, state=BidState.RECEIVING):
    business = BusinessFactory()
    return Bid.objects.create(
        consultation=consultation,
        bidder=business,
        deposited_by=user,
        state=state,
        receipt_number=f"R-{user.pk}-{state}",
        started_at=consultation.submission_deadline - dt.timedelta(days=3),
    )


def remind(when):
    """Run the command as cron would at `when`; return what it printed."""
    output = io.StringIO()
    with at(when):
        call_command("send_reminders", stdout=output)
        send_queued_mail.call()
    return output.getvalue().strip()


def subjects():
    return sorted((m.to[0], m.subject) for m in outbox.outbox)


def test_a_downloader_is_reminded_two_days_before_then_on_the_day(owner, call):
    downloaded(owner, call)
    downloaded(owner, call)

    remind(paris(2027, 1, 13, 16, 0))  # too early: 49 hours before
    remind(paris(2027, 1, 13, 18, 0))
    remind(paris(2027, 1, 14, 9, 0))
    remind(paris(2027, 1, 15, 0, 30))
    remind(paris(2027, 1, 15, 16, 0))
    assert remind(paris(2027, 1, 15, 17, 30)) == "0 reminders queued."  # too late

    assert [m.subject for m in outbox.outbox] == [
        "Bids close in two days: Réfection de la voirie communale",
        "Bids close today: Réfection de la voirie communale",
    ]
    body = outbox.outbox[0].body
    assert "Deadline for bids: 15 January 2027, 17:00 (Europe/Paris)" in body
    assert "You downloaded the consultation documents." in body


def test_bidders_are_told_how_their_deposit_stands(buyer, call):
    business = BusinessFactory()
    receiving = member(
        business, Role.BIDDER, email="receiving@example.org", language="en"
    )
    received = member(
        business, Role.BIDDER, email="received@example.org", language="en"
    )
    started_bid(receiving, call)
    started_bid(received, call, state=BidState.RECEIVED)
    downloaded(received, call)

    assert remind(paris(2027, 1, 15, 8, 0)) == "2 reminders queued."

    bodies = {m.to[0]: m.body for m in outbox.outbox}
    assert "Your bid deposit is not complete" in bodies["receiving@example.org"]
    assert "Your bid was received." in bodies["received@example.org"]
    assert len(outbox.outbox) == 2


def test_a_late_first_run_sends_only_the_reminder_due_then(owner, call):
    downloaded(owner, call)

    remind(paris(2027, 1, 15, 10, 0))

    assert list(Reminder.objects.values_list("kind", flat=True)) == ["same-day"]


def test_anonymous_downloads_cancelled_and_closed_calls_are_not_reminded(
    owner, buyer, call
):
    Download.objects.create(consultation=call, user=None, at=DEADLINE)
    cancelled = ConsultationFactory(
        buyer=buyer, state=State.CANCELLED, submission_deadline=DEADLINE
    )
    downloaded(owner, cancelled)

    remind(paris(2027, 1, 15, 10, 0))

    assert outbox.outbox == []


def test_a_french_user_is_reminded_in_french(owner, call):
    owner.language = "fr"
    owner.save()
    downloaded(owner, call)

    remind(paris(2027, 1, 14, 9, 0))

    (message,) = outbox.outbox
    body = message.body.replace("\xa0", " ")
    assert message.subject.replace("\xa0", " ") == (
        "Remise des offres dans deux jours : Réfection de la voirie communale"
    )
    assert "Date limite de remise des offres: 15 janvier 2027, 17:00" in body
    assert "Vous avez téléchargé les documents de la consultation." in body
    assert message.extra_headers["Content-Language"] == "fr"
