"""Publications take their instants in the order they commit, so that the open-data
cursors (the OCDS feed, the API), which sort by those instants, never pass one that
commits later."""

import threading
import time

import pytest
from django.db import connection, connections

from mutualis.core.models import JournalEntry
from mutualis.tenders import actions
from tests.tenders.factories import ready_draft

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite's IMMEDIATE transactions let one writer in at a time",
    ),
]


def waiting_on_a_lock():
    """Whether a backend of this test's database waits on a row lock."""
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def test_a_publication_that_read_the_clock_first_commits_first(monkeypatch):
    first, first_agent = ready_draft(reference="FIRST")
    second, second_agent = ready_draft(reference="SECOND")
    clock_read, go_on = threading.Event(), threading.Event()
    real_now = actions.now

    def slow_now():
        instant = real_now()
        if threading.current_thread().name == "first":
            # The first publication stops between its clock and its commit.
            clock_read.set()
            go_on.wait(timeout=60)
        return instant

    monkeypatch.setattr(actions, "now", slow_now)

    def publish(consultation, agent):
        try:
            actions.publish(agent, consultation)
        finally:
            connections.close_all()

    one = threading.Thread(target=publish, args=(first, first_agent), name="first")
    two = threading.Thread(target=publish, args=(second, second_agent), name="second")
    one.start()
    assert clock_read.wait(timeout=60)
    two.start()
    # The second one waits for the first's lock before it reads the clock.
    # Polled, not timed: the test goes on as soon as PostgreSQL shows the wait.
    for _attempt in range(600):
        if waiting_on_a_lock():
            break
        time.sleep(0.05)
    else:
        pytest.fail("the second publication never waited for the first")
    go_on.set()
    one.join(timeout=60)
    two.join(timeout=60)

    first.refresh_from_db()
    second.refresh_from_db()
    committed = list(
        JournalEntry.objects.filter(action="tenders.consultation.published")
        .order_by("sequence")
        .values_list("object_id", flat=True)
    )
    assert committed == [str(first.pk), str(second.pk)]
    assert first.published_at < second.published_at
