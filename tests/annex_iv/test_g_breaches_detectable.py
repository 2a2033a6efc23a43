"""Annex IV (g): infringements or attempted infringements of the access prohibitions
or conditions are clearly detectable.

Whoever can write to the database, past the application's refusal to change a
journal row, could hide a late deposit or a read of a bid by editing or deleting
its journal line in SQL; `mutualis verify-journal` finds it."""

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse

from mutualis import cli
from mutualis.bids import actions
from mutualis.core.journal import entries_for
from mutualis.core.models import JournalEntry
from tests.annex_iv.conftest import DEADLINE
from tests.bids.factories import at, deposit

pytestmark = pytest.mark.django_db

LATE = DEADLINE + dt.timedelta(minutes=3)
OPENING = DEADLINE + dt.timedelta(hours=1)


@pytest.fixture
def history(people, business, consultation):
    """A late deposit, an opening and a read of an opened file, all journalled."""
    opener = people["opener"]
    on_time = deposit(people["bidder"], business, consultation, when=DEADLINE)
    late = deposit(people["bidder"], business, consultation, when=LATE)
    with at(OPENING):
        actions.start_opening(opener, consultation)
        actions.open_bids(opener, consultation)
        actions.read_bid_file(opener, on_time.files.get()).close()
    return {"late": late, "read": on_time.files.get()}


def tamper(sql, *params):
    """Change the journal table behind the application's back, as SQL can."""
    table = connection.ops.quote_name(JournalEntry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql.format(table=table), params)


def verify_journal(capsys):
    """Run `mutualis verify-journal`: its exit status and what it printed."""
    try:
        cli.main(["mutualis", "verify-journal"])
        status = 0
    except SystemExit as exit:
        status = exit.code
    printed = capsys.readouterr()
    return status, printed.out + printed.err


def test_an_untouched_journal_verifies(history, capsys):
    status, output = verify_journal(capsys)

    assert status == 0
    assert "journal intact" in output


def test_backdating_a_late_deposit_is_detected(history, capsys):
    entry = entries_for(history["late"]).get(action="bid.deposited")
    on_time = connection.ops.adapt_datetimefield_value(DEADLINE)
    tamper("UPDATE {table} SET at = %s WHERE id = %s", on_time, entry.pk)

    status, output = verify_journal(capsys)

    assert status == 1
    assert (
        f"entry {entry.sequence}: its content does not match its hash (edited)"
        in output
    )


def test_deleting_the_line_of_a_file_read_is_detected(history, capsys):
    entry = entries_for(history["read"]).get(action="bid-file.read")
    tamper("DELETE FROM {table} WHERE id = %s", entry.pk)

    status, output = verify_journal(capsys)

    assert status == 1
    assert f"entry {entry.sequence} missing" in output


def test_changing_who_read_a_file_is_detected(history, people, capsys):
    entry = entries_for(history["read"]).get(action="bid-file.read")
    other = people["buyer admin"].pk
    tamper("UPDATE {table} SET actor_id = %s WHERE id = %s", other, entry.pk)

    status, output = verify_journal(capsys)

    assert status == 1
    assert (
        f"entry {entry.sequence}: its content does not match its hash (edited)"
        in output
    )


def test_an_attempt_to_open_before_the_deadline_is_journalled(
    client, people, consultation
):
    opener = people["opener"]
    url = reverse("web:opening-start", args=[consultation.pk])

    with at(DEADLINE - dt.timedelta(minutes=1)):
        client.force_login(opener)
        response = client.post(url)

    refusal = JournalEntry.objects.filter(action="access.refused").get()
    assert response.status_code == 403
    assert refusal.actor == opener
    assert refusal.data["path"] == url
    assert refusal.data["method"] == "POST"
    assert "deadline" in refusal.data["reason"]
