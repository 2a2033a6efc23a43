"""Opaque page cursors: a moment and some integers, in URL-safe base64 JSON.

The feeds and the API continue a list strictly after the last item a reader
was given; the cursor names that item by its sort key. It is opaque to readers
and checked on the way back: a cursor that is not one of ours is refused.
"""

import base64
import binascii
import datetime as dt
import json


class BadCursor(ValueError):
    pass


def encode(moment, *numbers):
    raw = json.dumps([moment.isoformat(), *numbers], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor, count):
    """(moment, *numbers) of `cursor`, which must hold `count` integers."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        moment, *numbers = json.loads(base64.urlsafe_b64decode(padded))
        moment = dt.datetime.fromisoformat(moment)
    except (ValueError, TypeError, binascii.Error) as error:
        raise BadCursor(cursor) from error
    whole = all(isinstance(n, int) and not isinstance(n, bool) for n in numbers)
    if moment.tzinfo is None or len(numbers) != count or not whole:
        raise BadCursor(cursor)
    return (moment, *numbers)
