import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from mutualis.accounts import access, actions
from mutualis.accounts.access import roles_in
from mutualis.accounts.models import Invitation, Membership, Organisation, Role, User
from mutualis.core.journal import entries_for
from tests.factories import BusinessFactory, BuyerFactory, UserFactory, member

pytestmark = pytest.mark.django_db

ACME = {
    "name": "Menuiserie Martin SARL",
    "address": "12 rue des Forges",
    "postcode": "21000",
    "town": "Dijon",
}


def messages_of(error):
    return {field: " ".join(texts) for field, texts in error.value.message_dict.items()}


def test_signing_up_creates_the_account_and_journals_it():
    user = actions.sign_up(
        email=" Claire.Martin@Example.ORG ",
        full_name="Claire Martin",
        password="une longue phrase de passe",
        language="fr",
    )

    assert user.email == "claire.martin@example.org"
    assert user.check_password("une longue phrase de passe")
    assert [e.action for e in entries_for(user)] == ["accounts.signed-up"]


def test_signing_up_twice_with_one_address_is_refused_whatever_the_case():
    UserFactory(email="claire@example.org")

    with pytest.raises(ValidationError) as error:
        actions.sign_up(
            email="CLAIRE@example.org", full_name="C", password="x", language="en"
        )

    assert messages_of(error) == {"email": str(actions.EMAIL_TAKEN)}
    assert User.objects.count() == 1


def test_a_user_registers_a_french_business_and_becomes_its_company_admin():
    user = UserFactory()

    business = actions.register_business(user, siret="732 829 320 00074", **ACME)

    assert (business.kind, business.siret, business.siren) == (
        "business",
        "73282932000074",
        "732829320",
    )
    assert roles_in(user, business) == {Role.COMPANY_ADMIN}
    entry = entries_for(business).get()
    assert (entry.action, entry.actor, entry.data["siret"]) == (
        "accounts.business-registered",
        user,
        "73282932000074",
    )


def test_a_foreign_business_registers_with_its_vat_number():
    user = UserFactory()

    business = actions.register_business(
        user,
        country="BE",
        vat_number="BE 0428.759.497",
        name="Bouwbedrijf Peeters NV",
        address="Kerkstraat 1",
        postcode="",
        town="Gent",
    )

    assert (business.country, business.vat_number, business.siret) == (
        "BE",
        "BE0428759497",
        "",
    )


def test_every_fault_of_a_registration_is_given_at_once_and_nothing_is_written():
    with pytest.raises(ValidationError) as error:
        actions.register_business(
            UserFactory(),
            siret="73282932000079",
            name="",
            address="1 place de la Mairie",
            postcode="2100",
            town="Dijon",
        )

    assert messages_of(error) == {
        "siret": "This SIRET is not valid: its check digit is wrong.",
        "name": "This field is required.",
    }
    assert not Organisation.objects.exists()


def test_a_siret_registered_already_names_the_business_but_none_of_its_people():
    existing = BusinessFactory(name="Menuiserie Martin", siret="73282932000074")
    member(existing, Role.COMPANY_ADMIN, full_name="Claire Martin", email="cm@x.org")
    member(existing, Role.BIDDER, full_name="Paul Bidder")

    with pytest.raises(ValidationError) as error:
        actions.register_business(UserFactory(), siret="73282932000074", **ACME)

    assert messages_of(error) == {
        "siret": "This SIRET is already registered, for “Menuiserie Martin”. Its "
        "administrator can invite you to join it, or the platform's support can help."
    }
    assert Organisation.objects.count() == 1


def test_a_vat_number_registered_already_says_the_same_without_names():
    peeters = BusinessFactory(name="Peeters", country="BE", vat_number="BE0428759497")
    member(peeters, Role.COMPANY_ADMIN, full_name="Jan Peeters")

    with pytest.raises(ValidationError) as error:
        actions.register_business(
            UserFactory(),
            country="BE",
            vat_number="BE0428759497",
            name="Peeters NV",
            address="Kerkstraat 1",
            postcode="9000",
            town="Gent",
        )

    assert messages_of(error) == {
        "vat_number": "This VAT number is already registered, for “Peeters”. Its "
        "administrator can invite you to join it, or the platform's support can help."
    }


@pytest.mark.parametrize(
    ("siret", "postcode", "expected"),
    [
        (
            "00000000000000",
            "21000",
            {
                "siret": "This SIRET is not valid: INSEE gives SIREN 000000000 to no one."
            },
        ),
        (
            "73282932000074",
            "00100",
            {
                "postcode": "This is not a French postcode: it starts with the number "
                "of a département, 01 to 95, or 97 or 98 overseas."
            },
        ),
        (
            "73282932000074",
            "96100",
            {
                "postcode": "This is not a French postcode: it starts with the number "
                "of a département, 01 to 95, or 97 or 98 overseas."
            },
        ),
        ("73282932000074", "2A000", {"postcode": "A French postcode has 5 digits."}),
    ],
)
def test_a_null_siren_or_an_impossible_postcode_is_refused(siret, postcode, expected):
    with pytest.raises(ValidationError) as error:
        actions.register_business(
            UserFactory(), siret=siret, **{**ACME, "postcode": postcode}
        )

    assert messages_of(error) == expected
    assert not Organisation.objects.exists()


@pytest.mark.parametrize(
    "postcode", ["01000", "20000", "20200", "75001", "95000", "97100", "97600", "98800"]
)
def test_postcodes_of_mainland_corsica_and_overseas_are_accepted(postcode):
    business = actions.register_business(
        UserFactory(), siret="73282932000074", **{**ACME, "postcode": postcode}
    )

    assert business.postcode == postcode


@pytest.fixture
def beaune():
    buyer = BuyerFactory(name="Commune de Beaune")
    admin = member(buyer, Role.BUYER_ADMIN, full_name="Anne Admin")
    return buyer, admin


def invite(admin, buyer, email="paul@example.org", role=Role.OPENER, capture=None):
    if capture is None:
        return actions.add_member(admin, buyer, email=email, role=role)
    with capture(execute=True):
        return actions.add_member(admin, buyer, email=email, role=role)


def test_inviting_mails_a_link_and_changes_no_membership(
    beaune, django_capture_on_commit_callbacks
):
    buyer, admin = beaune
    newcomer = UserFactory(email="paul@example.org", language="en")

    invitation = invite(
        admin, buyer, "PAUL@example.org", capture=django_capture_on_commit_callbacks
    )

    assert roles_in(newcomer, buyer) == set()
    assert (invitation.email, invitation.role, invitation.invited_by) == (
        "paul@example.org",
        "opener",
        admin,
    )
    assert invitation.expires_at - invitation.created_at == dt.timedelta(days=14)
    assert invitation.token not in invitation.token_digest
    assert mail.outbox[0].to == ["paul@example.org"]
    assert mail.outbox[0].subject == (
        "Mutualis: you are invited to be opener (opening commission) of "
        "Commune de Beaune"
    )
    body = mail.outbox[0].body
    assert "Anne Admin invites you to be opener (opening commission) of " in body
    assert f"/invitations/{invitation.token}/" in body
    entry = entries_for(buyer).get()
    assert (entry.action, entry.actor, entry.data) == (
        "accounts.member-invited",
        admin,
        {"invitation": invitation.pk, "role": "opener"},
    )


def test_an_address_without_account_is_invited_all_the_same(
    beaune, django_capture_on_commit_callbacks
):
    buyer, admin = beaune

    invite(
        admin, buyer, "nobody@example.org", capture=django_capture_on_commit_callbacks
    )

    assert mail.outbox[0].to == ["nobody@example.org"]
    assert "If you have no account yet, sign up with this e-mail address first:" in (
        mail.outbox[0].body
    )


def test_the_invitee_accepts_and_holds_the_role(beaune):
    buyer, admin = beaune
    newcomer = UserFactory(email="paul@example.org")
    invitation = invite(admin, buyer)

    membership = actions.accept_invitation(newcomer, invitation)

    assert (membership.user, membership.role) == (newcomer, Role.OPENER)
    assert roles_in(newcomer, buyer) == {Role.OPENER}
    assert [e.action for e in entries_for(buyer)][-1] == "accounts.invitation-accepted"


def test_the_invitee_declines_and_nothing_changes(beaune):
    buyer, admin = beaune
    newcomer = UserFactory(email="paul@example.org")
    invitation = invite(admin, buyer)

    actions.decline_invitation(newcomer, invitation)

    assert roles_in(newcomer, buyer) == set()
    assert [e.action for e in entries_for(buyer)][-1] == "accounts.invitation-declined"
    with pytest.raises(PermissionDenied) as refused:
        actions.accept_invitation(newcomer, invitation)
    assert str(refused.value) == "This invitation has already been declined."


def test_another_user_cannot_accept_an_invitation_mailed_to_someone_else(beaune):
    buyer, admin = beaune
    invitation = invite(admin, buyer)
    stranger = UserFactory(email="stranger@example.org")

    with pytest.raises(PermissionDenied) as refused:
        actions.accept_invitation(stranger, invitation)

    assert str(refused.value) == (
        "This invitation was sent to another e-mail address. Log in with the "
        "account of the address that received it."
    )
    assert not Membership.objects.filter(organisation=buyer, role=Role.OPENER)


def test_an_invitation_is_accepted_once(beaune):
    buyer, admin = beaune
    newcomer = UserFactory(email="paul@example.org")
    invitation = invite(admin, buyer)
    actions.accept_invitation(newcomer, invitation)

    with pytest.raises(PermissionDenied) as refused:
        actions.accept_invitation(newcomer, invitation)

    assert str(refused.value) == "This invitation has already been accepted."
    assert Membership.objects.filter(user=newcomer).count() == 1


def test_an_invitation_expires_after_fourteen_days(beaune):
    buyer, admin = beaune
    newcomer = UserFactory(email="paul@example.org")
    start = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        invitation = invite(admin, buyer)

    with (
        time_machine.travel(start + dt.timedelta(days=14), tick=False),
        pytest.raises(PermissionDenied) as refused,
    ):
        actions.accept_invitation(newcomer, invitation)

    assert str(refused.value) == (
        "This invitation has expired. Ask the organisation's admin to invite you again."
    )
    assert roles_in(newcomer, buyer) == set()


def test_inviting_again_renews_the_open_invitation_and_voids_its_old_link(beaune):
    buyer, admin = beaune
    first = invite(admin, buyer)

    second = invite(admin, buyer)

    assert second.pk == first.pk
    assert access.invitation_by_token(first.token) is None
    assert access.invitation_by_token(second.token) == second


def test_inviting_is_refused_to_someone_who_does_not_manage_members():
    buyer = BuyerFactory()
    agent = member(buyer, Role.BUYER_AGENT)
    UserFactory(email="paul@example.org")

    with pytest.raises(PermissionDenied):
        actions.add_member(agent, buyer, email="paul@example.org", role=Role.OPENER)
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    ("email", "role", "expected"),
    [
        (
            "paul@example.org",
            Role.BIDDER,
            {"role": "This role does not exist in this kind of organisation."},
        ),
        (
            "paul@example.org",
            Role.BUYER_AGENT,
            {"role": "paul@example.org already holds this role."},
        ),
        ("  ", Role.OPENER, {"email": "This field is required."}),
    ],
)
def test_inviting_wrongly_says_what_is_wrong(email, role, expected):
    buyer = BuyerFactory()
    admin = member(buyer, Role.BUYER_ADMIN)
    member(buyer, Role.BUYER_AGENT, email="paul@example.org", full_name="Paul Dupont")

    with pytest.raises(ValidationError) as error:
        actions.add_member(admin, buyer, email=email, role=role)

    assert messages_of(error) == expected
    assert not Invitation.objects.exists()


def test_an_admin_removes_a_role_and_it_is_journaled():
    business = BusinessFactory()
    admin = member(business, Role.COMPANY_ADMIN)
    bidder = member(business, Role.BIDDER, Role.COMPANY_ADMIN)
    membership = Membership.objects.get(user=bidder, role=Role.BIDDER)

    actions.remove_role(admin, membership)

    assert roles_in(bidder, business) == {Role.COMPANY_ADMIN}
    assert entries_for(business).get().data == {"user": bidder.pk, "role": "bidder"}


def test_the_last_admin_keeps_the_admin_role():
    business = BusinessFactory(name="Menuiserie Martin")
    admin = member(business, Role.COMPANY_ADMIN, full_name="Claire Martin")
    membership = Membership.objects.get(user=admin)

    with pytest.raises(ValidationError) as error:
        actions.remove_role(admin, membership)

    assert error.value.messages == [
        "Claire Martin is the last admin of Menuiserie Martin: make someone else "
        "admin before removing this role."
    ]
    assert roles_in(admin, business) == {Role.COMPANY_ADMIN}


def test_an_admin_may_step_down_when_another_admin_remains():
    business = BusinessFactory()
    leaving = member(business, Role.COMPANY_ADMIN)
    member(business, Role.COMPANY_ADMIN)

    actions.remove_role(leaving, Membership.objects.get(user=leaving))

    assert roles_in(leaving, business) == set()


def test_resetting_a_password_sets_it_and_journals_it():
    user = UserFactory()

    actions.reset_password(user, "une autre phrase de passe")

    user.refresh_from_db()
    assert user.check_password("une autre phrase de passe")
    assert [e.action for e in entries_for(user)] == ["accounts.password-reset"]
