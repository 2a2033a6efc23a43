"""The feed of every public release, oldest first, in pages behind a cursor.

Releases are ordered by (date, consultation, kind, number), a total order; a page
continues strictly after the last release the previous page gave, so releases
published between two requests are neither skipped nor given twice: they sort
after every release already given.
"""

from django.db.models import F, IntegerField, Q, Value

from mutualis.core import cursors
from mutualis.exchange import ocds
from mutualis.tenders.models import Amendment, Consultation, State

# Publications, amendments and cancellations take their instant under the journal's
# lock (core.journal.hold), so instants follow commit order and a page never passes
# one that commits later. TODO(ocds-feed): a consultation imported from an older
# notice keeps that notice's date and sorts before a harvester's cursor; an import
# sequence (the instant it entered) would place it; until then it is ordered by
# date as published.
PAGE_SIZE = 100
ONE = Value(1, output_field=IntegerField())


def encode_cursor(event):
    return cursors.encode(event.at, event.cid, event.kind, event.number)


def decode_cursor(cursor):
    return ocds.Event(*cursors.decode(cursor, 3))


def page(after=None, size=None):
    """Up to `size` events after the event `after`, and whether more follow."""
    size = size or PAGE_SIZE
    found = [ocds.Event(*row) for row in event_rows(after)[: size + 1]]
    return found[:size], len(found) > size


def event_rows(after):
    public = ocds.public_consultations()
    parts = [
        annotated(public, "published_at", "pk", ocds.TENDER, ONE),
        annotated(
            Amendment.objects.filter(consultation__in=public),
            "published_at",
            "consultation_id",
            ocds.AMENDMENT,
            F("number"),
        ),
        # Award and cancellation dates as ocds.award_date and cancellation_date.
        annotated(
            public.filter(state=State.AWARDED, awarded_at__isnull=False),
            "awarded_at",
            "pk",
            ocds.AWARD,
            ONE,
        ),
        annotated(
            public.filter(state=State.AWARDED, awarded_at__isnull=True),
            "updated_at",
            "pk",
            ocds.AWARD,
            ONE,
        ),
        annotated(
            public.filter(state=State.CANCELLED),
            "updated_at",
            "pk",
            ocds.CANCELLATION,
            ONE,
        ),
    ]
    if after is not None:
        parts = [part.filter(later_than(after)) for part in parts]
    first, *rest = parts
    return first.union(*rest, all=True).order_by("ev_at", "ev_cid", "ev_kind", "ev_n")


def annotated(queryset, date_field, consultation_field, kind, number):
    return (
        queryset.order_by()
        .annotate(
            ev_at=F(date_field),
            ev_cid=F(consultation_field),
            ev_kind=Value(kind, output_field=IntegerField()),
            ev_n=number,
        )
        .values_list("ev_at", "ev_cid", "ev_kind", "ev_n")
    )


def later_than(event):
    return (
        Q(ev_at__gt=event.at)
        | Q(ev_at=event.at, ev_cid__gt=event.cid)
        | Q(ev_at=event.at, ev_cid=event.cid, ev_kind__gt=event.kind)
        | Q(
            ev_at=event.at,
            ev_cid=event.cid,
            ev_kind=event.kind,
            ev_n__gt=event.number,
        )
    )


def releases_of(events):
    """The releases of `events`, in their order, reading each consultation once."""
    wanted = {event.cid for event in events}
    consultations = ocds.with_everything(Consultation.objects).in_bulk(wanted)
    contexts = {pk: ocds.Context(c) for pk, c in consultations.items()}
    return [
        ocds.build_release(consultations[e.cid], e, contexts[e.cid]) for e in events
    ]
