"""Who manages the trust store: a matrix of roles."""

import pytest
from django.contrib.auth.models import AnonymousUser

from mutualis.accounts.models import Organisation, OrganisationKind, Role
from mutualis.trust.access import can_manage_trust
from tests.factories import BusinessFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def member(role, organisation):
    return MembershipFactory(role=role, organisation=organisation).user


def operator_organisation():
    return Organisation.objects.create(kind=OrganisationKind.OPERATOR, name="Op")


PEOPLE = {
    "anonymous": lambda: AnonymousUser(),
    "plain user": lambda: UserFactory(),
    "buyer agent": lambda: MembershipFactory(role=Role.BUYER_AGENT).user,
    "buyer admin": lambda: MembershipFactory(role=Role.BUYER_ADMIN).user,
    "bidder": lambda: member(Role.BIDDER, BusinessFactory()),
    "operator support": lambda: member(Role.SUPPORT, operator_organisation()),
    "operator admin": lambda: member(Role.OPERATOR_ADMIN, operator_organisation()),
    "inactive staff": lambda: UserFactory(is_staff=True, is_active=False),
    "staff": lambda: UserFactory(is_staff=True),
    "superuser": lambda: UserFactory(is_superuser=True),
}
# The operator's admins run the platform; its support staff help users only.
ALLOWED = {"operator admin", "staff", "superuser"}


@pytest.mark.parametrize("who", sorted(PEOPLE))
def test_only_the_platform_s_administrators_manage_trust(who):
    assert can_manage_trust(PEOPLE[who]()) is (who in ALLOWED)
