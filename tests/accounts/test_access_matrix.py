"""Who may see an organisation's members, invite one, remove a role: every cell, by HTTP.

Outcomes: "ok" (done), "forbidden" (403: sees the organisation, may not manage it),
"hidden" (404: the organisation is not theirs to see), "login" (sent to log in).
"""

import pytest

from mutualis.accounts.models import Invitation, Membership, Role
from tests.accounts.factories import OperatorFactory
from tests.factories import BusinessFactory, BuyerFactory, UserFactory, member

pytestmark = pytest.mark.django_db

ROLES = [
    "buyer admin",
    "buyer agent",
    "opener",
    "company admin",
    "bidder",
    "operator admin",
    "support",
    "admin elsewhere",
    "no membership",
    "anonymous",
]
ACTIONS = ["view members", "invite member", "remove role"]

# (role, object) -> the outcome of view members, invite member, remove role.
EXPECTED = {
    ("buyer admin", "buyer"): ("ok", "ok", "ok"),
    ("buyer agent", "buyer"): ("ok", "forbidden", "forbidden"),
    ("opener", "buyer"): ("ok", "forbidden", "forbidden"),
    ("company admin", "buyer"): ("hidden", "hidden", "hidden"),
    ("bidder", "buyer"): ("hidden", "hidden", "hidden"),
    ("operator admin", "buyer"): ("ok", "forbidden", "forbidden"),
    ("support", "buyer"): ("ok", "forbidden", "forbidden"),
    ("admin elsewhere", "buyer"): ("hidden", "hidden", "hidden"),
    ("no membership", "buyer"): ("hidden", "hidden", "hidden"),
    ("anonymous", "buyer"): ("login", "login", "login"),
    ("buyer admin", "business"): ("hidden", "hidden", "hidden"),
    ("buyer agent", "business"): ("hidden", "hidden", "hidden"),
    ("opener", "business"): ("hidden", "hidden", "hidden"),
    ("company admin", "business"): ("ok", "ok", "ok"),
    ("bidder", "business"): ("ok", "forbidden", "forbidden"),
    ("operator admin", "business"): ("ok", "forbidden", "forbidden"),
    ("support", "business"): ("ok", "forbidden", "forbidden"),
    ("admin elsewhere", "business"): ("hidden", "hidden", "hidden"),
    ("no membership", "business"): ("hidden", "hidden", "hidden"),
    ("anonymous", "business"): ("login", "login", "login"),
}


@pytest.fixture
def world():
    buyer, business, operator = BuyerFactory(), BusinessFactory(), OperatorFactory()
    other_buyer, other_business = BuyerFactory(), BusinessFactory()
    elsewhere = member(other_buyer, Role.BUYER_ADMIN)
    Membership.objects.create(
        user=elsewhere, organisation=other_business, role=Role.COMPANY_ADMIN
    )
    # Each organisation keeps a second admin, so that any admin role may go.
    member(buyer, Role.BUYER_ADMIN)
    member(business, Role.COMPANY_ADMIN)
    people = {
        "buyer admin": member(buyer, Role.BUYER_ADMIN),
        "buyer agent": member(buyer, Role.BUYER_AGENT),
        "opener": member(buyer, Role.OPENER),
        "company admin": member(business, Role.COMPANY_ADMIN),
        "bidder": member(business, Role.BIDDER),
        "operator admin": member(operator, Role.OPERATOR_ADMIN),
        "support": member(operator, Role.SUPPORT),
        "admin elsewhere": elsewhere,
        "no membership": UserFactory(),
        "anonymous": None,
    }
    targets = {
        "buyer": member(buyer, Role.SIGNATORY, email="newcomer-role@example.org"),
        "business": member(business, Role.BIDDER, email="bidder-target@example.org"),
    }
    UserFactory(email="newcomer@example.org")
    return {"buyer": buyer, "business": business}, people, targets


def outcome(response, done):
    """Name what a user saw; `done` is where a completed change sends them."""
    if response.status_code == 302:
        if response["Location"].startswith("/login/"):
            return "login"
        assert response["Location"] == done
        return "ok"
    return {200: "ok", 403: "forbidden", 404: "hidden"}[response.status_code]


def act(client, action, organisation, target):
    members = f"/organisations/{organisation.pk}/members/"
    if action == "view members":
        return outcome(client.get(members), members)
    if action == "invite member":
        return invite(client, organisation, members)
    return remove(client, organisation, target, members)


def invite(client, organisation, members):
    role = Role.OPENER if organisation.is_buyer else Role.BIDDER
    response = client.post(members, {"email": "newcomer@example.org", "role": role})
    assert response.status_code != 200, "a refused form is no outcome of the matrix"
    invited = Invitation.objects.filter(
        organisation=organisation, email="newcomer@example.org"
    ).exists()
    seen = outcome(response, members)
    assert invited == (seen == "ok")
    # Whoever invites, nobody joins before accepting.
    assert not Membership.objects.filter(user__email="newcomer@example.org").exists()
    return seen


def remove(client, organisation, target, members):
    membership = Membership.objects.get(user=target)
    seen = outcome(client.post(f"{members}{membership.pk}/remove/"), members)
    removed = not Membership.objects.filter(pk=membership.pk).exists()
    assert removed == (seen == "ok")
    return seen


@pytest.mark.parametrize("kind", ["buyer", "business"])
@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(client, world, role, kind):
    organisations, people, targets = world
    if people[role] is not None:
        client.force_login(people[role])

    outcomes = tuple(
        act(client, action, organisations[kind], targets[kind]) for action in ACTIONS
    )

    assert outcomes == EXPECTED[(role, kind)]


def test_the_matrix_covers_every_role_and_object():
    assert set(EXPECTED) == {(r, k) for r in ROLES for k in ("buyer", "business")}


@pytest.mark.parametrize("role", ROLES)
def test_what_each_role_sees_of_a_buyers_members_page(client, world, role):
    organisations, people, _targets = world
    if people[role] is not None:
        client.force_login(people[role])

    response = client.get(f"/organisations/{organisations['buyer'].pk}/members/")

    manages = EXPECTED[(role, "buyer")][1] == "ok"
    shown = response.status_code == 200
    assert ("Invite a member" in response.content.decode()) == (shown and manages)
