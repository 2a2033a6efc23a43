import pytest

from tests.tenders.factories import winter_morning

__all__ = ["winter_morning"]


@pytest.fixture(autouse=True)
def _frozen_clock(winter_morning):
    return winter_morning
