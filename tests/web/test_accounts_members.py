import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mutualis.accounts import actions
from mutualis.accounts.access import roles_in
from mutualis.accounts.models import Membership, Role
from tests.accounts.html import form_labels, page_text
from tests.factories import BusinessFactory, BuyerFactory, UserFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyer():
    return BuyerFactory(name="Commune de Beaune")


@pytest.fixture
def admin(client, buyer):
    admin = member(buyer, Role.BUYER_ADMIN, full_name="Anne Admin")
    client.force_login(admin)
    return admin


def members_url(organisation):
    return f"/organisations/{organisation.pk}/members/"


def remove_url(membership):
    return f"{members_url(membership.organisation)}{membership.pk}/remove/"


def test_my_space_lists_my_organisations_roles_and_their_pages(client):
    buyer = BuyerFactory(name="Commune de Beaune")
    business = BusinessFactory(name="Menuiserie Martin")
    user = member(buyer, Role.BUYER_AGENT, Role.OPENER)
    Membership.objects.create(user=user, organisation=business, role=Role.BIDDER)
    client.force_login(user)

    response = client.get("/me/")

    text = page_text(response)
    assert "Commune de Beaune Public buyer. My roles: buyer agent, opener" in text
    assert "Menuiserie Martin Business. My roles: bidder" in text
    html = response.content.decode()
    assert f'href="/organisations/{buyer.pk}/"' in html
    assert f'href="{reverse("web:buyer-consultations")}"' in html
    assert f'href="{reverse("web:business-bids")}"' in html


def test_my_space_invites_a_user_without_organisation_to_register_a_business(client):
    client.force_login(UserFactory())

    response = client.get("/me/")

    assert "You are not a member of any organisation yet." in page_text(response)
    assert 'href="/businesses/register/"' in response.content.decode()


def test_the_organisation_page_shows_its_facts_and_my_roles(client, buyer, admin):
    buyer.siret = "21210051600013"
    buyer.insee_code = "21054"
    buyer.save()

    response = client.get(f"/organisations/{buyer.pk}/")

    text = page_text(response)
    assert "Kind Public buyer Type of buyer Commune" in text
    assert "INSEE code 21054" in text
    assert "My roles buyer admin" in text


def test_the_members_page_lists_members_and_their_roles(client, buyer, admin):
    member(
        buyer, Role.BUYER_AGENT, Role.OPENER, full_name="Bruno Agent", email="b@x.org"
    )

    response = client.get(members_url(buyer))

    text = page_text(response)
    assert "Anne Admin" in text
    assert "Bruno Agent b@x.org buyer agent Remove" in text
    assert form_labels(response, members_url(buyer)) == {
        "email": "E-mail address:",
        "role": "Role:",
    }


def test_the_role_list_offers_only_the_roles_of_the_organisation_kind(
    client, buyer, admin
):
    response = client.get(members_url(buyer))

    offered = page_text(response).split("Role:")[1]
    assert "buyer agent opener (opening commission) signatory" in offered
    assert "bidder" not in offered


def test_an_admin_invites_a_member_who_is_told_by_mail_and_not_yet_added(
    client, buyer, admin, django_capture_on_commit_callbacks
):
    paul = UserFactory(email="paul@example.org", full_name="Paul Dupont")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            members_url(buyer),
            {"email": "paul@example.org", "role": Role.OPENER},
            follow=True,
        )

    text = page_text(response)
    assert (
        "Invitation sent to paul@example.org, to be opener (opening commission)."
        in text
    )
    assert "Valid until paul@example.org opener (opening commission)" in text
    assert "Paul Dupont" not in text
    assert mail.outbox[0].to == ["paul@example.org"]
    assert roles_in(paul, buyer) == set()


def test_the_admin_reads_the_same_whether_or_not_an_account_uses_the_address(
    client, buyer, admin
):
    UserFactory(email="paul@example.org", full_name="Paul Dupont")

    said = [
        page_text(
            client.post(
                members_url(buyer), {"email": email, "role": Role.OPENER}, follow=True
            )
        ).replace(email, "<e-mail>")
        for email in ("paul@example.org", "nobody@example.org")
    ]

    assert "Invitation sent to <e-mail>, to be opener (opening commission)." in said[0]
    assert (
        said[0].split("Invitations awaiting")[0]
        == said[1].split("Invitations awaiting")[0]
    )


@pytest.mark.parametrize(
    ("posted", "expected"),
    [
        (
            {"email": "not an address", "role": Role.OPENER},
            "E-mail address: Enter a valid email address.",
        ),
        (
            {"email": "paul@example.org", "role": Role.BIDDER},
            "Role: Select a valid choice. bidder is not one of the available choices.",
        ),
        (
            {"email": "", "role": Role.OPENER},
            "E-mail address: This field is required.",
        ),
    ],
)
def test_inviting_a_member_wrongly_names_the_field(
    client, buyer, admin, posted, expected
):
    UserFactory(email="paul@example.org")

    response = client.post(members_url(buyer), posted)

    assert expected in page_text(response)


def test_an_admin_removes_a_role(client, buyer, admin):
    agent = member(buyer, Role.BUYER_AGENT, Role.OPENER, full_name="Bruno Agent")
    opener = Membership.objects.get(user=agent, role=Role.OPENER)

    response = client.post(remove_url(opener), follow=True)

    assert "Bruno Agent is no longer opener (opening commission)." in page_text(
        response
    )
    assert roles_in(agent, buyer) == {Role.BUYER_AGENT}


def test_the_last_admin_cannot_lose_the_admin_role(client, buyer, admin):
    own = Membership.objects.get(user=admin)

    response = client.post(remove_url(own), follow=True)

    assert (
        "Anne Admin is the last admin of Commune de Beaune: make someone else admin "
        "before removing this role."
    ) in page_text(response)
    assert roles_in(admin, buyer) == {Role.BUYER_ADMIN}


def test_removing_takes_post_only(client, buyer, admin):
    own = Membership.objects.get(user=admin)

    assert client.get(remove_url(own)).status_code == 405


def test_a_member_who_does_not_manage_sees_members_but_no_controls(
    client, buyer, admin
):
    actions.add_member(admin, buyer, email="paul@example.org", role=Role.OPENER)
    agent = member(buyer, Role.BUYER_AGENT)
    client.force_login(agent)

    response = client.get(members_url(buyer))

    assert "Remove" not in page_text(response)
    assert "Invite a member" not in page_text(response)
    assert "Invitations awaiting an answer" not in page_text(response)


def test_the_members_page_of_another_organisation_is_not_found(client, admin):
    other = BuyerFactory()

    assert client.get(members_url(other)).status_code == 404
    assert client.get(f"/organisations/{other.pk}/").status_code == 404


def test_a_role_of_another_organisation_cannot_be_removed_through_mine(
    client, buyer, admin
):
    other = BuyerFactory()
    stranger = member(other, Role.BUYER_AGENT)
    theirs = Membership.objects.get(user=stranger)

    response = client.post(f"{members_url(buyer)}{theirs.pk}/remove/")

    assert response.status_code == 404
    assert roles_in(stranger, other) == {Role.BUYER_AGENT}


def queries_for(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_my_space_costs_the_same_queries_for_one_organisation_or_five(client):
    user = member(BuyerFactory(), Role.BUYER_AGENT)
    client.force_login(user)
    one = queries_for(client, "/me/")
    for _ in range(4):
        Membership.objects.create(
            user=user, organisation=BusinessFactory(), role=Role.BIDDER
        )

    assert queries_for(client, "/me/") == one


def test_the_members_page_costs_the_same_queries_for_two_members_or_ten(
    client, buyer, admin
):
    member(buyer, Role.BUYER_AGENT)
    two = queries_for(client, members_url(buyer))
    for _ in range(8):
        member(buyer, Role.BUYER_AGENT, Role.OPENER)

    assert queries_for(client, members_url(buyer)) == two
