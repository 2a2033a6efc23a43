"""Joining an organisation: the invitation's link, my space, and what changes when."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.test import Client

from mutualis.accounts.access import business_organisations, roles_in
from mutualis.accounts.models import Role
from mutualis.core.journal import entries_for
from tests.accounts.html import page_text
from tests.factories import BusinessFactory, BuyerFactory, UserFactory, member

pytestmark = pytest.mark.django_db
START = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def clock():
    """Every test starts at START; it moves the clock with clock.move_to."""
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def stranger_business():
    business = BusinessFactory(name="Société Écran")
    admin = member(business, Role.COMPANY_ADMIN, full_name="Simon Stranger")
    return business, admin


def invite(admin, organisation, email, role, capture):
    client = Client()
    client.force_login(admin)
    with capture(execute=True):
        client.post(
            f"/organisations/{organisation.pk}/members/", {"email": email, "role": role}
        )
    body = mail.outbox[-1].body
    return re.search(r"http://127\.0\.0\.1:8000(/invitations/[\w-]+/)", body).group(1)


@pytest.fixture
def invited(stranger_business, django_capture_on_commit_callbacks):
    """A stranger's business has invited the Dijon buyer admin as a bidder."""
    business, admin = stranger_business
    dijon = BuyerFactory(name="Ville de Dijon")
    invitee = member(
        dijon, Role.BUYER_ADMIN, email="achats@dijon.fr", full_name="Diane Dijon"
    )
    link = invite(
        admin,
        business,
        "achats@dijon.fr",
        Role.BIDDER,
        django_capture_on_commit_callbacks,
    )
    return business, invitee, link


def test_an_invitation_changes_nothing_until_accepted(clock, client, invited):
    business, invitee, _link = invited
    client.force_login(invitee)

    clock.move_to(START + dt.timedelta(hours=1))
    space = page_text(client.get("/me/"))

    assert roles_in(invitee, business) == set()
    assert list(business_organisations(invitee)) == []
    assert (
        "Invitations Simon Stranger invites you to be bidder of Société Écran. "
        "Accept Decline"
    ) in space
    assert "Société Écran Business. My roles" not in space


def test_the_link_asks_the_anonymous_to_log_in_first(invited):
    _business, _invitee, link = invited

    response = Client().get(link)

    assert response["Location"] == f"/login/?next={link}"


def test_the_invitee_accepts_through_the_link(clock, client, invited):
    business, invitee, link = invited
    client.force_login(invitee)

    clock.move_to(START + dt.timedelta(days=1))
    page = client.get(link)
    done = client.post(link, {"answer": "accept"}, follow=True)

    assert "Simon Stranger invites you to be bidder of Société Écran." in page_text(
        page
    )
    assert "This invitation is valid until 15 March 2027, 10:00." in page_text(page)
    assert "You are now bidder of Société Écran." in page_text(done)
    assert roles_in(invitee, business) == {Role.BIDDER}
    assert [e.action for e in entries_for(business)][-2:] == [
        "accounts.member-invited",
        "accounts.invitation-accepted",
    ]


def test_the_invitee_declines_from_their_space(clock, client, invited):
    business, invitee, link = invited
    client.force_login(invitee)
    space = client.get("/me/")
    answer = re.search(r'action="(/invitations/\d+/answer/)"', space.content.decode())

    clock.move_to(START + dt.timedelta(days=1))
    done = client.post(answer.group(1), {"answer": "decline"}, follow=True)
    again = client.get(link)

    assert "You declined to join Société Écran." in page_text(done)
    assert "Invitations" not in page_text(done)
    assert roles_in(invitee, business) == set()
    assert "This invitation has already been declined." in page_text(again)
    assert [e.action for e in entries_for(business)][-1] == (
        "accounts.invitation-declined"
    )


def test_another_user_cannot_accept_with_the_link(clock, client, invited):
    business, _invitee, link = invited
    competitor = UserFactory(email="rival@example.org")
    client.force_login(competitor)

    clock.move_to(START + dt.timedelta(days=1))
    page = client.get(link)
    posted = client.post(link, {"answer": "accept"})

    text = page_text(page)
    assert (
        "This invitation was sent to another e-mail address. Log in with the account "
        "of the address that received it."
    ) in text
    assert "achats@dijon.fr" not in text
    assert "Société Écran" not in text
    assert posted.status_code == 403
    assert roles_in(competitor, business) == set()


def test_another_user_cannot_answer_from_their_space(client, invited):
    business, invitee, _link = invited
    client.force_login(invitee)
    space = client.get("/me/").content.decode()
    answer = re.search(r'action="(/invitations/\d+/answer/)"', space).group(1)
    client.force_login(UserFactory(email="rival@example.org"))

    response = client.post(answer, {"answer": "accept"})

    assert response.status_code == 404
    assert roles_in(invitee, business) == set()


def test_an_expired_link_is_refused(clock, client, invited):
    business, invitee, link = invited
    clock.move_to(START + dt.timedelta(days=14, seconds=1))
    client.force_login(invitee)

    page = client.get(link)
    posted = client.post(link, {"answer": "accept"})
    space = page_text(client.get("/me/"))

    assert (
        "This invitation has expired. Ask the organisation's admin to invite you again."
    ) in page_text(page)
    assert posted.status_code == 403
    assert "Invitations" not in space
    assert roles_in(invitee, business) == set()


def test_a_used_link_is_refused(clock, client, invited):
    business, invitee, link = invited
    client.force_login(invitee)

    clock.move_to(START + dt.timedelta(days=1))
    client.post(link, {"answer": "accept"})
    again = client.post(link, {"answer": "decline"})

    assert "This invitation has already been accepted." in page_text(again)
    assert roles_in(invitee, business) == {Role.BIDDER}


def test_a_replaced_or_made_up_link_is_refused(
    clock, client, stranger_business, invited, django_capture_on_commit_callbacks
):
    business, admin = stranger_business
    _business, invitee, old_link = invited
    client.force_login(invitee)
    clock.move_to(START + dt.timedelta(days=1))
    invite(
        admin,
        business,
        "achats@dijon.fr",
        Role.BIDDER,
        django_capture_on_commit_callbacks,
    )

    replaced = client.get(old_link)
    made_up = client.get("/invitations/not-a-real-token/")

    expected = (
        "This invitation link is not valid: it may have been replaced by a newer "
        "invitation. Ask the organisation's admin to invite you again."
    )
    assert expected in page_text(replaced)
    assert expected in page_text(made_up)
