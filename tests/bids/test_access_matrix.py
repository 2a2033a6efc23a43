"""Who may do what with a bid, through the pages and through bids.access.

Roles × objects × actions. A bid deposited before the deadline is seen only by its
own business; once the deadline has passed the buyer's staff see the deposits, and
only the buyer's openers start the opening, open and read.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from mutualis.accounts.models import OrganisationKind, Role, User
from mutualis.bids import access
from mutualis.bids.actions import open_bids, start_opening
from mutualis.bids.models import BidState, OpeningAction
from tests.bids.factories import at, deposit, paris
from tests.factories import (
    BusinessFactory,
    BuyerFactory,
    ConsultationFactory,
    member,
)

pytestmark = pytest.mark.django_db

ROLES = [
    "buyer admin",
    "buyer agent",
    "opener",
    "other buyer's opener",
    "company admin",
    "bidder",
    "other business",
    "operator admin",
    "superuser",
    "anonymous",
]
OBJECTS = ["before deadline", "after, unopened", "after opening", "late bid"]
ACTIONS = ["list", "view receipt", "read file", "start opening", "open"]

DEPOSITORS = {"company admin", "bidder"}
BUYER_SIDE = {"buyer admin", "buyer agent", "opener"}
AFTER_DEADLINE = ["after, unopened", "after opening", "late bid"]
ALLOWED = {
    "list": {"before deadline": DEPOSITORS}
    | dict.fromkeys(AFTER_DEADLINE, DEPOSITORS | BUYER_SIDE),
    "view receipt": dict.fromkeys(OBJECTS, DEPOSITORS),
    "read file": {"after opening": {"opener"}},
    "start opening": {"after, unopened": {"opener"}, "late bid": {"opener"}},
    "open": {"after, unopened": {"opener"}},
}

DEPOSIT = paris(2027, 1, 10, 10)
LATE = paris(2027, 1, 15, 17, 30)
OPENING = paris(2027, 1, 16, 9)
NOW = paris(2027, 1, 20, 10)
CONTENT = b"%PDF-1.7 offre confidentielle"


@pytest.fixture
def people():
    buyer = BuyerFactory(name="Département de la Nièvre")
    business = BusinessFactory(name="Bâtiments du Morvan")
    users = {
        "buyer admin": member(buyer, Role.BUYER_ADMIN),
        "buyer agent": member(buyer, Role.BUYER_AGENT),
        "opener": member(buyer, Role.OPENER),
        "other buyer's opener": member(BuyerFactory(), Role.OPENER),
        "company admin": member(business, Role.COMPANY_ADMIN),
        "bidder": member(business, Role.BIDDER),
        "other business": member(BusinessFactory(), Role.COMPANY_ADMIN, Role.BIDDER),
        "operator admin": member(
            BuyerFactory(kind=OrganisationKind.OPERATOR), Role.OPERATOR_ADMIN
        ),
        "superuser": User.objects.create_superuser(
            "root@example.org", "pw", full_name="Root"
        ),
        "anonymous": AnonymousUser(),
    }
    return buyer, business, users


def make_bid(people, kind):
    """The bid `kind` names, with the clock left to the test."""
    buyer, business, users = people
    deadline = (
        paris(2027, 2, 15, 17) if kind == "before deadline" else paris(2027, 1, 15, 17)
    )
    consultation = ConsultationFactory(
        published=True, buyer=buyer, submission_deadline=deadline
    )
    when = LATE if kind == "late bid" else DEPOSIT
    bid = deposit(
        users["bidder"], business, consultation, files={"offre.pdf": CONTENT}, when=when
    )
    if kind == "after opening":
        with at(OPENING):
            start_opening(users["opener"], consultation)
            open_bids(users["opener"], consultation)
        bid.refresh_from_db()
    return bid


def begin_session(people, bid):
    """Open a session first where one can be, so that "open" is judged alone."""
    consultation = bid.consultation
    opener = people[2]["opener"]
    with at(OPENING):
        if access.can_start_opening(opener, consultation):
            start_opening(opener, consultation)


def cases():
    for action in ACTIONS:
        for kind in OBJECTS:
            for role in ROLES:
                allowed = role in ALLOWED[action].get(kind, set())
                yield pytest.param(
                    role, kind, action, allowed, id=f"{action}|{kind}|{role}"
                )


def client_for(client, user):
    if user.is_authenticated:
        client.force_login(user)
    return client


def urls(bid):
    pk = bid.consultation_id
    return {
        "business-bids": reverse("web:business-bids"),
        "opening": reverse("web:consultation-opening", args=[pk]),
        "receipt": reverse("web:bid-receipt", args=[bid.receipt_number]),
        "file": reverse("web:bid-file-download", args=[pk, bid.files.get().pk]),
        "start": reverse("web:opening-start", args=[pk]),
        "open": reverse("web:opening-open", args=[pk]),
    }


def through_the_pages(client, user, bid, action):
    """Whether `user` managed `action` on `bid`, judged by what they got back."""
    url = urls(bid)
    with at(NOW):
        client = client_for(client, user)
        if action == "list":
            pages = [client.get(url["business-bids"]), client.get(url["opening"])]
            return any(bid.receipt_number in page.text for page in pages)
        if action == "view receipt":
            page = client.get(url["receipt"])
            return page.status_code == 200 and bid.receipt_number in page.text
        if action == "read file":
            response = client.get(url["file"])
            if response.status_code != 200:
                assert CONTENT not in response.content
                return False
            return b"".join(response.streaming_content) == CONTENT
        if action == "start opening":
            sessions = bid.consultation.opening_events.filter(
                action=OpeningAction.SESSION_STARTED
            )
            before = sessions.count()
            client.post(url["start"])
            return sessions.count() == before + 1
        was = bid.state
        client.post(url["open"])
        bid.refresh_from_db()
        return bid.state == BidState.OPENED and was != BidState.OPENED


def through_access(user, bid, action):
    with at(NOW):
        if action == "list":
            return access.listable_bids(user).filter(pk=bid.pk).exists()
        if action == "view receipt":
            return access.can_view_receipt(user, bid)
        if action == "read file":
            return access.can_read_file(user, bid.files.get())
        if action == "start opening":
            return access.can_start_opening(user, bid.consultation)
        return access.can_open_bid(user, bid)


@pytest.mark.parametrize(("role", "kind", "action", "allowed"), list(cases()))
def test_the_pages_follow_the_matrix(client, people, role, kind, action, allowed):
    bid = make_bid(people, kind)
    if action == "open":
        begin_session(people, bid)

    done = through_the_pages(client, people[2][role], bid, action)

    assert done is allowed


@pytest.mark.parametrize(("role", "kind", "action", "allowed"), list(cases()))
def test_the_access_rules_follow_the_matrix(people, role, kind, action, allowed):
    bid = make_bid(people, kind)
    if action == "open":
        begin_session(people, bid)

    assert through_access(people[2][role], bid, action) is allowed
