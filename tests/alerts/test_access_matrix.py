"""Who may do what with an alert, for every kind of user, in the rules and on the pages."""

import pytest
from django.contrib.auth.models import AnonymousUser

from mutualis.accounts.models import Organisation, OrganisationKind, Role
from mutualis.alerts import access
from mutualis.alerts.models import Alert
from tests.alerts.factories import alert
from tests.factories import BusinessFactory, BuyerFactory, UserFactory, member

pytestmark = pytest.mark.django_db

ROLES = [
    "owner",
    "colleague",
    "company admin",
    "another business's bidder",
    "buyer agent",
    "operator admin",
    "no membership",
    "anonymous",
]
BUSINESS_PEOPLE = {"owner", "colleague", "company admin", "another business's bidder"}
ACTIONS = ["view", "edit", "delete"]
EXPECTED = {
    **{action: {"owner"} for action in ACTIONS},
    "create": BUSINESS_PEOPLE,
}


def make_user(role, owner, business):
    roles = {
        "colleague": (business, Role.BIDDER),
        "company admin": (business, Role.COMPANY_ADMIN),
        "another business's bidder": (BusinessFactory(), Role.BIDDER),
        "buyer agent": (BuyerFactory(), Role.BUYER_AGENT),
        "operator admin": (
            Organisation.objects.create(kind=OrganisationKind.OPERATOR, name="GIP"),
            Role.OPERATOR_ADMIN,
        ),
    }
    if role == "owner":
        return owner
    if role == "anonymous":
        return AnonymousUser()
    if role == "no membership":
        return UserFactory()
    return member(*roles[role])


def test_the_matrix_covers_every_action():
    assert set(EXPECTED) == {*ACTIONS, "create"} == {*access.CHECKS, "create"}


@pytest.mark.parametrize("role", ROLES)
def test_access(role, owner, business):
    saved = alert(owner)
    user = make_user(role, owner, business)

    allowed = {action for action in ACTIONS if access.allowed(user, saved, action)}
    if access.can_create(user):
        allowed.add("create")

    assert allowed == {action for action, roles in EXPECTED.items() if role in roles}


@pytest.mark.parametrize("role", ROLES)
def test_the_pages_follow_the_rules(client, role, owner, business):
    saved = alert(owner)
    user = make_user(role, owner, business)
    if user.is_authenticated:
        client.force_login(user)

    statuses = {
        "list": client.get("/business/alerts/").status_code,
        "create": client.get("/business/alerts/new/").status_code,
        "edit": client.get(f"/business/alerts/{saved.pk}/edit/").status_code,
        "delete": client.get(f"/business/alerts/{saved.pk}/delete/").status_code,
        "delete (POST)": client.post(
            f"/business/alerts/{saved.pk}/delete/"
        ).status_code,
    }

    if role == "anonymous":
        assert set(statuses.values()) == {302}
    else:
        mine = role == "owner"
        assert statuses == {
            "list": 200,
            "create": 200 if role in BUSINESS_PEOPLE else 403,
            "edit": 200 if mine else 404,
            "delete": 200 if mine else 404,
            "delete (POST)": 302 if mine else 404,
        }
    assert Alert.objects.filter(pk=saved.pk).exists() is (role != "owner")


@pytest.mark.parametrize("role", [role for role in ROLES if role != "anonymous"])
def test_the_list_shows_only_one_s_own_alerts(client, role, owner, business):
    alert(owner, name="Hélène's roads")
    client.force_login(make_user(role, owner, business))

    page = client.get("/business/alerts/").content.decode()

    assert ("Hélène&#x27;s roads" in page) is (role == "owner")
