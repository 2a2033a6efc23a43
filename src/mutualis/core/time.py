"""Instants and deadlines.

Instants are stored in UTC. A deadline is entered as a wall-clock time in the
consultation's time zone; "17:00" means 17:00:00.000 local, whatever the season.
"""

import datetime as dt
from zoneinfo import ZoneInfo, available_timezones

from django.utils import timezone
from django.utils.translation import gettext as _

DEFAULT_TIME_ZONE = "Europe/Paris"


class WallClockError(ValueError):
    """A local time that does not exist, or exists twice, in its time zone."""


def now():
    """The server's clock, in UTC; tests move it with time-machine."""
    return timezone.now()


def is_valid_time_zone(name):
    return name in available_timezones()


def to_utc(local, zone_name):
    """Turn a naive wall-clock datetime in `zone_name` into an aware UTC instant.

    A time skipped by a spring change (02:30 on the last Sunday of March in Paris)
    or repeated by an autumn change (02:30 on the last Sunday of October) is refused:
    a deadline must name one instant without doubt.
    """
    if local.tzinfo is not None:
        raise ValueError("to_utc takes a naive wall-clock time")
    zone = ZoneInfo(zone_name)
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    back = first.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None)
    if back != local:
        raise WallClockError(
            _(
                "%(time)s does not exist in %(zone)s (clocks go forward); choose another time."
            )
            % {"time": local.strftime("%Y-%m-%d %H:%M"), "zone": zone_name}
        )
    if first.utcoffset() != second.utcoffset():
        raise WallClockError(
            _(
                "%(time)s happens twice in %(zone)s (clocks go back); choose another time."
            )
            % {"time": local.strftime("%Y-%m-%d %H:%M"), "zone": zone_name}
        )
    return first.astimezone(dt.UTC)


def to_local(instant, zone_name):
    """An aware instant as an aware datetime in `zone_name`."""
    return instant.astimezone(ZoneInfo(zone_name))
