"""The people and the consultation every Annex IV module works with."""

import pytest

from mutualis.accounts.models import Organisation, OrganisationKind, Role
from tests.bids.factories import paris
from tests.factories import (
    BusinessFactory,
    BuyerFactory,
    ConsultationFactory,
    UserFactory,
    member,
)

DEADLINE = paris(2027, 1, 15, 17, 0)


@pytest.fixture
def buyer():
    return BuyerFactory(name="Commune de Beaune")


@pytest.fixture
def business():
    return BusinessFactory(name="Menuiserie Ébrard")


@pytest.fixture
def consultation(buyer):
    return ConsultationFactory(
        published=True,
        buyer=buyer,
        reference="2027-MEN-012",
        title="Menuiseries de l'école",
        submission_deadline=DEADLINE,
    )


@pytest.fixture
def people(buyer, business):
    """One person per way of standing towards the consultation's bids."""
    rival = BusinessFactory(name="Concurrent SAS")
    operator = Organisation.objects.create(
        kind=OrganisationKind.OPERATOR, name="Mutualis GIP"
    )
    other_buyer = BuyerFactory(name="Commune voisine")
    return {
        "bidder": member(business, Role.BIDDER, language="en"),
        "company admin": member(business, Role.COMPANY_ADMIN, language="en"),
        "rival bidder": member(rival, Role.BIDDER, language="en"),
        "buyer admin": member(buyer, Role.BUYER_ADMIN, language="en"),
        "buyer agent": member(buyer, Role.BUYER_AGENT, language="en"),
        "opener": member(buyer, Role.OPENER, language="en"),
        "other buyer's opener": member(
            other_buyer, Role.OPENER, Role.BUYER_ADMIN, language="en"
        ),
        "operator admin": member(operator, Role.OPERATOR_ADMIN, language="en"),
        "superuser": UserFactory(is_superuser=True, is_staff=True, language="en"),
    }


def everyone_but(people, *names):
    return [person for name, person in people.items() if name not in names]
