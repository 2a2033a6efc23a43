"""Who may ask, see, answer and read the questions, for every role and state."""

import datetime as dt

import pytest

from mutualis.accounts.models import Membership, Role
from mutualis.core.time import now
from mutualis.questions import access
from mutualis.tenders.models import State
from tests.factories import ConsultationFactory
from tests.tenders.test_access_matrix import ROLES, make_user

pytestmark = pytest.mark.django_db

STAFF = {"buyer admin", "buyer agent"}
BUSINESS = {"company admin", "bidder"}
EVERYONE = set(ROLES)

STATES = ["draft", "open", "questions closed", "closed", "opened", "cancelled"]
ACTIONS = ["ask", "see_questions", "answer", "read_answers"]

EXPECTED = {
    **{("ask", state): set() for state in STATES},
    ("ask", "open"): BUSINESS,
    **{("see_questions", state): STAFF for state in STATES},
    **{("answer", state): set() for state in STATES},
    ("answer", "open"): STAFF,
    ("answer", "questions closed"): STAFF,
    **{("read_answers", state): EVERYONE for state in STATES},
    ("read_answers", "draft"): STAFF,
    ("read_answers", "cancelled"): STAFF,
}


def make_consultation(kind):
    past, future = now() - dt.timedelta(days=1), now() + dt.timedelta(days=30)
    state, questions, submission = {
        "draft": (State.DRAFT, future - dt.timedelta(days=5), future),
        "open": (State.PUBLISHED, future - dt.timedelta(days=5), future),
        "questions closed": (State.PUBLISHED, past, future),
        "closed": (State.PUBLISHED, past - dt.timedelta(days=5), past),
        "opened": (State.OPENED, past - dt.timedelta(days=5), past),
        "cancelled": (State.CANCELLED, future - dt.timedelta(days=5), future),
    }[kind]
    return ConsultationFactory(
        state=state, questions_deadline=questions, submission_deadline=submission
    )


def test_the_matrix_covers_every_action_and_state():
    assert set(EXPECTED) == {(a, s) for a in ACTIONS for s in STATES}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
def test_access(role, state):
    consultation = make_consultation(state)
    user = make_user(role, consultation.buyer)

    allowed = {a for a in ACTIONS if access.allowed(user, consultation, a)}

    assert allowed == {a for a in ACTIONS if role in EXPECTED[(a, state)]}


def test_a_business_member_who_also_works_for_the_buyer_may_not_ask():
    consultation = make_consultation("open")
    user = make_user("bidder", consultation.buyer)
    Membership.objects.create(
        user=user, organisation=consultation.buyer, role=Role.OPENER
    )

    assert access.ask_refusal(user, consultation) == (
        "The buyer's own staff do not ask questions on its consultations."
    )


def test_without_a_deadline_for_questions_they_close_with_the_bids():
    consultation = make_consultation("open")
    consultation.questions_deadline = None
    user = make_user("bidder", consultation.buyer)
    deadline = consultation.submission_deadline

    assert access.can_ask(user, consultation, at=deadline)
    assert not access.can_ask(user, consultation, at=deadline + dt.timedelta(seconds=1))
