"""A consultation's other languages: the buyer gives them, the portal shows them."""

import html
import re

import lxml.etree
import pytest
from django.urls import reverse

from mutualis.accounts.models import Role
from mutualis.core.journal import entries_for
from tests.factories import (
    BusinessFactory,
    ConsultationFactory,
    ConsultationTextFactory,
    member,
)
from tests.referential_data import ensure_cpv
from tests.tenders.factories import agent_of, fast_passwords, winter_morning
from tests.web.test_buyer import CREATE, draft_form

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("winter_morning", "fast_passwords"),
]
__all__ = ["fast_passwords", "winter_morning"]

LIST = reverse("web:consultation-list")
ATOM = {"a": "http://www.w3.org/2005/Atom"}


def text_of(response):
    page = response.content.decode()
    page = html.unescape(re.sub(r"<[^>]+>", " ", page))
    return re.sub(r"\s+", " ", page).strip()


def edit_url(consultation):
    return reverse("web:consultation-edit", args=[consultation.pk])


def italian(consultation, **fields):
    return ConsultationTextFactory(consultation=consultation, language="it", **fields)


@pytest.fixture
def draft(client):
    consultation = ConsultationFactory(title="Réfection de la voirie")
    client.force_login(agent_of(consultation.buyer))
    return consultation


def test_the_buyer_adds_an_italian_version_beside_the_draft(client, draft):
    response = client.post(
        reverse("web:text-save", args=[draft.pk]),
        {
            "text-language": "it",
            "text-title": "Rifacimento della viabilità",
            "text-description": "Lavori stradali",
        },
        follow=True,
    )

    page = text_of(response)
    assert "The text in Italian is saved." in page
    assert "Rifacimento della viabilità" in page
    assert '<td lang="it">Rifacimento della viabilità</td>' in response.content.decode()
    assert entries_for(draft).get().action == "tenders.text.added"


def test_the_main_language_is_not_offered_and_a_missing_title_is_named(client, draft):
    page = client.get(edit_url(draft)).content.decode()
    assert '<option value="it">' in page
    assert '<option value="fr">' not in page.split('id="languages"')[1]

    response = client.post(
        reverse("web:text-save", args=[draft.pk]),
        {"text-language": "it", "text-title": "", "text-description": "Lavori"},
    )

    assert response.status_code == 400
    assert "This field is required." in text_of(response)
    assert not draft.texts.exists()


def test_the_edit_link_fills_the_form_with_the_text(client, draft):
    italian(draft, title="Viabilità")

    page = client.get(edit_url(draft), {"language": "it"}).content.decode()

    assert 'name="text-title" value="Viabilità"' in page


def test_the_buyer_removes_a_text(client, draft):
    italian(draft)

    response = client.post(
        reverse("web:text-remove", args=[draft.pk, "it"]), follow=True
    )

    assert "The text in Italian is removed." in text_of(response)
    assert not draft.texts.exists()


def test_a_bidder_cannot_give_a_text_to_someone_else_s_draft(client):
    consultation = ConsultationFactory()
    client.force_login(member(BusinessFactory(), Role.BIDDER))

    response = client.post(
        reverse("web:text-save", args=[consultation.pk]),
        {"text-language": "it", "text-title": "Viabilità"},
    )

    assert response.status_code == 404
    assert not consultation.texts.exists()


def test_a_published_consultation_s_texts_cannot_be_edited(client):
    consultation = ConsultationFactory(published=True)
    client.force_login(agent_of(consultation.buyer))

    response = client.post(
        reverse("web:text-save", args=[consultation.pk]),
        {"text-language": "it", "text-title": "Viabilità"},
    )

    assert response.status_code in (403, 404)
    assert not consultation.texts.exists()


def test_an_italian_reader_sees_the_italian_title_in_the_list(client):
    voirie = ConsultationFactory(published=True, title="Réfection de la voirie")
    italian(voirie, title="Rifacimento della viabilità")
    ConsultationFactory(published=True, title="Réfection du pont")

    page = client.get(LIST, headers={"accept-language": "it"}).content.decode()

    assert '<h3 lang="it"><a href="/consultations/' in page
    assert "Rifacimento della viabilità</a></h3>" in page
    assert '<h3 lang="fr"><a' in page
    assert "Réfection du pont</a></h3>" in page
    assert "Réfection de la voirie" not in page


def test_the_detail_page_speaks_the_reader_s_language_and_offers_the_others(client):
    voirie = ConsultationFactory(
        published=True, title="Réfection de la voirie", description="Chaussée"
    )
    italian(voirie, title="Rifacimento della viabilità", description="Carreggiata")
    ConsultationTextFactory(consultation=voirie, language="en", title="Road works")
    url = reverse("web:consultation-detail", args=[voirie.pk])

    italian_page = client.get(url, headers={"accept-language": "it"})
    french = client.get(url, {"lang": "fr"}, headers={"accept-language": "it"})

    page = italian_page.content.decode()
    assert '<h1 lang="it">Rifacimento della viabilità</h1>' in page
    assert '<div lang="it"><p>Carreggiata</p></div>' in page
    assert '<a href="?lang=fr" hreflang="fr">' in page
    assert '<a href="?lang=en" hreflang="en">' in page
    assert '<h1 lang="fr">Réfection de la voirie</h1>' in french.content.decode()
    assert '<div lang="fr"><p>Chaussée</p></div>' in french.content.decode()


def test_a_reader_of_a_language_not_given_reads_the_main_one(client):
    voirie = ConsultationFactory(published=True, title="Réfection de la voirie")
    italian(voirie)
    url = reverse("web:consultation-detail", args=[voirie.pk])

    page = client.get(url, headers={"accept-language": "sv"}).content.decode()
    unknown = client.get(url, {"lang": "xx"}, headers={"accept-language": "sv"})

    assert '<h1 lang="fr">Réfection de la voirie</h1>' in page
    assert '<h1 lang="fr">Réfection de la voirie</h1>' in unknown.content.decode()


def test_a_consultation_in_one_language_lists_no_other(client):
    voirie = ConsultationFactory(published=True)

    page = client.get(reverse("web:consultation-detail", args=[voirie.pk]))

    assert "?lang=" not in page.content.decode()


def entries(response):
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True)
    feed = lxml.etree.fromstring(response.content, parser)
    return [
        (
            e.findtext("a:title", namespaces=ATOM),
            e.findtext("a:summary", namespaces=ATOM),
        )
        for e in feed.findall("a:entry", ATOM)
    ]


def test_the_feeds_give_the_title_and_description_in_the_reader_s_language(client):
    voirie = ConsultationFactory(
        published=True, title="Réfection de la voirie", description="Chaussée"
    )
    italian(voirie, title="Rifacimento della viabilità", description="Carreggiata")
    history = reverse("web:consultation-history-feed", args=[voirie.pk])

    latest = entries(
        client.get("/consultations/feed/", headers={"accept-language": "it"})
    )
    french = entries(
        client.get("/consultations/feed/", headers={"accept-language": "fr"})
    )
    own = client.get(history, headers={"accept-language": "it"}).content.decode()

    assert latest[0][0] == f"{voirie.reference} — Rifacimento della viabilità"
    assert latest[0][1].endswith("\n\nCarreggiata")
    assert french[0][0] == f"{voirie.reference} — Réfection de la voirie"
    assert french[0][1].endswith("\n\nChaussée")
    assert "Rifacimento della viabilità" in own


def test_the_api_detail_gives_the_reader_s_language_and_names_the_others(client):
    voirie = ConsultationFactory(
        published=True, title="Réfection de la voirie", description="Chaussée"
    )
    italian(voirie, title="Rifacimento della viabilità", description="Carreggiata")
    url = f"/api/v1/consultations/{voirie.pk}"

    italian_body = client.get(url, headers={"accept-language": "it"}).json()
    czech_body = client.get(url, headers={"accept-language": "cs"}).json()

    assert (italian_body["title"], italian_body["description"]) == (
        "Rifacimento della viabilità",
        "Carreggiata",
    )
    assert (italian_body["language"], italian_body["text_language"]) == ("fr", "it")
    assert italian_body["languages"] == ["fr", "it"]
    assert (czech_body["title"], czech_body["text_language"]) == (
        "Réfection de la voirie",
        "fr",
    )


def test_the_draft_form_sets_the_main_language_and_keeps_it_unless_told(client):
    buyer = ConsultationFactory().buyer
    client.force_login(agent_of(buyer))
    ensure_cpv("45233140-2")

    client.post(CREATE, draft_form(buyer, language="it"))
    client.post(CREATE, draft_form(buyer, reference="2027-VOI-11"))

    languages = dict(buyer.consultations.values_list("reference", "language"))
    assert (languages["2027-VOI-10"], languages["2027-VOI-11"]) == ("it", "fr")


def test_the_main_language_cannot_take_the_place_of_another_text(client, draft):
    italian(draft)
    form = draft_form(draft.buyer, reference=draft.reference, language="it")
    ensure_cpv("45233140-2")

    response = client.post(edit_url(draft), form)

    assert response.status_code == 400
    assert (
        "Italian is one of the consultation's other languages: remove that text first."
        in text_of(response)
    )


@pytest.mark.parametrize("count", [1, 20])
def test_the_list_in_italian_takes_the_same_queries_however_many_calls(
    client, django_assert_num_queries, count
):
    for n in range(count):
        italian(ConsultationFactory(published=True), title=f"Viabilità {n}")
    client.get(LIST, headers={"accept-language": "it"})

    # The followed platforms to search by, the count, the keys of the page, its
    # calls with their buyers and codes, and their Italian texts.
    with django_assert_num_queries(5):
        response = client.get(LIST, headers={"accept-language": "it"})

    assert response.content.decode().count('<h3 lang="it">') == count
