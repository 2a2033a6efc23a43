import pytest

from mutualis.accounts.models import Role
from tests.bids.factories import paris
from tests.factories import (
    BusinessFactory,
    BuyerFactory,
    ConsultationFactory,
    LotFactory,
    member,
)

WINTER_DEADLINE = paris(2027, 1, 15, 17, 0)


@pytest.fixture
def buyer():
    return BuyerFactory(name="Commune de Châtillon-sur-Seine")


@pytest.fixture
def business():
    return BusinessFactory(name="Société Générale d'Étanchéité Bourguignonne")


@pytest.fixture
def bidder(business):
    return member(
        business,
        Role.BIDDER,
        full_name="Hélène Bérard",
        email="helene.berard@example.org",
        language="en",
    )


@pytest.fixture
def opener(buyer):
    return member(buyer, Role.OPENER, full_name="Joël Ménard")


@pytest.fixture
def consultation(buyer):
    return ConsultationFactory(
        published=True,
        buyer=buyer,
        reference="2027-VOI-004",
        title="Réfection de la voirie communale",
        submission_deadline=WINTER_DEADLINE,
    )


@pytest.fixture
def lot(consultation):
    return LotFactory(
        consultation=consultation, number=2, title="Trottoirs et bordures"
    )
