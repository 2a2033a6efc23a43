"""Amendments: a new DCE version and moved deadlines, their rules, journal, mails,
and the bids deposited before them."""

import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from mutualis.accounts.models import Role
from mutualis.bids.models import BidState
from mutualis.core.models import JournalEntry, OutgoingMail
from mutualis.core.time import now
from mutualis.tenders import actions
from mutualis.tenders.amendments import (
    AmendmentRefused,
    can_amend,
    publish_amendment,
    queue_amendment_mails,
)
from mutualis.tenders.models import Procedure, State
from tests.bids.factories import deposit, paris
from tests.factories import BusinessFactory, BuyerFactory, member
from tests.tenders.factories import agent_of, published, ready_draft, upload
from tests.tenders.test_access_matrix import ROLES, make_consultation, make_user

pytestmark = pytest.mark.django_db

RC = "Règlement de consultation.pdf"
REASON = "Erreur sur l'épaisseur de la couche de roulement (article 4.2 du CCTP)."


def amend(agent, consultation, **changes):
    changes.setdefault("reason", REASON)
    return publish_amendment(agent, consultation, **changes)


def days(n):
    return now() + dt.timedelta(days=n)


def stored_dce(settings):
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"]) / "dce"
    return sorted(p.name for p in root.rglob("*") if p.is_file())


def test_a_new_version_replaces_a_file_and_keeps_the_previous_one():
    consultation, agent = published()
    old = consultation.documents.get()

    amendment = amend(
        agent, consultation, uploads=[upload(RC, b"%PDF-1.7 rc v2"), upload("Plan.pdf")]
    )

    assert (amendment.number, amendment.dce_version) == (1, 2)
    assert amendment.documents_replaced == [RC]
    assert amendment.documents_added == ["Plan.pdf"]
    current = {d.name: d.size for d in consultation.documents.all()}
    assert current == {RC: len(b"%PDF-1.7 rc v2"), "Plan.pdf": len(b"%PDF-1.7 rc")}
    (previous,) = consultation.previous_documents.all()
    assert (previous.name, previous.version, previous.sha256) == (
        RC,
        1,
        old.sha256,
    )
    assert previous.superseded_by == amendment
    with previous.file.open("rb") as stored:
        assert stored.read() == b"%PDF-1.7 rc"


def test_each_amendment_counts_and_each_new_dce_gets_the_next_version():
    consultation, agent = published()

    first = amend(agent, consultation, uploads=[upload(RC, b"v2")])
    second = amend(agent, consultation, submission_deadline=days(40))
    third = amend(agent, consultation, uploads=[upload(RC, b"v3")])

    assert [(a.number, a.dce_version) for a in (first, second, third)] == [
        (1, 2),
        (2, None),
        (3, 3),
    ]
    assert list(consultation.previous_documents.values_list("version", flat=True)) == [
        2,
        1,
    ]


def test_a_file_can_be_withdrawn():
    consultation, agent = published()
    amend(agent, consultation, uploads=[upload("Plan.pdf")])

    amendment = amend(agent, consultation, withdrawn=["Plan.pdf"])

    assert amendment.documents_withdrawn == ["Plan.pdf"]
    assert list(consultation.documents.values_list("name", flat=True)) == [RC]


def test_moved_deadlines_are_kept_before_and_after():
    consultation, agent = published()
    questions, submission = consultation.questions_deadline, days(45)

    amendment = amend(
        agent,
        consultation,
        questions_deadline=days(30),
        submission_deadline=submission,
    )

    consultation.refresh_from_db()
    assert (consultation.questions_deadline, consultation.submission_deadline) == (
        days(30),
        submission,
    )
    assert amendment.questions_deadline_before == questions
    assert amendment.questions_deadline_after == days(30)
    assert amendment.submission_deadline_after == submission
    assert amendment.dce_version is None


def test_the_journal_keeps_the_amendment_and_its_reason():
    consultation, agent = published()

    amend(agent, consultation, submission_deadline=days(45))

    entry = JournalEntry.objects.get(action="tenders.consultation.amended")
    assert entry.actor == agent
    assert entry.object_id == str(consultation.pk)
    assert (entry.data["number"], entry.data["reason"]) == (1, REASON)
    assert "submission_deadline" in entry.data


def test_the_journal_keeps_the_digest_of_each_new_file():
    consultation, agent = published()

    amend(agent, consultation, uploads=[upload(RC, b"v2")])

    entry = JournalEntry.objects.get(action="tenders.consultation.amended")
    assert entry.data["replaced"] == [RC]
    assert entry.data["files"] == [
        {"name": RC, "size": 2, "sha256": hashlib.sha256(b"v2").hexdigest()}
    ]


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_amendment_without_a_reason_is_refused(reason):
    consultation, agent = published()

    with pytest.raises(ValidationError) as refused:
        amend(agent, consultation, reason=reason, submission_deadline=days(45))

    assert refused.value.message_dict == {
        "reason": ["Give the reason for the amendment."]
    }
    assert not consultation.amendments.exists()


def test_an_amendment_that_changes_nothing_is_refused():
    consultation, agent = published()

    with pytest.raises(AmendmentRefused) as refused:
        amend(agent, consultation, submission_deadline=consultation.submission_deadline)

    assert refused.value.messages == [
        "Nothing changes: add or withdraw a file, or move a deadline."
    ]


def test_a_new_deadline_must_be_in_the_future():
    consultation, agent = published()

    with pytest.raises(AmendmentRefused) as refused:
        amend(agent, consultation, questions_deadline=paris(2027, 1, 10, 12, 0))

    assert refused.value.messages == [
        "Deadlines in the future: the new deadline for questions "
        "(2027-01-10 12:00 Europe/Paris) has already passed."
    ]


def test_the_deadlines_must_stay_in_order():
    consultation, agent = published()

    with pytest.raises(AmendmentRefused) as refused:
        amend(agent, consultation, submission_deadline=days(20))

    assert refused.value.messages == [
        "Deadlines in order: the deadline for questions must come before the "
        "deadline for bids."
    ]
    consultation.refresh_from_db()
    assert consultation.submission_deadline == days(35)


def test_a_refused_amendment_leaves_no_file_behind(settings):
    consultation, agent = published()
    before = stored_dce(settings)

    with pytest.raises(AmendmentRefused):
        amend(
            agent,
            consultation,
            uploads=[upload("Plan.pdf", b"plan")],
            submission_deadline=days(20),
        )

    assert stored_dce(settings) == before
    assert list(consultation.documents.values_list("name", flat=True)) == [RC]


def test_the_consultation_keeps_at_least_one_document():
    consultation, agent = published()

    with pytest.raises(AmendmentRefused) as refused:
        amend(agent, consultation, withdrawn=[RC])

    assert refused.value.messages == [
        "The consultation must keep at least one document."
    ]


def test_only_current_documents_can_be_withdrawn():
    consultation, agent = published()

    with pytest.raises(AmendmentRefused) as refused:
        amend(agent, consultation, withdrawn=["Absent.pdf"])

    assert refused.value.messages == ["Absent.pdf is not a current document."]


def above_threshold():
    """An open procedure for works above the EU threshold, published now."""
    return published(
        procedure=Procedure.OPEN,
        estimated_value=Decimal("6000000"),
        questions_deadline=days(30),
        submission_deadline=days(40),
    )


def test_above_the_threshold_the_minimum_period_from_publication_holds():
    consultation, agent = above_threshold()

    with pytest.raises(AmendmentRefused) as refused:
        amend(
            agent,
            consultation,
            questions_deadline=days(20),
            submission_deadline=days(29),
        )

    (message,) = refused.value.messages
    assert message.startswith("Minimum time limit (Directive 2014/24/EU, Art. 27)")
    assert "at least 30 days after publication" in message


def test_above_the_threshold_new_documents_need_six_days_before_the_deadline():
    consultation, agent = above_threshold()

    with time_machine.travel(days(35), tick=False):
        with pytest.raises(AmendmentRefused) as refused:
            amend(agent, consultation, uploads=[upload(RC, b"v2")])
        amendment = amend(
            agent,
            consultation,
            uploads=[upload(RC, b"v2")],
            submission_deadline=days(6),
        )

    (message,) = refused.value.messages
    assert message.startswith(
        "Time to take the change into account (Directive 2014/24/EU, Art. 47(3))"
    )
    assert amendment.dce_version == 2


@pytest.mark.parametrize(
    "who", ["bidder", "another buyer's agent", "opener", "anonymous"]
)
def test_only_the_buyers_staff_amend(who):
    consultation, _agent = published()
    user = {
        "bidder": lambda: member(BusinessFactory(), Role.BIDDER),
        "another buyer's agent": lambda: agent_of(BuyerFactory()),
        "opener": lambda: member(consultation.buyer, Role.OPENER),
        "anonymous": AnonymousUser,
    }[who]()

    with pytest.raises(PermissionDenied):
        amend(user, consultation, submission_deadline=days(45))


def test_the_buyer_admin_amends_too():
    consultation, _agent = published()
    admin = agent_of(consultation.buyer, role=Role.BUYER_ADMIN)

    assert amend(admin, consultation, submission_deadline=days(45)).number == 1


def test_a_draft_is_changed_by_editing_it_not_by_amendment():
    consultation, agent = ready_draft()

    with pytest.raises(PermissionDenied, match="Only a published consultation"):
        amend(agent, consultation, submission_deadline=days(45))


def test_no_amendment_after_the_deadline_for_bids():
    consultation, agent = published()

    late = time_machine.travel(days(36), tick=False)
    with late, pytest.raises(PermissionDenied, match="deadline for bids has passed"):
        amend(agent, consultation, submission_deadline=days(45))


# Bids and mails


def bidder_of(name, language, email):
    business = BusinessFactory(name=name)
    return member(business, Role.BIDDER, email=email, language=language), business


def test_a_bid_deposited_before_stays_valid_and_may_be_replaced_under_the_new_deadline():
    consultation, agent = published()
    user, business = bidder_of("Routes de Bourgogne SA", "en", "lea@example.org")
    old_deadline = consultation.submission_deadline
    bid = deposit(user, business, consultation, when=days(10))

    amend(agent, consultation, submission_deadline=days(45))

    bid.refresh_from_db()
    assert (bid.state, bid.is_late, bid.deadline) == (
        BidState.RECEIVED,
        False,
        old_deadline,
    )
    consultation.refresh_from_db()
    later = deposit(user, business, consultation, when=days(40))
    bid.refresh_from_db()
    assert (later.is_late, later.replaces, bid.state) == (
        False,
        bid,
        BidState.REPLACED,
    )


def test_downloaders_and_bidders_are_told_once_each_in_their_language(
    django_capture_on_commit_callbacks,
):
    consultation, agent = published()
    reader, reader_business = bidder_of("Lecteurs SARL", "fr", "lea@example.org")
    actions.record_download(reader, consultation, None, reader_business)
    actions.record_download(AnonymousUser(), consultation)
    bidder, business = bidder_of("Routes de Bourgogne SA", "en", "marc@example.org")
    actions.record_download(bidder, consultation, None, business)
    bid = deposit(bidder, business, consultation, when=paris(2027, 1, 12, 9, 30))
    member(BusinessFactory(), Role.BIDDER, email="paul@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        amendment = amend(
            agent,
            consultation,
            uploads=[upload(RC, b"v2")],
            submission_deadline=paris(2027, 2, 26, 17, 0),
        )
    queue_amendment_mails(amendment)

    mails = {m.to: m for m in OutgoingMail.objects.filter(key__startswith="tenders.")}
    assert sorted(mails) == ["lea@example.org", "marc@example.org"]
    to_bidder, to_reader = mails["marc@example.org"], mails["lea@example.org"]
    assert to_bidder.subject == (
        f"{consultation.reference}: amendment 1 to the consultation"
    )
    assert REASON in to_bidder.body
    assert "New deadline for bids: 26 February 2027, 17:00 (Europe/Paris)" in (
        to_bidder.body
    )
    assert f"receipt {bid.receipt_number}, deposited on 12 January 2027, 09:30" in (
        to_bidder.body
    )
    assert "Your bid remains valid as it is: you need do nothing." in to_bidder.body
    assert "you may replace it by depositing a new bid" in to_bidder.body
    assert "26 février 2027, 17:00 (Europe/Paris)" in to_reader.body
    assert "remains valid" not in to_reader.body
    # Léa reads French: the whole mail is in French.
    assert "remplacé\u00a0: " + RC in to_reader.body


AMEND_STATES = ["draft", "open", "closed", "opened", "cancelled"]
AMEND_STAFF = {"buyer admin", "buyer agent"}


@pytest.mark.parametrize("state", AMEND_STATES)
@pytest.mark.parametrize("role", ROLES)
def test_who_may_amend_in_which_state(role, state):
    consultation = make_consultation(state if state != "cancelled" else "draft")
    if state == "cancelled":
        consultation.state = State.CANCELLED
    user = make_user(role, consultation.buyer)

    allowed = can_amend(user, consultation)

    assert allowed is (role in AMEND_STAFF and state == "open")
