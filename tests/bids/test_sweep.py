"""The sweep deletes the files a crash left without a row, and only those."""

import datetime as dt
import os

import pytest
from django.core.management import call_command

from mutualis.bids import storage
from mutualis.core.journal import JournalEntry
from tests.bids.factories import deposit, stored_files

pytestmark = pytest.mark.django_db


def leave(name, age):
    path = storage.protected_storage().path(name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as file:
        file.write(b"left by a crash")
    old = (dt.datetime.now() - age).timestamp()
    os.utime(path, (old, old))
    return name


def test_old_orphans_go_and_named_or_recent_files_stay(
    bidder, business, consultation, settings, capsys
):
    bid = deposit(bidder, business, consultation)
    kept = set(stored_files(settings))
    for name in kept:
        leave(name, dt.timedelta(days=3))
    crashed = leave("bids/1/MUT-2026-LOST-0001/1", dt.timedelta(days=2))
    opened = leave(
        "opened/1/MUT-2026-LOST-0001/1-0123456789abcdef", dt.timedelta(days=2)
    )
    recent = leave("bids/1/MUT-2026-LOST-0002/1", dt.timedelta(hours=1))

    call_command("sweep_orphans")

    assert set(stored_files(settings)) == kept | {recent}
    assert bid.files.exists()
    assert capsys.readouterr().out.splitlines() == [
        crashed,
        opened,
        "2 orphan files deleted.",
    ]
    entry = JournalEntry.objects.get(action="storage.orphans-deleted")
    assert entry.data["count"] == 2


def test_a_dry_run_deletes_nothing(settings, capsys):
    leave("bids/9/MUT-2026-LOST-0003/1", dt.timedelta(days=2))

    call_command("sweep_orphans", "--dry-run")

    assert stored_files(settings) == ["bids/9/MUT-2026-LOST-0003/1"]
    assert capsys.readouterr().out.splitlines()[-1] == "1 orphan file found."
