import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from mutualis.accounts import actions
from mutualis.accounts.access import roles_in
from mutualis.accounts.models import Membership, Organisation, Role, User
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


def test_a_siret_registered_already_names_the_business_and_its_admins_not_their_e_mail():
    existing = BusinessFactory(name="Menuiserie Martin", siret="73282932000074")
    member(existing, Role.COMPANY_ADMIN, full_name="Claire Martin", email="cm@x.org")
    member(existing, Role.BIDDER, full_name="Paul Bidder")

    with pytest.raises(ValidationError) as error:
        actions.register_business(UserFactory(), siret="73282932000074", **ACME)

    assert messages_of(error) == {
        "siret": "This SIRET is already registered, for “Menuiserie Martin”. "
        "Ask its admin, Claire Martin, to add you as a member."
    }
    assert Organisation.objects.count() == 1


def test_a_vat_number_registered_already_without_admin_points_to_support():
    BusinessFactory(name="Peeters", country="BE", vat_number="BE0428759497")

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
        "vat_number": "This VAT number is already registered, for “Peeters”. "
        "Ask the platform's support to add you as a member."
    }


def test_an_admin_adds_an_existing_user_who_is_told_by_mail(
    django_capture_on_commit_callbacks,
):
    buyer = BuyerFactory(name="Commune de Beaune")
    admin = member(buyer, Role.BUYER_ADMIN, full_name="Anne Admin")
    newcomer = UserFactory(email="paul@example.org", language="en")

    with django_capture_on_commit_callbacks(execute=True):
        actions.add_member(admin, buyer, email="PAUL@example.org", role=Role.OPENER)

    assert roles_in(newcomer, buyer) == {Role.OPENER}
    assert mail.outbox[0].to == ["paul@example.org"]
    assert mail.outbox[0].subject == (
        "Mutualis: you are now opener (opening commission) of Commune de Beaune"
    )
    assert (
        "Anne Admin has made you opener (opening commission) of Commune de Beaune"
        in (mail.outbox[0].body)
    )
    assert entries_for(buyer).get().data == {"user": newcomer.pk, "role": "opener"}


def test_adding_is_refused_to_someone_who_does_not_manage_members():
    buyer = BuyerFactory()
    agent = member(buyer, Role.BUYER_AGENT)
    UserFactory(email="paul@example.org")

    with pytest.raises(PermissionDenied):
        actions.add_member(agent, buyer, email="paul@example.org", role=Role.OPENER)


@pytest.mark.parametrize(
    ("email", "role", "expected"),
    [
        (
            "paul@example.org",
            Role.BIDDER,
            {"role": "This role does not exist in this kind of organisation."},
        ),
        (
            "nobody@example.org",
            Role.OPENER,
            {
                "email": "No account uses this e-mail address. Ask the person to "
                "sign up, then add them."
            },
        ),
        (
            "paul@example.org",
            Role.BUYER_AGENT,
            {"role": "Paul Dupont already holds this role."},
        ),
    ],
)
def test_adding_a_member_wrongly_says_what_is_wrong(email, role, expected):
    buyer = BuyerFactory()
    admin = member(buyer, Role.BUYER_ADMIN)
    member(buyer, Role.BUYER_AGENT, email="paul@example.org", full_name="Paul Dupont")

    with pytest.raises(ValidationError) as error:
        actions.add_member(admin, buyer, email=email, role=role)

    assert messages_of(error) == expected


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
