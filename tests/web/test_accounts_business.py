import pytest

from mutualis.accounts.access import roles_in
from mutualis.accounts.models import Organisation, Role
from tests.accounts.html import form_labels, page_text
from tests.factories import BusinessFactory, UserFactory, member

pytestmark = pytest.mark.django_db
FRENCH = {
    "country": "FR",
    "siret": "732 829 320 00074",
    "vat_number": "",
    "name": "Menuiserie Martin SARL",
    "address": "12 rue des Forges",
    "postcode": "21000",
    "town": "Dijon",
}


@pytest.fixture
def user(client):
    user = UserFactory(full_name="Claire Martin")
    client.force_login(user)
    return user


def test_registering_a_business_asks_to_log_in_first(client):
    response = client.get("/businesses/register/")

    assert response["Location"] == "/login/?next=/businesses/register/"


def test_the_registration_page_labels_every_field(client, user):
    response = client.get("/businesses/register/")

    assert form_labels(response, "/businesses/register/") == {
        "country": "Country of establishment:",
        "siret": "SIRET:",
        "vat_number": "VAT number:",
        "name": "Business name:",
        "address": "Address:",
        "postcode": "Postcode:",
        "town": "Town:",
    }


def test_a_french_business_registers_and_its_registrant_is_company_admin(client, user):
    response = client.post("/businesses/register/", FRENCH, follow=True)

    business = Organisation.objects.get()
    text = page_text(response)
    assert "Menuiserie Martin SARL is registered; you are its company admin." in text
    assert "SIRET 73282932000074 SIREN 732829320" in text
    assert "My roles company admin" in text
    assert roles_in(user, business) == {Role.COMPANY_ADMIN}


def test_a_foreign_business_registers_with_its_vat_number(client, user):
    german = {
        **FRENCH,
        "country": "DE",
        "siret": "",
        "vat_number": "DE 136 308 783",
        "name": "Schreinerei Müller GmbH",
        "address": "Hauptstraße 5",
        "postcode": "",
        "town": "Mainz",
    }

    response = client.post("/businesses/register/", german, follow=True)

    text = page_text(response)
    assert "VAT number DE136308783" in text
    assert "Hauptstraße 5 Mainz Germany" in text


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"siret": ""},
            "SIRET: A business established in France registers with its SIRET.",
        ),
        (
            {"siret": "73282932000079"},
            "SIRET: This SIRET is not valid: its check digit is wrong.",
        ),
        ({"siret": "7328293200"}, "SIRET: A SIRET has 14 digits."),
        ({"postcode": "2100"}, "Postcode: A French postcode has 5 digits."),
        ({"postcode": "2A004"}, "Postcode: A French postcode has 5 digits."),
        (
            {"postcode": "96000"},
            "Postcode: This is not a French postcode: it starts with the number of a "
            "département, 01 to 95, or 97 or 98 overseas.",
        ),
        (
            {"siret": "00000000000000"},
            "SIRET: This SIRET is not valid: INSEE gives SIREN 000000000 to no one.",
        ),
        ({"name": ""}, "Business name: This field is required."),
        (
            {"vat_number": "FR40303265045"},
            "VAT number: This VAT number is that of SIREN 303265045, not 732829320.",
        ),
        (
            {"country": "BE", "siret": "", "vat_number": "DE136308783"},
            "VAT number: A VAT number of Belgium starts with BE.",
        ),
        (
            {"country": "IT", "siret": "", "vat_number": ""},
            "VAT number: A business established outside France registers with its VAT number.",
        ),
        (
            {"country": "US", "siret": ""},
            "Country of establishment: Select a valid choice. US is not one of the "
            "available choices.",
        ),
    ],
)
def test_a_registration_error_names_its_field(client, user, change, expected):
    response = client.post("/businesses/register/", {**FRENCH, **change})

    assert expected in page_text(response)
    assert not Organisation.objects.exists()


def test_a_registered_siret_says_how_to_join_without_naming_anyone(client, user):
    existing = BusinessFactory(name="Menuiserie Martin", siret="73282932000074")
    member(existing, Role.COMPANY_ADMIN, full_name="Paul Martin", email="pm@x.org")

    response = client.post("/businesses/register/", FRENCH)

    text = page_text(response)
    assert (
        "SIRET: This SIRET is already registered, for “Menuiserie Martin”. Its "
        "administrator can invite you to join it, or the platform's support can help."
    ) in text
    assert "Paul Martin" not in text
    assert "pm@x.org" not in text
    assert Organisation.objects.count() == 1
