import datetime as dt

import pytest
import time_machine

from mutualis.accounts import ratelimit

START = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
EMAIL, ADDRESS = "claire@example.org", "192.0.2.1"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _three_attempts_in_ten_minutes(settings):
    settings.MUTUALIS_LOGIN_ATTEMPTS = 3
    settings.MUTUALIS_LOGIN_WINDOW_SECONDS = 600


def fail_at(*minutes, email=EMAIL, address=ADDRESS):
    for minute in minutes:
        with time_machine.travel(START + dt.timedelta(minutes=minute), tick=False):
            ratelimit.record_failure(email, address)


def blocked_at(minute, email=EMAIL, address=ADDRESS):
    with time_machine.travel(START + dt.timedelta(minutes=minute), tick=False):
        return ratelimit.blocked_until(email, address)


def test_failures_below_the_limit_leave_the_door_open():
    fail_at(0, 1)

    assert blocked_at(2) is None


def test_the_limit_reached_blocks_until_the_first_failure_leaves_the_window():
    fail_at(0, 1, 2)

    assert blocked_at(3) == START + dt.timedelta(minutes=10)
    assert blocked_at(9.9) == START + dt.timedelta(minutes=10)
    assert blocked_at(10) is None


def test_failures_spread_wider_than_the_window_never_block():
    fail_at(0, 6, 12, 18)

    assert blocked_at(19) is None


def test_one_address_trying_many_e_mails_is_blocked_for_all_of_them():
    for number, minute in enumerate((0, 1, 2)):
        fail_at(minute, email=f"person{number}@example.org")

    assert blocked_at(3, email="someone-else@example.org") is not None
    assert blocked_at(3, email="someone-else@example.org", address="192.0.2.9") is None


def test_one_e_mail_tried_from_many_addresses_is_blocked_everywhere():
    for number, minute in enumerate((0, 1, 2)):
        fail_at(minute, address=f"198.51.100.{number}")

    assert blocked_at(3, address="203.0.113.7") is not None


def test_a_success_clears_the_e_mail_but_not_the_address():
    fail_at(0, 1, 2)

    ratelimit.clear(EMAIL)

    assert blocked_at(3, address="203.0.113.7") is None
    assert blocked_at(3) is not None


def test_the_e_mail_counts_whatever_its_case():
    fail_at(0, 1, 2, email="Claire@Example.ORG", address="")

    assert blocked_at(3, address="") is not None
