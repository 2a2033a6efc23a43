import datetime as dt
import hashlib
import json
import threading

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mutualis.core.journal import GENESIS, canonical, record, verify_journal
from mutualis.core.models import AppendOnlyError, JournalEntry
from tests.factories import BuyerFactory, UserFactory

pytestmark = pytest.mark.django_db

AT = dt.datetime(2027, 2, 12, 16, 0, 0, 1000, tzinfo=dt.UTC)


def test_entries_are_numbered_and_each_holds_the_hash_of_the_one_before():
    first = record("consultation.published", n=1)
    second = record("consultation.amended", n=2)

    assert (first.sequence, second.sequence) == (1, 2)
    assert first.previous_hash == GENESIS
    assert second.previous_hash == first.entry_hash
    assert second.entry_hash == hashlib.sha256(canonical(second)).hexdigest()


def test_the_hash_covers_a_canonical_form_with_utc_microseconds():
    buyer = BuyerFactory()
    actor = UserFactory()
    paris = dt.timezone(dt.timedelta(hours=1))

    entry = record(
        "bid.received", actor=actor, obj=buyer, at=AT.astimezone(paris), size=3, b=[1]
    )

    assert json.loads(canonical(entry)) == {
        "sequence": 1,
        "at": "2027-02-12T16:00:00.001000+00:00",
        "actor": actor.pk,
        "action": "bid.received",
        "object_type": "accounts.organisation",
        "object_id": str(buyer.pk),
        "data": {"b": [1], "size": 3},
        "previous_hash": GENESIS,
    }
    assert canonical(entry).startswith(b'{"action":"bid.received","actor":')


def test_record_keeps_its_signature_and_drops_an_anonymous_actor():
    with time_machine.travel(AT, tick=False):
        entry = record("consultation.downloaded", actor=AnonymousUser(), file="DCE.zip")

    stored = JournalEntry.objects.get()
    assert (stored.actor, stored.at, stored.data) == (None, AT, {"file": "DCE.zip"})
    assert entry.entry_hash == stored.entry_hash


def test_an_entry_is_never_changed_nor_removed():
    entry = record("bid.opened")
    entry.action = "bid.withdrawn"

    with pytest.raises(AppendOnlyError, match="never changed"):
        entry.save()
    with pytest.raises(AppendOnlyError, match="never removed"):
        entry.delete()
    with pytest.raises(AppendOnlyError, match="never changed"):
        JournalEntry.objects.update(action="bid.withdrawn")
    with pytest.raises(AppendOnlyError, match="never removed"):
        JournalEntry.objects.all().delete()
    assert JournalEntry.objects.get().action == "bid.opened"


def test_data_that_json_cannot_hold_faithfully_is_refused():
    with pytest.raises(ValueError, match="not JSON compliant"):
        record("bench.measured", ratio=float("nan"))
    with pytest.raises(ValueError, match="cannot hold a NUL character"):
        record("document.downloaded", name="DCE\x00.zip")


TEXT = st.characters(exclude_characters="\x00", codec="utf-8")
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**62), max_value=2**62)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(TEXT, max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(TEXT, max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.dictionaries(st.text(TEXT, max_size=8), json_values, max_size=5))
# A backslash and "u0000" are six ordinary characters, not a NUL.
@example(data={"\\u0000": "C:\\u0000.txt"})
def test_any_json_data_reads_back_with_the_same_hash(data):
    entry = record("test.data", **{f"k_{key}": value for key, value in data.items()})

    stored = JournalEntry.objects.get(pk=entry.pk)

    assert hashlib.sha256(canonical(stored)).hexdigest() == entry.entry_hash


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain():
    def write(worker):
        try:
            for n in range(10):
                record("test.concurrent", worker=worker, n=n)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    sequences = list(JournalEntry.objects.values_list("sequence", flat=True))
    assert sequences == list(range(1, 41))
    assert verify_journal().breaks == []


@pytest.mark.django_db(transaction=True)
def test_the_migration_numbers_and_chains_the_rows_already_there():
    executor = MigrationExecutor(connection)
    executor.migrate([("core", "0001_initial")])
    with connection.cursor() as cursor:
        for day in (1, 2, 3):
            cursor.execute(
                "INSERT INTO core_journalentry (at, action, object_type, object_id,"
                " data) VALUES (%s, 'consultation.published', '', '', %s)",
                [dt.datetime(2026, 1, day, 9, 30, tzinfo=dt.UTC), f'{{"day": {day}}}'],
            )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes("core"))
    record("consultation.amended")

    report = verify_journal()
    assert (report.entries, report.breaks) == (4, [])
    assert list(JournalEntry.objects.values_list("sequence", "data")) == [
        (1, {"day": 1}),
        (2, {"day": 2}),
        (3, {"day": 3}),
        (4, {}),
    ]
