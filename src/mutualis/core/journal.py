"""The audit journal: every state change appends one entry, inside its transaction.

Entries form a hash chain: each one's `entry_hash` is the SHA-256 of its canonical
form, which holds the previous entry's hash. Editing, removing or reordering a row
breaks the chain; a seal (an RFC 3161 timestamp over the head's hash) also catches
the removal of the last rows, and dates the whole journal up to that row.
"""

import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction

from mutualis.core.models import JournalEntry, JournalHead, JournalSeal
from mutualis.core.time import now

logger = logging.getLogger(__name__)

GENESIS = "0" * 64


def record(action, *, actor=None, obj=None, at=None, **data):
    """Append `action` on `obj` by `actor` to the journal and return the entry.

    The journal's head stays locked until the caller's transaction ends, so other
    writers wait: record last, after any slow work, and commit.
    """
    if actor is not None and not actor.is_authenticated:
        actor = None
    with transaction.atomic():
        head = _locked_head()
        entry = JournalEntry(
            sequence=head.sequence + 1,
            at=(at or now()).astimezone(dt.UTC),
            actor=actor,
            action=action,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            data=_normalised(data),
            previous_hash=head.entry_hash,
        )
        entry.entry_hash = entry_hash(entry)
        entry.save()
        head.sequence, head.entry_hash = entry.sequence, entry.entry_hash
        head.save(update_fields=["sequence", "entry_hash"])
        transaction.on_commit(seal_if_due)
    return entry


def hold():
    """Take the journal's lock now, for the rest of the caller's transaction.

    An action whose instant the open-data cursors sort by (a publication, an
    amendment, a cancellation) holds it before reading the clock: two such actions
    then take their instants in the order they commit, so a reader that has seen
    one never misses the other. Take it after the action's own row locks, as
    `record` does, so that locks are always taken in the same order.
    """
    _locked_head()


def seal_if_due():
    """Seal the head when the last seal is older than the interval; never raise.

    Called after the commit of any entry, so that the journal is timestamped at
    intervals while anything happens, and not at all while nothing does.
    TODO(tasks): run it as a queued task once background work has its worker.
    """
    interval = settings.MUTUALIS_JOURNAL_SEAL_INTERVAL
    if interval <= 0:
        return None
    last = JournalSeal.objects.order_by("-id").first()
    if last is not None and now() - last.stamped_at < dt.timedelta(seconds=interval):
        return None
    try:
        return seal_journal()
    except Exception:
        # The entries are committed; a timestamp authority that does not answer
        # only delays the seal to the next entry.
        logger.exception("sealing the journal's head failed")
        return None


def _normalised(data):
    """`data` as the database gives it back, so that its hash is the same after.

    PostgreSQL's jsonb writes 1e16 as 10000000000000000, which reads back as an
    integer: whole floats become integers here already. NaN and NUL are refused.
    """
    text = json.dumps(data, cls=DjangoJSONEncoder, allow_nan=False)
    normalised = json.loads(text, parse_float=_parse_float)
    if _holds_nul(normalised):
        # jsonb refuses it; SQLite would take it, and the two must agree.
        raise ValueError("journal data cannot hold a NUL character")
    return normalised


def _holds_nul(value):
    """Whether a NUL character is in any string of `value`, keys included.

    Not a search of the JSON text: a backslash followed by "u0000" is six
    ordinary characters there.
    """
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


def _parse_float(text):
    number = float(text)
    return int(number) if number.is_integer() else number


def entries_for(obj):
    return JournalEntry.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    )


def canonical(entry):
    """The bytes an entry's hash covers: sorted-key JSON, instants in UTC."""
    content = {
        "sequence": entry.sequence,
        "at": entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": entry.actor_id,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "data": entry.data,
        "previous_hash": entry.previous_hash,
    }
    text = json.dumps(
        content, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return text.encode()


def entry_hash(entry):
    return hashlib.sha256(canonical(entry)).hexdigest()


def _locked_head():
    # One row that every writer locks: on PostgreSQL a second writer waits here and
    # then reads the first one's head, so two entries never share a predecessor.
    # SQLite's IMMEDIATE transactions already let one writer in at a time.
    head = JournalHead.objects.select_for_update().filter(pk=1).first()
    if head is not None:
        return head
    last = JournalEntry.objects.order_by("-sequence").first()
    try:
        with transaction.atomic():
            JournalHead.objects.create(
                pk=1,
                sequence=last.sequence if last else 0,
                entry_hash=last.entry_hash if last else GENESIS,
            )
    except IntegrityError:
        pass  # another writer created it first
    return JournalHead.objects.select_for_update().get(pk=1)


def seal_journal():
    """Timestamp the journal's head and store the seal; None if nothing is new."""
    from mutualis.trust.timestamps import stamp, verify

    head = JournalEntry.objects.order_by("-sequence").first()
    last_seal = JournalSeal.objects.order_by("-id").first()
    if head is None or (last_seal and last_seal.sequence == head.sequence):
        return None
    token = stamp(bytes.fromhex(head.entry_hash))
    return JournalSeal.objects.create(
        sequence=head.sequence,
        entry_hash=head.entry_hash,
        token=token,
        stamped_at=verify(token, bytes.fromhex(head.entry_hash)),
    )


@dataclass
class Report:
    """What `verify_journal` found: counts, the last seal, and each break."""

    entries: int = 0
    seals: int = 0
    last_sealed_at: dt.datetime | None = None
    last_sealed_sequence: int | None = None
    breaks: list = field(default_factory=list)

    @property
    def intact(self):
        return not self.breaks


def verify_journal():
    """Recompute the whole chain and every seal; return a Report of the breaks."""
    report = Report()
    hashes = _verify_chain(report)
    _verify_head(report)
    _verify_seals(report, hashes)
    return report


def _verify_chain(report):
    # Only the sealed entries' hashes are kept: the journal may not fit in memory.
    sealed = set(JournalSeal.objects.values_list("sequence", flat=True))
    hashes = {}
    previous = None
    rows = JournalEntry.objects.order_by("sequence", "id")
    for entry in rows.iterator(chunk_size=2000):
        report.entries += 1
        report.breaks += _entry_breaks(entry, previous)
        if entry.sequence in sealed:
            hashes.setdefault(entry.sequence, entry.entry_hash)
        previous = entry
    return hashes


def _entry_breaks(entry, previous):
    found = []
    expected = previous.sequence + 1 if previous else 1
    if entry_hash(entry) != entry.entry_hash:
        found.append(
            f"entry {entry.sequence}: its content does not match its hash (edited)"
        )
    if previous is not None and entry.sequence == previous.sequence:
        found.append(f"entry {entry.sequence}: appears twice (inserted or copied)")
    elif entry.sequence > expected:
        found.append(_gap(expected, entry.sequence - 1, "before entry", entry.sequence))
    elif entry.previous_hash != (previous.entry_hash if previous else GENESIS):
        found.append(
            f"entry {entry.sequence}: does not follow from entry {expected - 1} "
            "(chain broken)"
        )
    if previous is not None and entry.id < previous.id:
        found.append(
            f"entry {entry.sequence}: stored before entry {previous.sequence} "
            "(reordered)"
        )
    return found


def _gap(first, last, where, sequence):
    span = f"entry {first}" if first == last else f"entries {first} to {last}"
    return f"{span} missing {where} {sequence} (sequence gap: deleted)"


def _verify_head(report):
    head = JournalHead.objects.filter(pk=1).first()
    last = JournalEntry.objects.order_by("-sequence").first()
    last_sequence, last_hash = (
        (last.sequence, last.entry_hash) if last else (0, GENESIS)
    )
    if head is None:
        if last is not None:
            report.breaks.append("the journal head is missing")
    elif head.sequence > last_sequence:
        report.breaks.append(
            _gap(last_sequence + 1, head.sequence, "after entry", last_sequence)
        )
    elif head.sequence < last_sequence or head.entry_hash != last_hash:
        report.breaks.append(
            f"the journal head does not match entry {last_sequence} (chain broken)"
        )


def _verify_seals(report, hashes):
    from mutualis.trust.timestamps import TimestampError, verify

    for seal in JournalSeal.objects.order_by("id").iterator():
        report.seals += 1
        try:
            sealed_at = verify(bytes(seal.token), bytes.fromhex(seal.entry_hash))
        except (TimestampError, ValueError) as error:
            report.breaks.append(f"seal {seal.pk}: {error} (seal mismatch)")
            continue
        if seal.sequence not in hashes:
            report.breaks.append(
                f"seal of {sealed_at.isoformat()} covers entry {seal.sequence}, "
                "which is missing (deleted after the seal)"
            )
        elif hashes[seal.sequence] != seal.entry_hash:
            report.breaks.append(
                f"seal of {sealed_at.isoformat()}: entry {seal.sequence} is not the "
                "one sealed (seal mismatch)"
            )
        if report.last_sealed_at is None or sealed_at > report.last_sealed_at:
            report.last_sealed_at = sealed_at
            report.last_sealed_sequence = seal.sequence
