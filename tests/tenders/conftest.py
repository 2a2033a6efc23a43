import pytest

from tests.tenders.factories import fast_passwords, winter_morning

__all__ = ["fast_passwords", "winter_morning"]


@pytest.fixture(autouse=True)
def _frozen_clock(winter_morning, fast_passwords):
    return winter_morning
