import pytest

from mutualis.accounts.models import Role
from tests.factories import BusinessFactory, BuyerFactory, ConsultationFactory, member
from tests.tenders.factories import fast_passwords, winter_morning

__all__ = ["fast_passwords", "winter_morning"]


@pytest.fixture(autouse=True)
def _frozen_clock(winter_morning, fast_passwords):
    return winter_morning


@pytest.fixture
def buyer():
    return BuyerFactory(name="Commune de Châtillon-sur-Seine")


@pytest.fixture
def agent(buyer):
    return member(buyer, Role.BUYER_AGENT, full_name="Agnès Roux", language="fr")


@pytest.fixture
def business():
    return BusinessFactory(name="Étanchéité Bourguignonne SARL")


@pytest.fixture
def asker(business):
    return member(
        business,
        Role.BIDDER,
        full_name="Hélène Bérard",
        email="helene.berard@example.org",
        language="en",
    )


@pytest.fixture
def consultation(buyer):
    return ConsultationFactory(
        published=True,
        buyer=buyer,
        reference="2027-VOI-004",
        title="Réfection de la voirie communale",
    )
