import pytest

from mutualis.accounts.models import Role
from tests.factories import BusinessFactory, BuyerFactory, member
from tests.tenders.factories import winter_morning

__all__ = ["winter_morning"]


@pytest.fixture(autouse=True)
def _frozen_clock(winter_morning):
    return winter_morning


@pytest.fixture
def buyer():
    return BuyerFactory(name="Commune de Châtillon-sur-Seine")


@pytest.fixture
def business():
    return BusinessFactory(name="Société Générale d'Étanchéité Bourguignonne")


@pytest.fixture
def owner(business):
    return member(
        business,
        Role.BIDDER,
        full_name="Hélène Bérard",
        email="helene.berard@example.org",
        language="en",
    )
