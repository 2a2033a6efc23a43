import pytest

from mutualis.accounts.access import has_role
from mutualis.accounts.models import Role
from tests.factories import BuyerFactory, ConsultationFactory, member


@pytest.mark.django_db
def test_a_member_holds_the_roles_given_and_no_other():
    buyer = BuyerFactory()
    agent = member(buyer, Role.BUYER_AGENT)

    assert has_role(agent, buyer, Role.BUYER_AGENT)
    assert not has_role(agent, buyer, Role.OPENER)


@pytest.mark.django_db
def test_a_published_consultation_is_open_before_its_deadline():
    consultation = ConsultationFactory(published=True)

    assert consultation.get_phase_display() == "open for bids"
