import pytest

from mutualis.accounts.models import User
from mutualis.referential.loaders import load_thresholds
from tests.referential.shipped import cpv_row
from tests.referential_data import ensure_cpv, ensure_nuts

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = User.objects.create_superuser("admin@example.org", "pw", full_name="Ada")
    client.force_login(admin)
    return client


def test_cpv_codes_are_found_by_code(admin_client):
    ensure_cpv("45233140-2", "79000000-4")

    page = admin_client.get("/admin/referential/cpvcode/", {"q": "45233140"})

    assert page.status_code == 200
    assert "Roadworks" in page.text
    assert "Business services" not in page.text


def test_cpv_codes_are_found_by_french_label_with_accents(admin_client):
    ensure_cpv("45233140-2", "79000000-4")
    french = cpv_row("79000000-4")["FR"]

    page = admin_client.get("/admin/referential/cpvcode/", {"q": "sécurité"})

    assert "sécurité" in french
    assert "79000000-4" in page.text
    assert "45233140-2" not in page.text


def test_nuts_regions_are_found_by_name(admin_client):
    ensure_nuts("FRC11", "FRC14")

    page = admin_client.get("/admin/referential/nutscode/", {"q": "Yonne"})

    assert "FRC14" in page.text
    assert "FRC11" not in page.text


def test_thresholds_are_listed_and_cannot_be_changed(admin_client):
    load_thresholds()

    listing = admin_client.get("/admin/referential/threshold/", {"q": "utilities"})
    adding = admin_client.get("/admin/referential/threshold/add/")

    assert "432000.00" in listing.text
    assert "140000.00" not in listing.text
    assert adding.status_code == 403


def test_reference_data_cannot_be_deleted(admin_client):
    (roadworks,) = ensure_cpv("45233140-2")

    page = admin_client.get(f"/admin/referential/cpvcode/{roadworks.pk}/delete/")

    assert page.status_code == 403
