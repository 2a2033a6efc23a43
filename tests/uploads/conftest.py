# The bids fixtures, passed in by name.
# ruff: noqa: F811
import pytest

from tests.bids.conftest import (  # noqa: F401
    bidder,
    business,
    buyer,
    consultation,
    lot,
)
from tests.uploads.sealed import seal_commission


@pytest.fixture
def sealed(consultation):
    """The consultation, with an opening commission of one key."""
    seal_commission(consultation)
    return consultation
