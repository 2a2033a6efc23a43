import datetime as dt
import html
import io
import re
import zipfile

import pytest
from django.db import connection
from django.urls import reverse

from mutualis.accounts.models import Role
from mutualis.core.time import to_utc
from mutualis.tenders import actions
from mutualis.tenders.models import Award, Download, Procedure, State
from mutualis.web.views import portal
from tests.factories import BusinessFactory, ConsultationFactory, LotFactory, member
from tests.referential_data import ensure_cpv
from tests.tenders.factories import (
    agent_of,
    fast_passwords,
    published,
    ready_draft,
    upload,
    winter_morning,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("winter_morning", "fast_passwords"),
]
__all__ = ["fast_passwords", "winter_morning"]

LIST = reverse("web:consultation-list")


def text_of(response):
    """The page's visible text, tags removed and spaces collapsed."""
    page = response.content.decode()
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = html.unescape(re.sub(r"<[^>]+>", " ", page))
    return re.sub(r"\s+", " ", page).strip()


def download(client, url, params=None):
    """The response and its whole body; reading it to the end closes the file."""
    response = client.get(url, params)
    body = b"".join(response.streaming_content) if response.streaming else b""
    return response, body


def deadline(year, month, day, hour):
    return to_utc(dt.datetime(year, month, day, hour, 0), "Europe/Paris")


def test_the_list_shows_what_a_bidder_needs_to_choose(client):
    (cpv,) = ensure_cpv("45233140-2")
    ConsultationFactory(
        published=True,
        reference="2027-VOI-01",
        title="Réfection de la voirie",
        buyer__name="Commune de Beaune",
        procedure=Procedure.OPEN,
        main_cpv=cpv,
        submission_deadline=deadline(2027, 2, 10, 17),
    )

    page = text_of(client.get(LIST))

    assert "Réfection de la voirie" in page
    assert "Buyer Commune de Beaune" in page
    assert "Reference 2027-VOI-01" in page
    assert "Procedure open procedure" in page
    assert "Contract nature works" in page
    assert "CPV 45233140-2 Roadworks" in page
    assert "Closing 10 February 2027, 17:00 (Europe/Paris)" in page
    assert "Phase open for bids" in page


def test_the_cpv_label_is_in_the_reader_s_language(client):
    (cpv,) = ensure_cpv("45233140-2")
    ConsultationFactory(published=True, main_cpv=cpv)

    page = text_of(client.get(LIST, headers={"accept-language": "fr"}))

    assert "45233140-2 Travaux routiers" in page


def test_drafts_and_cancelled_calls_are_not_listed(client):
    ConsultationFactory(published=True, title="Publiée")
    ConsultationFactory(state=State.DRAFT, title="Brouillon")
    ConsultationFactory(state=State.CANCELLED, title="Annulée")

    page = text_of(client.get(LIST))

    assert "Publiée" in page
    assert "Brouillon" not in page
    assert "Annulée" not in page
    assert "1 consultation" in page


def test_the_search_form_finds_by_word_prefix_without_accents(client):
    ConsultationFactory(published=True, title="Réfection de la Voirie")
    ConsultationFactory(published=True, title="Restauration scolaire")

    page = text_of(client.get(LIST, {"q": "voiri"}))

    assert "Réfection de la Voirie" in page
    assert "Restauration scolaire" not in page


def test_the_search_form_finds_a_cpv_code_s_children(client):
    roadworks, meals = ensure_cpv("45233140-2", "55523100-3")
    ConsultationFactory(published=True, title="Voirie", main_cpv=roadworks)
    ConsultationFactory(published=True, title="Cantine", main_cpv=meals)

    page = text_of(client.get(LIST, {"cpv": "45000000"}))

    assert "Voirie" in page
    assert "Cantine" not in page


def test_an_unknown_cpv_code_is_named(client):
    page = text_of(client.get(LIST, {"cpv": "99999999"}))

    assert "Unknown CPV code: 99999999." in page


def test_every_field_of_the_search_has_a_label(client):
    html = client.get(LIST).content.decode()

    for name in ("q", "cpv", "nuts", "buyer", "procedure", "nature"):
        assert f'<label for="id_{name}">' in html
    assert 'method="get"' in html


def test_a_buyer_is_found_by_words_of_its_name(client):
    ConsultationFactory(
        published=True, title="Voirie", buyer__name="Syndicat des eaux de Beaune"
    )
    ConsultationFactory(published=True, title="Cantine", buyer__name="Commune de Dijon")

    page = text_of(client.get(LIST, {"buyer": "beaune SYNDICAT"}))
    html = client.get(LIST).content.decode()

    assert "Voirie" in page
    assert "Cantine" not in page
    # No list of every buyer in the page.
    assert "Commune de Dijon</option>" not in html


def test_pages_keep_the_search(client):
    for n in range(25):
        ConsultationFactory(published=True, title=f"Voirie {n}")

    first = client.get(LIST, {"q": "voirie"})
    second = client.get(LIST, {"q": "voirie", "page": 2})

    assert "Page 1 of 2" in text_of(first)
    assert 'href="?q=voirie&amp;page=2"' in first.content.decode()
    assert text_of(second).count("Phase open for bids") == 5


def test_past_the_count_cap_the_list_says_more_than_and_pages_stop(client, monkeypatch):
    monkeypatch.setattr(portal, "PAGE_SIZE", 2)
    monkeypatch.setattr(portal, "COUNT_CAP", 4)
    for n in range(7):
        ConsultationFactory(published=True, title=f"Voirie {n}")
    ConsultationFactory(published=True, title="Cantine")

    first = text_of(client.get(LIST, {"q": "voirie"}))
    beyond = text_of(client.get(LIST, {"q": "voirie", "page": 9}))
    exact = text_of(client.get(LIST, {"q": "cantine"}))

    assert "More than 4 consultations: add words or filters" in first
    assert "Page 1 of 2" in first
    assert "Page 2 of 2" in beyond
    assert beyond.count("Phase open for bids") == 2
    assert "1 consultation " in exact
    assert "More than" not in exact


def test_the_list_runs_a_fixed_number_of_queries(client, django_assert_num_queries):
    (cpv,) = ensure_cpv("45233140-2")
    for _n in range(20):
        ConsultationFactory(published=True, main_cpv=cpv)

    # The followed platforms to search by, the count (on PostgreSQL with its
    # planner settings, in a savepoint here, and the test's own settings back),
    # the page's keys, its calls, and their texts in the reader's language.
    queries = {"sqlite": 5, "postgresql": 9}[connection.vendor]
    with django_assert_num_queries(queries):
        response = client.get(LIST, {"q": "voirie", "procedure": "adapted"})

    assert text_of(response).count("Phase open for bids") == 20


def test_the_detail_page_shows_the_facts_lots_documents_and_awards(client):
    consultation, agent = ready_draft(
        title="Réfection de la voirie",
        reference="2027-VOI-02",
        submission_deadline=deadline(2027, 2, 15, 12),
    )
    actions.add_document(
        agent, consultation, upload("Plans d'exécution.pdf", b"x" * 2048)
    )
    LotFactory(consultation=consultation, number=1, title="Chaussée")
    actions.publish(agent, consultation)
    winner = BusinessFactory(name="Routes de Bourgogne SAS")
    Award.objects.create(consultation=consultation, winner=winner)

    response = client.get(reverse("web:consultation-detail", args=[consultation.pk]))
    page = text_of(response)

    assert "Reference 2027-VOI-02" in page
    assert "Deadline for bids 15 February 2027, 12:00 (Europe/Paris)" in page
    assert "1 Chaussée" in page
    assert "Plans d'exécution.pdf 2.0 KB" in page
    assert "Download the whole DCE (zip)" in page
    assert "Routes de Bourgogne SAS" in page
    html = response.content.decode()
    assert reverse("web:dce-zip", args=[consultation.pk]) in html
    assert f"/consultations/{consultation.pk}/bid/" in html


def test_a_draft_is_hidden_from_the_public_but_shown_to_its_buyer(client):
    consultation, agent = ready_draft()
    url = reverse("web:consultation-detail", args=[consultation.pk])

    anonymous = client.get(url)
    client.force_login(agent)
    staff = client.get(url)

    assert anonymous.status_code == 404
    assert "only the buyer's staff see it" in text_of(staff)


def test_a_document_downloads_under_its_own_name_and_is_registered(client):
    consultation, agent = published()
    document = consultation.documents.get()

    response, body = download(
        client, reverse("web:document-download", args=[consultation.pk, document.pk])
    )

    assert body == b"%PDF-1.7 rc"
    assert response["Content-Disposition"] == (
        'attachment; filename="R_glement de consultation.pdf"; '
        "filename*=UTF-8''R%C3%A8glement%20de%20consultation.pdf"
    )
    line = Download.objects.get()
    assert (line.document, line.user, line.organisation) == (document, None, None)


def test_an_identified_download_names_the_person_and_their_business(client):
    consultation, _agent = published()
    business = BusinessFactory()
    bidder = member(business, Role.BIDDER)
    client.force_login(bidder)

    download(client, reverse("web:dce-zip", args=[consultation.pk]))

    line = Download.objects.get()
    assert (line.document, line.user, line.organisation) == (None, bidder, business)


def test_a_person_of_several_businesses_downloads_for_the_one_chosen(client):
    consultation, _agent = published()
    first, second = BusinessFactory(), BusinessFactory(name="Second SARL")
    bidder = member(first, Role.BIDDER)
    member_of_second = member(second, Role.COMPANY_ADMIN, email="x@example.org")
    member_of_second.memberships.update(user=bidder)
    client.force_login(bidder)
    detail = reverse("web:consultation-detail", args=[consultation.pk])

    page = client.get(detail, {"organisation": second.pk})
    download(
        client,
        reverse("web:dce-zip", args=[consultation.pk]),
        {"organisation": second.pk},
    )

    assert "Download on behalf of" in text_of(page)
    assert f"dce.zip?organisation={second.pk}" in page.content.decode()
    assert Download.objects.get().organisation == second


def test_the_dce_zip_keeps_accents_and_apostrophes(client):
    consultation, agent = ready_draft(reference="2027/VOI-03")
    actions.add_document(agent, consultation, upload("CCTP l'été.pdf", b"cctp"))
    actions.add_document(agent, consultation, upload("Annexe.txt", b"annexe"))
    actions.publish(agent, consultation)

    response, body = download(client, reverse("web:dce-zip", args=[consultation.pk]))
    archive = zipfile.ZipFile(io.BytesIO(body))

    assert sorted(archive.namelist()) == [
        "Annexe.txt",
        "CCTP l'été.pdf",
        "Règlement de consultation.pdf",
    ]
    assert archive.getinfo("CCTP l'été.pdf").flag_bits & 0x800
    assert archive.read("CCTP l'été.pdf") == b"cctp"
    assert response["Content-Disposition"] == (
        'attachment; filename="DCE 2027-VOI-03.zip"; '
        "filename*=UTF-8''DCE%202027-VOI-03.zip"
    )
    assert Download.objects.get().document is None


def test_an_empty_dce_has_no_zip(client):
    consultation = ConsultationFactory(published=True)

    response = client.get(reverse("web:dce-zip", args=[consultation.pk]))

    assert response.status_code == 404


def test_a_draft_s_documents_are_not_public(client):
    consultation, _agent = ready_draft()
    document = consultation.documents.get()

    response, _body = download(
        client, reverse("web:document-download", args=[consultation.pk, document.pk])
    )

    assert response.status_code == 404
    assert not Download.objects.exists()


def test_staff_download_their_draft_and_the_register_keeps_it(client):
    consultation, agent = ready_draft()
    client.force_login(agent_of(consultation.buyer, email="admin@example.org"))

    response, body = download(client, reverse("web:dce-zip", args=[consultation.pk]))

    assert response.status_code == 200
    assert zipfile.ZipFile(io.BytesIO(body)).namelist() == [
        "Règlement de consultation.pdf"
    ]
    assert Download.objects.count() == 1


@pytest.mark.parametrize("field", ["closes_from", "closes_to"])
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_closing_date_at_the_ends_of_the_calendar_is_refused_plainly(
    client, field, day
):
    response = client.get(LIST, {field: day})

    assert response.status_code == 200
    assert "Give a date between the years 1990 and 2200." in text_of(response)


def test_a_call_imported_from_ted_sends_bidders_to_its_notice(client):
    consultation = ConsultationFactory(
        published=True,
        notice_id="0027419f-f482-427c-9dc9-439f0f835eb3",
        notice_publication_id="00215550-2024",
    )

    response = client.get(reverse("web:consultation-detail", args=[consultation.pk]))
    page = text_of(response)

    assert "bids go to the buyer, as its notice says" in page
    assert "Submit a bid" not in page
    assert 'href="https://ted.europa.eu/en/notice/-/detail/215550-2024"' in (
        response.text
    )


def test_a_restricted_call_past_its_participation_deadline_is_closed(client):
    consultation = ConsultationFactory(
        published=True,
        procedure=Procedure.RESTRICTED,
        submission_deadline=None,
        participation_deadline=deadline(2024, 4, 15, 12),
    )

    page = text_of(
        client.get(reverse("web:consultation-detail", args=[consultation.pk]))
    )

    assert "closed, awaiting opening" in page
    assert "Submit a bid" not in page


def test_head_answers_where_get_records_nothing_and_never_counts_a_download(client):
    consultation = ConsultationFactory(published=True)

    listed = client.head("/consultations/")
    shown = client.head(f"/consultations/{consultation.pk}/")
    zipped = client.head(f"/consultations/{consultation.pk}/dce.zip")

    assert (listed.status_code, shown.status_code) == (200, 200)
    assert listed.content == b""
    assert zipped.status_code == 405
    assert not Download.objects.exists()
