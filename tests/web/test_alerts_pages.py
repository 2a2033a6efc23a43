"""The alert pages of a business user: list, create, edit, delete."""

from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mutualis.accounts.models import Role
from mutualis.alerts.models import Alert, Frequency
from mutualis.tenders.models import State
from tests.accounts.html import form_labels, page_text
from tests.factories import BusinessFactory, BuyerFactory, ConsultationFactory, member
from tests.referential_data import ensure_cpv, ensure_nuts
from tests.tenders.factories import WINTER_MORNING

pytestmark = pytest.mark.django_db

LIST, NEW = "/business/alerts/", "/business/alerts/new/"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(WINTER_MORNING, tick=False):
        yield


@pytest.fixture
def owner(client):
    user = member(BusinessFactory(), Role.BIDDER, full_name="Hélène Bérard")
    client.force_login(user)
    return user


@pytest.fixture
def dijon():
    buyer = BuyerFactory(name="Ville de Dijon")
    ConsultationFactory(buyer=buyer, state=State.PUBLISHED)
    return buyer


def filled(**fields):
    data = {
        "name": "Voirie en Côte-d'Or",
        "keywords": "réfection voirie",
        "cpv_codes": "4523 45233140-2",
        "nuts_codes": "frc11",
        "nature": "works",
        "min_value": "40000",
        "max_value": "",
        "frequency": "daily",
        "is_active": "on",
    }
    return {**data, **fields}


def test_the_form_labels_every_field(client, owner):
    response = client.get(NEW)

    labels = form_labels(response, form_id="alert-form")
    assert labels["name"] == "Name of the alert:"
    assert labels["keywords"] == "Words:"
    assert labels["cpv_codes"] == "CPV codes:"
    assert labels["nuts_codes"] == "Places (NUTS codes):"
    assert labels["nature"] == "Contract nature:"
    assert labels["min_value"] == "Estimated value from (EUR excl. VAT):"
    assert labels["is_active"] == "Active:"
    assert "procedures" in labels and "frequency" in labels


def test_a_business_user_saves_an_alert_and_finds_it_listed(client, owner, dijon):
    ensure_cpv("45230000-8", "45233140-2")
    ensure_nuts("FRC11")

    response = client.post(
        NEW, filled(buyers=[dijon.pk], procedures=["open", "adapted"]), follow=True
    )

    text = page_text(response)
    assert "Alert “Voirie en Côte-d'Or” saved." in text
    assert "Words: réfection voirie" in text
    assert "CPV: 45230000-8, 45233140-2" in text
    assert "NUTS: FRC11" in text
    assert "Buyers: Ville de Dijon" in text
    assert "once a day active" in text
    saved = Alert.objects.get()
    assert (saved.owner, saved.min_value, saved.max_value) == (
        owner,
        Decimal("40000"),
        None,
    )
    assert saved.procedures == ["open", "adapted"]


def test_wrong_fields_are_named_with_their_error(client, owner):
    ensure_nuts("FRC11")

    response = client.post(
        NEW,
        filled(
            name="",
            cpv_codes="99999999 4523x",
            nuts_codes="FRZ9 12",
            min_value="50000",
            max_value="10000",
        ),
    )

    assert response.status_code == 400
    text = page_text(response)
    assert "Name of the alert: This field is required." in text
    assert "CPV codes: Unknown CPV code: 99999999." in text
    assert "is not a CPV code" in text
    assert "Places (NUTS codes): Not a NUTS code (as FR, FRC1 or FRC11): 12." in text
    assert "The maximum is below the minimum." in text
    assert not Alert.objects.exists()


def test_an_unknown_nuts_region_is_named(client, owner):
    ensure_nuts("FRC11")

    response = client.post(NEW, filled(cpv_codes="", nuts_codes="FRZ9"))

    assert response.status_code == 400
    assert "Places (NUTS codes): Unknown NUTS codes: FRZ9." in page_text(response)


def test_the_owner_edits_an_alert(client, owner):
    ensure_cpv("45230000-8")
    ensure_nuts("FRC11")
    client.post(NEW, filled(cpv_codes="4523"))
    saved = Alert.objects.get()
    page = f"/business/alerts/{saved.pk}/edit/"

    form = client.get(page).content.decode()
    client.post(page, filled(cpv_codes="4523", frequency="weekly", is_active=""))

    assert 'value="45230000-8"' in form
    saved.refresh_from_db()
    assert (saved.frequency, saved.is_active) == (Frequency.WEEKLY, False)
    assert "once a week stopped" in page_text(client.get(LIST))


def test_the_owner_deletes_an_alert_after_confirming(client, owner):
    ensure_nuts("FRC11")
    client.post(NEW, filled(cpv_codes=""))
    saved = Alert.objects.get()
    page = f"/business/alerts/{saved.pk}/delete/"

    confirm = page_text(client.get(page))
    response = client.post(page, follow=True)

    assert "Delete the alert “Voirie en Côte-d'Or”?" in confirm
    assert "Alert “Voirie en Côte-d'Or” deleted." in page_text(response)
    assert "You have no alert yet." in page_text(response)
    assert not Alert.objects.exists()


def test_the_menu_links_to_the_alerts(client, owner):
    response = client.get("/")

    assert '<a href="/business/alerts/">My alerts</a>' in response.content.decode()


def test_the_list_costs_the_same_queries_for_one_alert_or_many(client, owner, dijon):
    ensure_nuts("FRC11")

    def list_queries():
        with CaptureQueriesContext(connection) as queries:
            text = page_text(client.get(LIST))
        return len(queries), text

    client.post(NEW, filled(name="Alert 0", cpv_codes="", buyers=[dijon.pk]))
    one, _text = list_queries()
    for n in range(1, 5):
        client.post(NEW, filled(name=f"Alert {n}", cpv_codes="", buyers=[dijon.pk]))
    many, text = list_queries()

    assert one == many == 5
    assert "Alert 4" in text and "Buyers: Ville de Dijon" in text
