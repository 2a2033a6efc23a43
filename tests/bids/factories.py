"""Helpers for the bids tests: Paris wall-clock instants, uploads and deposits."""

import datetime as dt
from contextlib import nullcontext
from pathlib import Path

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from mutualis.bids.actions import deposit_bid
from mutualis.core.time import to_utc

OFFER = {"offre-technique.pdf": b"%PDF-1.7 memoire technique"}


def paris(*parts):
    """An instant given as a wall-clock time in Paris, e.g. paris(2027, 1, 15, 17)."""
    return to_utc(dt.datetime(*parts), "Europe/Paris")


def uploads(files):
    return [SimpleUploadedFile(name, content) for name, content in files.items()]


def at(instant):
    """Freeze the clock at `instant` (or leave it alone when None)."""
    return time_machine.travel(instant, tick=False) if instant else nullcontext()


def deposit(user, business, consultation, lot=None, files=None, when=None):
    with at(when):
        return deposit_bid(user, business, consultation, lot, uploads(files or OFFER))


def stored_files(settings):
    """Every file in the protected storage, as paths relative to it."""
    root = Path(settings.STORAGES["protected"]["OPTIONS"]["location"])
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
