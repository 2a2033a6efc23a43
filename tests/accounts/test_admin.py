import pytest

from mutualis.accounts.models import BuyerType, OrganisationKind, Role, User
from tests.accounts.html import form_labels, page_text
from tests.factories import BusinessFactory, BuyerFactory, UserFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    admin = User.objects.create_superuser("root@example.org", "x", full_name="Root")
    client.force_login(admin)
    return admin


def test_the_user_admin_creates_an_account_by_e_mail(client, staff):
    form = client.get("/admin/accounts/user/add/")
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "email": "Claire@Example.org",
            "full_name": "Claire Martin",
            "language": "fr",
            "usable_password": "true",
            "password1": "une longue phrase de passe",
            "password2": "une longue phrase de passe",
        },
    )

    labels = form_labels(form, form_id="user_form")
    assert labels["email"] == "E-mail address:"
    assert labels["full_name"] == "Full name:"
    assert response.status_code == 302
    assert User.objects.get(email="claire@example.org").check_password(
        "une longue phrase de passe"
    )


def test_the_user_admin_searches_by_name_and_e_mail(client, staff):
    UserFactory(email="claire@example.org", full_name="Claire Martin")
    UserFactory(email="paul@example.org", full_name="Paul Dupont")

    response = client.get("/admin/accounts/user/", {"q": "claire"})

    assert "claire@example.org" in page_text(response)
    assert "paul@example.org" not in page_text(response)


def test_the_user_admin_edits_an_account(client, staff):
    user = UserFactory(full_name="Claire Martin")

    response = client.get(f"/admin/accounts/user/{user.pk}/change/")

    assert response.status_code == 200
    assert "Claire Martin" in response.content.decode()


@pytest.mark.parametrize("query", ["Beaune", "212100540", "21210054000019", "21054"])
def test_organisations_are_found_by_name_siren_siret_and_insee_code(
    client, staff, query
):
    BuyerFactory(
        name="Commune de Beaune",
        siren="212100540",
        siret="21210054000019",
        insee_code="21054",
    )
    BuyerFactory(name="Commune de Nuits")

    response = client.get("/admin/accounts/organisation/", {"q": query})

    assert "Commune de Beaune" in page_text(response)
    assert "Commune de Nuits" not in page_text(response)


def test_organisations_filter_by_kind_and_buyer_type(client, staff):
    BuyerFactory(name="Hôpital de Dijon", buyer_type=BuyerType.HOSPITAL)
    BuyerFactory(name="Commune de Nuits", buyer_type=BuyerType.COMMUNE)
    BusinessFactory(name="Menuiserie Martin")

    hospitals = client.get(
        "/admin/accounts/organisation/",
        {"kind__exact": OrganisationKind.BUYER, "buyer_type__exact": "hospital"},
    )

    assert "Hôpital de Dijon" in page_text(hospitals)
    assert "Commune de Nuits" not in page_text(hospitals)
    assert "Menuiserie Martin" not in page_text(hospitals)


def test_memberships_are_listed_with_person_role_and_organisation(client, staff):
    buyer = BuyerFactory(name="Commune de Beaune")
    member(buyer, Role.OPENER, full_name="Bruno Agent")

    response = client.get("/admin/accounts/membership/", {"role__exact": "opener"})

    assert "Bruno Agent Commune de Beaune opener (opening commission)" in (
        page_text(response)
    )


def test_the_admin_login_counts_failures_like_the_site_login(client, settings):
    settings.MUTUALIS_LOGIN_ATTEMPTS = 2
    User.objects.create_superuser("root@example.org", "right", full_name="Root")
    attempt = {"username": "root@example.org", "next": "/admin/"}

    for _ in range(2):
        client.post("/admin/login/", {**attempt, "password": "guess"})
    refused = client.post("/admin/login/", {**attempt, "password": "right"})

    assert "Too many failed login attempts. Try again in 15 minutes" in page_text(
        refused
    )


def test_the_admin_login_refuses_an_account_without_staff_status(client):
    UserFactory(email="claire@example.org")

    response = client.post(
        "/admin/login/",
        {"username": "claire@example.org", "password": "correct horse battery"},
    )

    assert "This e-mail address and password do not match an account." in (
        page_text(response)
    )
    assert "_auth_user_id" not in client.session
