"""A buyer's own staff may not bid on its consultations, whatever business they serve.

Roles in the buyer × roles in the depositing business: the refusal comes from
bids.access.deposit_refusal, which both the pages and the deposit action ask.
"""

import pytest
from django.core.exceptions import PermissionDenied

from mutualis.accounts.models import Membership, Role
from mutualis.bids import access
from mutualis.bids.models import Bid
from tests.bids.factories import deposit
from tests.factories import BusinessFactory, BuyerFactory, ConsultationFactory, member

pytestmark = pytest.mark.django_db

CONFLICT = (
    "You hold a role in the buyer of this consultation: its own staff may not bid "
    "on it."
)
BUYER_ROLES = [Role.BUYER_ADMIN, Role.BUYER_AGENT, Role.OPENER, Role.SIGNATORY]
BUSINESS_ROLES = [Role.COMPANY_ADMIN, Role.BIDDER]


@pytest.fixture
def world():
    buyer = BuyerFactory(name="Ville de Dijon")
    business = BusinessFactory(name="Menuiserie Martin")
    consultation = ConsultationFactory(published=True, buyer=buyer)
    return buyer, business, consultation


def serving_both(buyer, buyer_role, business, business_role):
    user = member(buyer, buyer_role)
    Membership.objects.create(user=user, organisation=business, role=business_role)
    return user


@pytest.mark.parametrize("business_role", BUSINESS_ROLES)
@pytest.mark.parametrize("buyer_role", BUYER_ROLES)
def test_any_role_in_the_buyer_refuses_the_deposit(world, buyer_role, business_role):
    buyer, business, consultation = world
    user = serving_both(buyer, buyer_role, business, business_role)

    assert access.deposit_refusal(user, business, consultation) == CONFLICT


def test_the_deposit_action_refuses_and_keeps_nothing(world):
    buyer, business, consultation = world
    user = serving_both(buyer, Role.OPENER, business, Role.BIDDER)

    with pytest.raises(PermissionDenied) as refused:
        deposit(user, business, consultation)

    assert str(refused.value) == CONFLICT
    assert not Bid.objects.exists()


@pytest.mark.parametrize("business_role", BUSINESS_ROLES)
def test_a_bidder_without_role_in_the_buyer_may_deposit(world, business_role):
    _buyer, business, consultation = world
    user = member(business, business_role)

    assert access.deposit_refusal(user, business, consultation) is None


def test_the_staff_of_another_buyer_may_deposit(world):
    _buyer, business, consultation = world
    user = serving_both(BuyerFactory(), Role.BUYER_ADMIN, business, Role.BIDDER)

    assert access.deposit_refusal(user, business, consultation) is None


def test_a_colleague_of_the_buyers_staff_may_deposit_for_their_business(world):
    buyer, business, consultation = world
    serving_both(buyer, Role.BUYER_AGENT, business, Role.BIDDER)
    colleague = member(business, Role.BIDDER)

    assert access.deposit_refusal(colleague, business, consultation) is None


def test_not_being_staff_of_the_business_is_still_said_first(world):
    buyer, business, consultation = world
    agent = member(buyer, Role.BUYER_AGENT)

    assert access.deposit_refusal(agent, business, consultation) == (
        "Only a company admin or a bidder of a business may deposit a bid for it."
    )
