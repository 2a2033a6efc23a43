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
    settings.MUTUALIS_LOGIN_ATTEMPTS_PER_ADDRESS = 6
    settings.MUTUALIS_LOGIN_WINDOW_SECONDS = 600
    settings.MUTUALIS_CLIENT_ADDRESS_HEADER = ""


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


def test_one_address_trying_many_e_mails_is_blocked_at_its_own_higher_limit():
    for number in range(5):
        fail_at(number, email=f"person{number}@example.org")
    assert blocked_at(5, email="someone-else@example.org") is None

    fail_at(5, email="person5@example.org")

    assert blocked_at(6, email="someone-else@example.org") == START + dt.timedelta(
        minutes=10
    )
    assert blocked_at(6, email="someone-else@example.org", address="192.0.2.9") is None


def test_one_e_mail_tried_from_many_addresses_blocks_none_of_them():
    for number, minute in enumerate((0, 1, 2)):
        fail_at(minute, address=f"198.51.100.{number}")

    assert blocked_at(3, address="198.51.100.0") is None
    assert blocked_at(3, address="203.0.113.7") is None


def test_failures_from_one_address_never_block_the_owner_elsewhere():
    fail_at(0, 1, 2, 3, 4, address="198.51.100.66")

    assert blocked_at(5, address="198.51.100.66") is not None
    assert blocked_at(5, address="203.0.113.7") is None


def test_a_success_clears_the_pair_but_not_the_address():
    fail_at(0, 1, 2, email="a@example.org")
    fail_at(3, 4, 5, email="b@example.org")

    ratelimit.clear("a@example.org", ADDRESS)

    assert blocked_at(6, email="a@example.org") == START + dt.timedelta(minutes=10)
    assert blocked_at(10, email="a@example.org") is None
    assert blocked_at(10, email="b@example.org") is not None


def test_the_e_mail_counts_whatever_its_case():
    fail_at(0, 1, 2, email="Claire@Example.ORG", address="")

    assert blocked_at(3, address="") is not None


class Request:
    def __init__(self, **meta):
        self.META = meta


def test_the_client_address_is_remote_addr_unless_a_header_is_named():
    request = Request(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.1")

    assert ratelimit.client_address(request) == "10.0.0.1"


def test_the_client_address_is_the_right_most_one_the_proxy_appended(settings):
    settings.MUTUALIS_CLIENT_ADDRESS_HEADER = "HTTP_X_FORWARDED_FOR"
    forged = Request(
        REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5, 192.0.2.1 "
    )

    assert ratelimit.client_address(forged) == "192.0.2.1"
    assert ratelimit.client_address(Request(REMOTE_ADDR="10.0.0.1")) == "10.0.0.1"
