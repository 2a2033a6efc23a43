import datetime as dt

import pytest

from mutualis.core.time import WallClockError, to_local, to_utc


def test_seventeen_hundred_in_winter_is_sixteen_utc():
    instant = to_utc(dt.datetime(2027, 1, 15, 17, 0), "Europe/Paris")

    assert instant == dt.datetime(2027, 1, 15, 16, 0, tzinfo=dt.UTC)


def test_seventeen_hundred_in_summer_is_fifteen_utc():
    instant = to_utc(dt.datetime(2027, 7, 15, 17, 0), "Europe/Paris")

    assert instant == dt.datetime(2027, 7, 15, 15, 0, tzinfo=dt.UTC)


def test_a_period_across_the_spring_change_keeps_its_wall_clock():
    before = to_utc(dt.datetime(2027, 3, 27, 17, 0), "Europe/Paris")
    after = to_utc(dt.datetime(2027, 3, 28, 17, 0), "Europe/Paris")

    assert after - before == dt.timedelta(hours=23)
    assert to_local(after, "Europe/Paris").hour == 17


def test_a_skipped_time_is_refused():
    with pytest.raises(WallClockError, match="does not exist"):
        to_utc(dt.datetime(2027, 3, 28, 2, 30), "Europe/Paris")


def test_a_repeated_time_is_refused():
    with pytest.raises(WallClockError, match="twice"):
        to_utc(dt.datetime(2027, 10, 31, 2, 30), "Europe/Paris")
