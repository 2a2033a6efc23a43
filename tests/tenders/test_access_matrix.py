"""Who may do what on a consultation, for every role and phase."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser

from mutualis.accounts.models import Organisation, OrganisationKind, Role
from mutualis.core.time import now
from mutualis.tenders import access
from mutualis.tenders.models import State
from tests.factories import (
    BusinessFactory,
    BuyerFactory,
    ConsultationFactory,
    UserFactory,
    member,
)

pytestmark = pytest.mark.django_db

ROLES = [
    "buyer admin",
    "buyer agent",
    "opener",
    "signatory",
    "company admin",
    "bidder",
    "another buyer's agent",
    "operator admin",
    "anonymous",
    "no membership",
]
STAFF = {"buyer admin", "buyer agent"}
EVERYONE = set(ROLES)
NOBODY = set()

OBJECTS = ["draft", "open", "closed", "opened"]
ACTIONS = ["view", "edit", "add_document", "publish", "download_register"]

EXPECTED = {
    ("view", "draft"): STAFF,
    ("view", "open"): EVERYONE,
    ("view", "closed"): EVERYONE,
    ("view", "opened"): EVERYONE,
    **{(action, "draft"): STAFF for action in ("edit", "add_document", "publish")},
    **{
        (action, phase): NOBODY
        for action in ("edit", "add_document", "publish")
        for phase in ("open", "closed", "opened")
    },
    **{("download_register", phase): STAFF for phase in OBJECTS},
}


def make_consultation(kind):
    past, future = now() - dt.timedelta(days=1), now() + dt.timedelta(days=30)
    fields = {
        "draft": {"state": State.DRAFT},
        "open": {"state": State.PUBLISHED, "submission_deadline": future},
        "closed": {"state": State.PUBLISHED, "submission_deadline": past},
        "opened": {"state": State.OPENED, "submission_deadline": past},
    }[kind]
    return ConsultationFactory(questions_deadline=past - dt.timedelta(days=1), **fields)


def make_user(role, buyer):
    roles = {
        "buyer admin": (buyer, Role.BUYER_ADMIN),
        "buyer agent": (buyer, Role.BUYER_AGENT),
        "opener": (buyer, Role.OPENER),
        "signatory": (buyer, Role.SIGNATORY),
        "company admin": (BusinessFactory(), Role.COMPANY_ADMIN),
        "bidder": (BusinessFactory(), Role.BIDDER),
        "another buyer's agent": (BuyerFactory(), Role.BUYER_AGENT),
        "operator admin": (
            Organisation.objects.create(kind=OrganisationKind.OPERATOR, name="GIP"),
            Role.OPERATOR_ADMIN,
        ),
    }
    if role == "anonymous":
        return AnonymousUser()
    if role == "no membership":
        return UserFactory()
    return member(*roles[role])


def test_the_matrix_covers_every_action_and_object():
    assert set(EXPECTED) == {(a, o) for a in ACTIONS for o in OBJECTS}


@pytest.mark.parametrize("kind", OBJECTS)
@pytest.mark.parametrize("role", ROLES)
def test_access(role, kind):
    consultation = make_consultation(kind)
    user = make_user(role, consultation.buyer)

    allowed = {
        action for action in ACTIONS if access.allowed(user, consultation, action)
    }

    assert allowed == {a for a in ACTIONS if role in EXPECTED[(a, kind)]}


@pytest.mark.parametrize("role", ROLES)
def test_drafts_are_listed_only_for_the_buyers_staff(role):
    draft = make_consultation("draft")
    public = make_consultation("open")
    user = make_user(role, draft.buyer)

    visible = set(access.visible_consultations(user))

    assert visible == ({draft, public} if role in STAFF else {public})
