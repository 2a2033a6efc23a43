"""Keyset cursors for the API's lists: opaque to readers, stable under writes.

A list is ordered by (publication time, id). A cursor names the last item a
reader has seen; the next page holds what comes after it in that order, so an
item published meanwhile comes at the end instead of shifting the pages, and
none is seen twice or skipped because others were added.
"""

import base64
import binascii
import datetime as dt
import json

from django.db.models import Q


class BadCursor(ValueError):
    pass


def encode(moment, pk):
    raw = json.dumps([moment.isoformat(), pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor):
    """(moment, pk) of `cursor`; BadCursor if it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        moment, pk = json.loads(raw)
        moment = dt.datetime.fromisoformat(moment)
        if moment.tzinfo is None or not isinstance(pk, int) or isinstance(pk, bool):
            raise ValueError("not a cursor")
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as error:
        raise BadCursor(cursor) from error
    return moment, pk


def after(queryset, cursor, field="published_at"):
    """The items of `queryset` after `cursor`, in the cursor's order."""
    queryset = queryset.order_by(field, "pk")
    if cursor is None:
        return queryset
    moment, pk = decode(cursor)
    return queryset.filter(
        Q(**{f"{field}__gt": moment}) | Q(**{field: moment, "pk__gt": pk})
    )
