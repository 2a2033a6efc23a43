import pytest
from django.urls import reverse

from mutualis.tenders.models import State
from tests.factories import ConsultationFactory, LotFactory
from tests.referential_data import ensure_cpv
from tests.tenders.factories import fast_passwords, winter_morning

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("winter_morning", "fast_passwords"),
]
__all__ = ["fast_passwords", "winter_morning"]
LIST = "/api/v1/consultations"


def test_the_list_shows_public_consultations_with_their_codes(client):
    (cpv,) = ensure_cpv("45233140-2")
    c = ConsultationFactory(
        published=True, title="Réfection de la voirie", main_cpv=cpv
    )
    ConsultationFactory(state=State.DRAFT, title="Brouillon")

    body = client.get(LIST, headers={"accept-language": "fr"}).json()

    assert [r["title"] for r in body["results"]] == ["Réfection de la voirie"]
    first = body["results"][0]
    assert first["main_cpv"] == {"code": "45233140-2", "label": "Travaux routiers"}
    assert first["buyer"]["name"] == c.buyer.name
    assert first["url"].endswith(reverse("web:consultation-detail", args=[c.pk]))
    assert body["next"] is None


def test_the_detail_gives_lots_documents_notices(client):
    c = ConsultationFactory(published=True)
    LotFactory(consultation=c, number=2, title="Lot deux")
    LotFactory(consultation=c, number=1, title="Lot un")

    body = client.get(f"{LIST}/{c.pk}").json()

    assert [lot["title"] for lot in body["lots"]] == ["Lot un", "Lot deux"]
    assert body["notices"]["eforms_contract_notice"].endswith(
        f"/consultations/{c.pk}/eforms.xml"
    )
    assert body["notices"]["eforms_award_notice"] is None
    assert body["awards"] == []


def test_a_draft_is_not_found(client):
    draft = ConsultationFactory(state=State.DRAFT)

    response = client.get(f"{LIST}/{draft.pk}")

    assert response.status_code == 404


def test_pages_follow_each_other_and_a_new_publication_comes_last(client):
    first, second, third = (ConsultationFactory(published=True) for _ in range(3))

    page = client.get(LIST, {"limit": 2}).json()
    assert [r["id"] for r in page["results"]] == [first.pk, second.pk]
    late = ConsultationFactory(published=True)
    rest = client.get(page["next"]).json()

    assert [r["id"] for r in rest["results"]] == [third.pk, late.pk]
    assert rest["next"] is None


def test_a_forged_cursor_is_refused_with_its_reason(client):
    response = client.get(LIST, {"cursor": "not-a-cursor"})

    assert response.status_code == 400
    assert response.json() == {"detail": "This cursor is not one of this list's."}


def test_the_openapi_schema_is_served(client):
    schema = client.get("/api/v1/openapi.json").json()

    assert schema["openapi"].startswith("3.")
    assert "/api/v1/consultations" in schema["paths"]
    assert "/api/v1/consultations/{pk}" in schema["paths"]


def test_the_reference_page_loads_its_scripts_from_the_platform(client):
    response = client.get("/api/v1/docs")
    page = response.content.decode()

    assert response.status_code == 200
    assert "swagger-ui-bundle.js" in page
    assert "cdn." not in page
