"""The audit journal: every state change appends one entry, inside its transaction."""

from mutualis.core.models import JournalEntry
from mutualis.core.time import now


def record(action, *, actor=None, obj=None, at=None, **data):
    """Append `action` on `obj` by `actor` to the journal and return the entry."""
    if actor is not None and not actor.is_authenticated:
        actor = None
    return JournalEntry.objects.create(
        at=at or now(),
        actor=actor,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        data=data,
    )


def entries_for(obj):
    return JournalEntry.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    )
