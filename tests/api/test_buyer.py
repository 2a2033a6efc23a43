"""A buyer's software drafts, changes, documents and publishes through its token."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mutualis.accounts.models import Role
from mutualis.core.models import JournalEntry
from mutualis.referential.loaders import load_thresholds
from mutualis.tenders.models import Consultation, State
from tests.factories import BuyerFactory, ConsultationFactory, commission, member
from tests.referential_data import ensure_cpv, ensure_nuts
from tests.tenders.factories import fast_passwords, winter_morning
from tests.uploads.sealed import bearer, token_for

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("winter_morning", "fast_passwords"),
]
__all__ = ["fast_passwords", "winter_morning"]
OWN = "/api/v1/buyer/consultations"
DRAFT = {
    "reference": "2027-VOI-010",
    "title": "Réfection de la voirie communale",
    "nature": "works",
    "procedure": "adapted",
    "estimated_value": "85000.00",
    "main_cpv": "45233140",
    "nuts": ["FRC11"],
    "questions_deadline": "2027-02-10T12:00",
    "submission_deadline": "2027-02-20T17:00",
}


@pytest.fixture
def buyer():
    return BuyerFactory(name="Commune de Châtillon-sur-Seine")


@pytest.fixture
def agent(buyer):
    ensure_cpv("45233140-2")
    ensure_nuts("FRC11")
    load_thresholds()
    return member(buyer, Role.BUYER_AGENT)


@pytest.fixture
def token(agent):
    return bearer(token_for(agent))


def test_a_draft_made_by_token_reads_back_in_the_buyers_time(client, token, buyer):
    made = client.post(OWN, DRAFT, content_type="application/json", **token)

    body = made.json()
    consultation = Consultation.objects.get()
    assert made.status_code == 201
    assert consultation.buyer == buyer
    assert body["state"] == "draft"
    assert body["main_cpv"]["code"] == "45233140-2"
    assert [n["code"] for n in body["nuts"]] == ["FRC11"]
    # 17:00 in Paris in winter is 16:00 UTC.
    assert body["submission_deadline"] == "2027-02-20T16:00:00Z"
    assert body["url"].endswith(reverse("web:consultation-edit", args=[body["id"]]))
    assert "document-attached" in [p["rule"] for p in body["pending"]]
    assert JournalEntry.objects.filter(action="tenders.consultation.created").exists()


def test_a_bad_draft_names_each_field_and_writes_nothing(client, token):
    bad = {**DRAFT, "main_cpv": "12", "time_zone": "Mars/Olympus"}

    answer = client.post(OWN, bad, content_type="application/json", **token)

    assert answer.status_code == 422
    fields = {p["field"]: p["message"] for p in answer.json()["errors"]}
    assert fields["main_cpv"].startswith("12 is not a CPV code")
    assert (
        fields["time_zone"]
        == "Mars/Olympus is not a known time zone (as Europe/Paris)."
    )
    assert not Consultation.objects.exists()


def test_a_missing_field_is_named_by_the_schema(client, token):
    answer = client.post(
        OWN, {"title": "Sans référence"}, content_type="application/json", **token
    )

    assert answer.status_code == 422
    assert "reference" in [p["field"] for p in answer.json()["errors"]]


def test_a_change_keeps_the_fields_not_given(client, token):
    made = client.post(OWN, DRAFT, content_type="application/json", **token).json()

    changed = client.patch(
        f"{OWN}/{made['id']}",
        {"title": "Voirie, tranche 2"},
        content_type="application/json",
        **token,
    )

    body = changed.json()
    assert changed.status_code == 200
    assert body["title"] == "Voirie, tranche 2"
    assert body["main_cpv"]["code"] == "45233140-2"
    assert body["submission_deadline"] == "2027-02-20T16:00:00Z"


def test_a_reference_already_taken_is_named(client, token, buyer):
    ConsultationFactory(buyer=buyer, reference="2027-VOI-010")

    answer = client.post(OWN, DRAFT, content_type="application/json", **token)

    assert answer.status_code == 422
    assert answer.json()["errors"] == [
        {
            "field": "reference",
            "rule": None,
            "message": "This buyer already has a consultation with the reference "
            "2027-VOI-010.",
        }
    ]


def test_documents_attach_then_publication_says_what_is_missing(client, token):
    made = client.post(OWN, DRAFT, content_type="application/json", **token).json()
    url = f"{OWN}/{made['id']}"

    attached = client.post(
        f"{url}/documents",
        {"files": [_file("Règlement.pdf"), _file("CCTP.pdf")]},
        **token,
    )
    again = client.post(f"{url}/documents", {"files": [_file("CCTP.pdf")]}, **token)
    refused = client.post(f"{url}/publish", **token)

    assert attached.status_code == 201
    assert [d["name"] for d in attached.json()] == ["Règlement.pdf", "CCTP.pdf"]
    assert again.status_code == 422
    assert again.json()["errors"] == [
        {
            "field": "files",
            "rule": None,
            "message": "A document named CCTP.pdf is already attached.",
        }
    ]
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {
            "field": None,
            "rule": "opening-commission",
            "message": "Opening commission: name the openers' keys and how many "
            "must act together.",
        }
    ]
    assert Consultation.objects.get().state == State.DRAFT


def test_a_draft_ready_is_published_and_then_no_longer_changed(client, token):
    made = client.post(OWN, DRAFT, content_type="application/json", **token).json()
    url = f"{OWN}/{made['id']}"
    client.post(f"{url}/documents", {"files": [_file("RC.pdf")]}, **token)
    commission(Consultation.objects.get())

    published = client.post(f"{url}/publish", **token)
    changed = client.patch(
        url, {"title": "Trop tard"}, content_type="application/json", **token
    )

    assert published.status_code == 200
    assert published.json()["state"] == "published"
    assert published.json()["pending"] == []
    assert published.json()["published_at"] == "2027-01-11T09:00:00Z"
    assert changed.status_code == 403
    assert changed.json()["detail"] == "You may not do this on this consultation."


def test_the_list_gives_drafts_in_pages_and_a_new_draft_comes_last(
    client, token, buyer
):
    first, second, third = (ConsultationFactory(buyer=buyer) for _ in range(3))
    ConsultationFactory(published=True)

    page = client.get(OWN, {"limit": 2}, **token).json()
    late = ConsultationFactory(buyer=buyer, published=True)
    rest = client.get(page["next"], **token).json()

    assert [r["id"] for r in page["results"]] == [first.pk, second.pk]
    assert [r["id"] for r in rest["results"]] == [third.pk, late.pk]
    assert rest["next"] is None


def _file(name):
    return SimpleUploadedFile(name, b"%PDF-1.7 " + name.encode())


def test_the_schema_asks_a_bearer_token_for_the_buyers_endpoints(client):
    schema = client.get("/api/v1/openapi.json").json()

    create = schema["paths"][OWN]["post"]
    public = schema["paths"]["/api/v1/consultations"]["get"]
    assert schema["components"]["securitySchemes"]["TokenAuth"] == {
        "type": "http",
        "scheme": "bearer",
    }
    assert create["security"] == [{"TokenAuth": []}]
    assert "security" not in public
