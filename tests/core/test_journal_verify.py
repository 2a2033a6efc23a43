import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from mutualis.cli import main
from mutualis.core.journal import entry_hash, record, seal_journal
from mutualis.core.models import JournalEntry, JournalHead, JournalSeal
from mutualis.trust.platform import ensure_keys
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SEALED_AT = dt.datetime(2027, 2, 12, 16, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def keys_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("platform") / "keys"
    ensure_keys(directory)
    return directory


@pytest.fixture(autouse=True)
def _platform_keys(settings, keys_dir):
    settings.MUTUALIS_KEYS_DIR = keys_dir
    settings.MUTUALIS_TSA_URL = ""


@pytest.fixture
def journal():
    """Five entries by one person, sealed after the fifth."""
    actor = UserFactory()
    for n in range(1, 6):
        record("bid.received", actor=actor, n=n)
    with time_machine.travel(SEALED_AT, tick=False):
        seal_journal()
    return actor


def rows():
    """The table as whoever holds the database sees it, without the model's guard."""
    return JournalEntry._base_manager


def verify():
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_journal", stdout=out, stderr=err)
    except CommandError as error:
        return str(error), err.getvalue().splitlines()
    return out.getvalue().strip(), []


def test_an_untouched_journal_is_intact(journal):
    summary, breaks = verify()

    assert breaks == []
    assert summary == (
        "journal intact: 5 entries, 1 seals, last sealed at "
        "2027-02-12T16:00:00+00:00 (entry 5)"
    )


def test_an_empty_journal_is_intact_and_never_sealed():
    assert verify() == ("journal intact: 0 entries, 0 seals, never sealed", [])


def test_sealing_again_without_new_entries_adds_no_seal(journal):
    assert seal_journal() is None
    assert JournalSeal.objects.count() == 1


def test_edited_data_is_detected(journal):
    rows().filter(sequence=3).update(data={"n": 30})

    summary, breaks = verify()

    assert summary == "journal broken: 1 problem(s) in 5 entries, 1 seals"
    assert breaks == ["entry 3: its content does not match its hash (edited)"]


def test_an_edited_time_is_detected(journal):
    entry = rows().get(sequence=2)
    rows().filter(pk=entry.pk).update(at=entry.at - dt.timedelta(microseconds=1))

    assert verify()[1] == ["entry 2: its content does not match its hash (edited)"]


def test_an_edited_actor_is_detected(journal):
    rows().filter(sequence=4).update(actor=UserFactory())

    assert verify()[1] == ["entry 4: its content does not match its hash (edited)"]


def test_a_deleted_row_is_detected(journal):
    rows().filter(sequence=2).delete()

    assert verify()[1] == ["entry 2 missing before entry 3 (sequence gap: deleted)"]


def test_two_swapped_rows_are_detected(journal):
    second, third = rows().get(sequence=2), rows().get(sequence=3)
    fields = ["sequence", "at", "data", "previous_hash", "entry_hash"]
    rows().filter(pk=second.pk).update(sequence=99)
    rows().filter(pk=third.pk).update(**{f: getattr(second, f) for f in fields})
    rows().filter(pk=second.pk).update(**{f: getattr(third, f) for f in fields})

    assert verify()[1] == ["entry 3: stored before entry 2 (reordered)"]


def test_renumbered_rows_are_detected(journal):
    second, third = rows().get(sequence=2), rows().get(sequence=3)
    rows().filter(pk=second.pk).update(sequence=99)
    rows().filter(pk=third.pk).update(sequence=2)
    rows().filter(pk=second.pk).update(sequence=3)

    breaks = verify()[1]

    assert "entry 3: stored before entry 2 (reordered)" in breaks
    assert "entry 2: its content does not match its hash (edited)" in breaks


def test_the_last_rows_deleted_after_a_seal_are_detected(journal):
    rows().filter(sequence__gte=4).delete()

    assert verify()[1] == [
        "entries 4 to 5 missing after entry 3 (sequence gap: deleted)",
        "seal of 2027-02-12T16:00:00+00:00 covers entry 5, which is missing "
        "(deleted after the seal)",
    ]


def test_the_seal_catches_rows_deleted_with_the_head_moved_back(journal):
    rows().filter(sequence__gte=4).delete()
    third = rows().get(sequence=3)
    JournalHead.objects.filter(pk=1).update(sequence=3, entry_hash=third.entry_hash)

    assert verify()[1] == [
        "seal of 2027-02-12T16:00:00+00:00 covers entry 5, which is missing "
        "(deleted after the seal)"
    ]


def test_the_seal_catches_a_chain_rewritten_from_an_edited_row(journal):
    previous_hash = rows().get(sequence=2).entry_hash
    for entry in rows().filter(sequence__gte=3).order_by("sequence"):
        entry.previous_hash = previous_hash
        if entry.sequence == 3:
            entry.data = {"n": 30}
        entry.entry_hash = previous_hash = entry_hash(entry)
        rows().filter(pk=entry.pk).update(
            data=entry.data,
            previous_hash=entry.previous_hash,
            entry_hash=entry.entry_hash,
        )
    JournalHead.objects.filter(pk=1).update(entry_hash=previous_hash)

    assert verify()[1] == [
        "seal of 2027-02-12T16:00:00+00:00: entry 5 is not the one sealed "
        "(seal mismatch)"
    ]


def test_a_seal_whose_hash_was_changed_is_detected(journal):
    seal = JournalSeal.objects.get()
    JournalSeal._base_manager.filter(pk=seal.pk).update(entry_hash="0" * 64)

    assert verify()[1] == [
        f"seal {seal.pk}: The timestamp was issued for another document. "
        "(seal mismatch)"
    ]


def test_the_command_line_exits_with_1_on_a_break(journal, capsys):
    rows().filter(sequence=2).delete()

    with pytest.raises(SystemExit) as exit:
        main(["mutualis", "verify-journal"])

    assert exit.value.code == 1
    err = capsys.readouterr().err
    assert "entry 2 missing before entry 3 (sequence gap: deleted)" in err


def test_stamp_journal_says_which_entry_it_sealed(journal):
    record("bid.opened")
    out = io.StringIO()

    with time_machine.travel(SEALED_AT + dt.timedelta(hours=1), tick=False):
        call_command("stamp_journal", stdout=out)

    head = JournalEntry.objects.get(sequence=6)
    assert out.getvalue() == (
        f"sealed entry 6 ({head.entry_hash}) at 2027-02-12T17:00:00+00:00\n"
    )


def test_the_head_is_sealed_at_intervals_while_entries_come(
    settings, django_capture_on_commit_callbacks
):
    settings.MUTUALIS_JOURNAL_SEAL_INTERVAL = 600
    start = dt.datetime(2027, 2, 12, 9, 0, tzinfo=dt.UTC)

    for minutes in (0, 4, 9, 11, 12):
        with (
            time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            record("bid.received", minutes=minutes)

    seals = JournalSeal.objects.order_by("id")
    assert [seal.sequence for seal in seals] == [1, 4]
    assert [seal.stamped_at for seal in seals] == [
        start,
        start + dt.timedelta(minutes=11),
    ]


def test_a_timestamp_authority_that_does_not_answer_loses_no_entry(
    settings, django_capture_on_commit_callbacks
):
    settings.MUTUALIS_TSA_URL = "http://127.0.0.1:9/tsa"

    with django_capture_on_commit_callbacks(execute=True):
        record("bid.received", n=1)

    assert JournalEntry.objects.count() == 1
    assert not JournalSeal.objects.exists()
