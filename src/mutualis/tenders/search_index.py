"""The portal search's index: one tenders.SearchEntry per public consultation.

An entry holds what the search looks at: the words of every text of the call (its
main language and the others), one token per filter value, and the deadline. Each
engine indexes the words and the tokens together (migration 0010: an FTS5 table on
SQLite, a GIN-indexed tsvector on PostgreSQL), so that text and filters are one
index lookup, and orders the matches by `key` (see `listing_key`).

Entries follow every save and deletion of a consultation, its texts, lots, CPV and
NUTS codes and its followed process (signals connected in tenders.apps);
`rebuild()` makes them all again.
"""

import contextlib
import contextvars
import dataclasses
from collections import defaultdict

from django.db import transaction
from django.db.models import QuerySet

from mutualis.tenders.models import (
    PUBLIC_STATES,
    Consultation,
    ConsultationText,
    Lot,
    SearchEntry,
)

# The low bits of a listing key are the consultation's id.
ID_BITS = 32
ID_MASK = (1 << ID_BITS) - 1
BATCH_SIZE = 2_000
# A token is never a word: the word parsers of both engines split at this sign.
FACET_MARK = "~"
# Entries fall in slices of about 24 days of publication (2^21 seconds), each with
# its token: PostgreSQL reads a broad search's newest matches slice by slice.
SLICE_BITS = ID_BITS + 21
CPV_DIGITS = range(2, 9)
NUTS_LENGTHS = range(1, 6)


def listing_key(consultation_id, published_at):
    """Newest first: the second of publication, then the latest consultation."""
    if not 0 < consultation_id <= ID_MASK:
        raise ValueError(f"consultation id {consultation_id} outside the listing key")
    seconds = max(0, int(published_at.timestamp()))
    return seconds << ID_BITS | consultation_id


def consultation_id(key):
    return key & ID_MASK


def slice_of(key):
    return key >> SLICE_BITS


def slice_token(number):
    return token("slice", number)


def token(kind, value):
    """A filter value as one index token: letters and digits, lower case."""
    text = "".join(char for char in str(value).lower() if char.isalnum())
    return f"{FACET_MARK}{kind}{text}"


def cpv_tokens(code):
    """A CPV code falls under each of its leading digits (its hierarchy)."""
    digits = code[:8]
    return [token("cpv", digits[:n]) for n in CPV_DIGITS]


def nuts_tokens(code):
    return [token("nuts", code[:n]) for n in NUTS_LENGTHS if n <= len(code)]


def here_or_platform(source_id):
    return token("platform", source_id if source_id else "here")


@dataclasses.dataclass(frozen=True)
class Models:
    """The models read and written, the current ones or a migration's."""

    consultation: type = Consultation
    text: type = ConsultationText
    lot: type = Lot
    entry: type = SearchEntry

    @classmethod
    def of(cls, apps=None):
        if apps is None:
            return cls()
        names = ["Consultation", "ConsultationText", "Lot", "SearchEntry"]
        return cls(*(apps.get_model("tenders", name) for name in names))


CURRENT = Models()


@dataclasses.dataclass
class Gathered:
    """What the entries of a batch are made of, read in a few queries."""

    texts: dict = dataclasses.field(default_factory=lambda: defaultdict(list))
    cpv: dict = dataclasses.field(default_factory=lambda: defaultdict(set))
    nuts: dict = dataclasses.field(default_factory=lambda: defaultdict(set))


def gather(ids, models):
    found = Gathered()
    for pk, title, description in models.text.objects.filter(
        consultation__in=ids
    ).values_list("consultation_id", "title", "description"):
        found.texts[pk].append(f"{title} {description}")
    for pk, code in models.consultation.extra_cpv.through.objects.filter(
        consultation__in=ids
    ).values_list("consultation_id", "cpvcode__code"):
        found.cpv[pk].add(code)
    for pk, code in models.lot.objects.filter(
        consultation__in=ids, main_cpv__isnull=False
    ).values_list("consultation_id", "main_cpv__code"):
        found.cpv[pk].add(code)
    for pk, code in models.consultation.nuts.through.objects.filter(
        consultation__in=ids
    ).values_list("consultation_id", "nutscode__code"):
        found.nuts[pk].add(code)
    return found


def entries(ids, models=CURRENT):
    """The entries of the public consultations among `ids`."""
    rows = models.consultation.objects.filter(pk__in=ids, state__in=PUBLIC_STATES)
    rows = list(
        rows.order_by("pk").values_list(
            "pk",
            "title",
            "description",
            "published_at",
            "created_at",
            "submission_deadline",
            "buyer_id",
            "procedure",
            "nature",
            "main_cpv__code",
            "followed__source_id",
        )
    )
    found = gather([row[0] for row in rows], models)
    made = []
    for row in rows:
        pk, title, description, published, created, deadline = row[:6]
        buyer, procedure, nature, main_cpv, source = row[6:]
        codes = found.cpv[pk] | ({main_cpv} if main_cpv else set())
        key = listing_key(pk, published or created)
        tokens = [
            slice_token(slice_of(key)),
            token("buyer", buyer),
            token("procedure", procedure),
            token("nature", nature),
            here_or_platform(source),
        ]
        for code in sorted(codes):
            tokens += cpv_tokens(code)
        for code in sorted(found.nuts[pk]):
            tokens += nuts_tokens(code)
        made.append(
            models.entry(
                consultation_id=pk,
                key=key,
                words="\n".join([f"{title} {description}", *found.texts[pk]]),
                facets=" ".join(dict.fromkeys(tokens)),
                deadline=deadline,
            )
        )
    return made


# The consultations whose entries wait for the end of a `batched()` block.
_waiting = contextvars.ContextVar("search_entries_waiting", default=None)


@contextlib.contextmanager
def batched():
    """Make each entry changed in the block once, at its end, not at every save.

    For writers that save a consultation, then its lots, texts and codes one by one
    (an import, a followed process). Nothing is made when the block fails.
    """
    if _waiting.get() is not None:
        yield
        return
    token = _waiting.set(set())
    try:
        yield
        waiting = _waiting.get()
    finally:
        _waiting.reset(token)
    refresh(waiting)


def refresh(ids):
    """Make the entries of these consultations again, or remove them."""
    ids = sorted({pk for pk in ids if pk is not None})
    if not ids:
        return
    waiting = _waiting.get()
    if waiting is not None:
        waiting.update(ids)
        return
    with transaction.atomic():
        for start in range(0, len(ids), BATCH_SIZE):
            batch = ids[start : start + BATCH_SIZE]
            SearchEntry.objects.filter(consultation__in=batch).delete()
            SearchEntry.objects.bulk_create(entries(batch))


def rebuild(apps=None):
    """Every entry again, from the consultations; returns how many there are."""
    models = Models.of(apps)
    with transaction.atomic():
        models.entry.objects.all().delete()
        public = models.consultation.objects.filter(state__in=PUBLIC_STATES)
        ids = list(public.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), BATCH_SIZE):
            batch = ids[start : start + BATCH_SIZE]
            models.entry.objects.bulk_create(entries(batch, models))
    return len(ids)


# Keeping the entries in step.


def deleted_with_its_consultation(origin):
    if isinstance(origin, Consultation):
        return True
    return isinstance(origin, QuerySet) and origin.model is Consultation


def consultation_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        refresh([instance.pk])


def part_changed(sender, instance, raw=False, origin=None, **kwargs):
    """A text, lot or followed process saved or deleted."""
    if raw or deleted_with_its_consultation(origin):
        return
    refresh([instance.consultation_id])


def codes_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """Additional CPV codes or NUTS codes added to or removed from consultations."""
    if reverse and action == "pre_clear":
        # Cleared from the code's side: its consultations are known only before.
        field = sender_code_field(sender)
        instance._search_cleared = list(
            sender.objects.filter(**{field: instance.pk}).values_list(
                "consultation_id", flat=True
            )
        )
    elif action in {"post_add", "post_remove", "post_clear"}:
        if not reverse:
            refresh([instance.pk])
        elif action == "post_clear":
            refresh(getattr(instance, "_search_cleared", []))
        else:
            refresh(pk_set or [])


def sender_code_field(through):
    return next(
        field.attname
        for field in through._meta.concrete_fields
        if field.is_relation and field.related_model is not Consultation
    )


def connect():
    from django.apps import apps
    from django.db.models import signals

    signals.post_save.connect(consultation_saved, sender=Consultation)
    followed = apps.get_model("exchange", "FollowedProcess")
    for model in (ConsultationText, Lot, followed):
        signals.post_save.connect(part_changed, sender=model)
        signals.post_delete.connect(part_changed, sender=model)
    for through in (Consultation.extra_cpv.through, Consultation.nuts.through):
        signals.m2m_changed.connect(codes_changed, sender=through)
