"""Reminders 30 and 7 days before a document's last valid day, and once expired."""

import datetime as dt

import pytest
from django.core import mail as outbox
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st

from mutualis.accounts.models import Membership, Organisation
from mutualis.core.mail import send_queued_mail
from mutualis.vault import actions
from mutualis.vault.management.commands.send_vault_reminders import Command
from mutualis.vault.models import Document, Version
from mutualis.vault.tasks import EXPIRED, reminder_due, send_vault_reminders
from tests.bids.factories import at, paris
from tests.vault.conftest import day, upload

pytestmark = pytest.mark.django_db

UPLOADED = paris(2027, 3, 1, 9, 30)
UNTIL = day(2027, 6, 30)


@pytest.fixture
def document(admin, bidder, business):
    with at(UPLOADED):
        return upload(bidder, business, title="Attestation URSSAF", valid_until=UNTIL)


def run_on(*parts):
    """Run the command at 06:00 in Paris on that day, then send what it queued."""
    with at(paris(*parts, 6, 0)):
        call_command("send_vault_reminders")
    send_queued_mail.call()
    sent = [(m.to[0], m.subject) for m in outbox.outbox]
    outbox.outbox.clear()
    return sorted(sent)


def test_each_reminder_goes_once_to_the_admins_and_the_uploader(document):
    assert run_on(2027, 5, 30) == []
    assert run_on(2027, 5, 31) == [
        (
            "agnes.morel@example.org",
            "«\u00a0Attestation URSSAF\u00a0» de Menuiseries du Châtillonnais "
            "expire bientôt",
        ),
        (
            "helene.berard@example.org",
            "“Attestation URSSAF” of Menuiseries du Châtillonnais expires soon",
        ),
    ]
    assert run_on(2027, 5, 31) == []
    assert run_on(2027, 6, 22) == []
    assert len(run_on(2027, 6, 23)) == 2
    assert run_on(2027, 6, 30) == []
    assert [to for to, _subject in run_on(2027, 7, 1)] == [
        "agnes.morel@example.org",
        "helene.berard@example.org",
    ]
    assert run_on(2027, 7, 2) == []


def test_the_mail_speaks_each_person_s_language(document):
    with at(paris(2027, 6, 23, 6, 0)):
        send_vault_reminders.call()
    send_queued_mail.call()

    bodies = {m.to[0]: m.body for m in outbox.outbox}
    # Agnès reads French, Hélène English.
    assert "valable jusqu'au 30 juin 2027" in bodies["agnes.morel@example.org"]
    assert "valid until 30 June 2027" in bodies["helene.berard@example.org"]
    assert (
        f"/business/{document.business_id}/vault/"
        in bodies["helene.berard@example.org"]
    )


def test_the_command_says_how_many_it_queued_and_that_it_is_for_cron(document, capsys):
    with at(paris(2027, 7, 1, 6, 0)):
        call_command("send_vault_reminders")
        call_command("send_vault_reminders")

    assert capsys.readouterr().out.splitlines() == [
        "2 reminders queued.",
        "0 reminders queued.",
    ]
    assert "cron" in Command().help


def test_a_replacement_is_reminded_of_afresh_and_the_old_one_no_more(document, bidder):
    run_on(2027, 5, 31)
    with at(paris(2027, 6, 1, 10, 0)):
        actions.replace_document(
            bidder,
            document,
            SimpleUploadedFile("urssaf-juin.pdf", b"%PDF nouvelle"),
            None,
            day(2027, 12, 31),
        )

    assert run_on(2027, 7, 1) == []
    assert len(run_on(2027, 12, 1)) == 2


def test_someone_who_left_the_business_is_not_reminded(document, bidder):
    Membership.objects.filter(user=bidder).delete()

    assert [to for to, _subject in run_on(2027, 7, 1)] == ["agnes.morel@example.org"]


def test_a_document_uploaded_already_expired_or_without_end_is_not_reminded(
    admin, business
):
    with at(UPLOADED):
        upload(admin, business, title="Ancienne", valid_until=day(2027, 2, 1))
        upload(admin, business, title="Sans fin")

    assert run_on(2027, 3, 2) == []


def unsaved_version(uploaded_on, valid_until):
    business = Organisation(kind="business", time_zone="Europe/Paris")
    document = Document(business=business)
    uploaded_at = paris(uploaded_on.year, uploaded_on.month, uploaded_on.day, 12)
    return Version(document=document, valid_until=valid_until, uploaded_at=uploaded_at)


@given(
    uploaded_on=st.dates(dt.date(2026, 1, 1), dt.date(2028, 1, 1)),
    offset=st.integers(-60, 400),
    days_after=st.integers(0, 500),
)
def test_a_reminder_is_due_only_from_its_day_and_never_for_what_the_upload_knew(
    uploaded_on, offset, days_after
):
    valid_until = uploaded_on + dt.timedelta(days=offset)
    today = uploaded_on + dt.timedelta(days=days_after)

    kind = reminder_due(unsaved_version(uploaded_on, valid_until), today)

    assert kind == expected(uploaded_on, valid_until, today)


def expected(uploaded_on, valid_until, today):
    """The rule told by the days left, apart from the code's list of days."""
    left = (valid_until - today).days
    if left < 0:
        kind, day_of_it = EXPIRED, valid_until + dt.timedelta(days=1)
    elif left <= 7:
        kind, day_of_it = "7-days", valid_until - dt.timedelta(days=7)
    elif left <= 30:
        kind, day_of_it = "30-days", valid_until - dt.timedelta(days=30)
    else:
        return None
    return kind if uploaded_on < day_of_it else None
