"""`mutualis export-eforms` and the notice pages: public consultations only."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from mutualis.accounts.models import Role
from mutualis.exchange.eforms import read_notice
from mutualis.tenders.models import State
from tests.exchange.eforms_out_support import award, awarded, published_consultation
from tests.factories import LotFactory, member

pytestmark = pytest.mark.django_db

PORTAL = "https://marches.mutualis.example"


def export(*args):
    out = StringIO()
    call_command("export_eforms", *[str(arg) for arg in args], stdout=out)
    return out.getvalue().encode()


def test_command_writes_the_contract_notice():
    consultation = published_consultation()

    notice = read_notice(export(consultation.pk))

    assert (notice.document_type, notice.subtype) == ("ContractNotice", "16")
    assert notice.title == "Réfection de la voirie communale"


def test_command_writes_the_award_notice():
    consultation = published_consultation()
    award(consultation)
    awarded(consultation)

    notice = read_notice(export(consultation.pk, "--award"))

    assert (notice.document_type, notice.subtype) == ("ContractAwardNotice", "29")
    [result] = notice.results
    assert [a.winner.name for a in result.awards] == [
        "Société Générale d'Étanchéité Bourguignonne"
    ]


def test_command_refuses_a_draft_and_an_award_not_made():
    draft = published_consultation(state=State.DRAFT, published_at=None)
    published = published_consultation(reference="2027-VOI-005", buyer=draft.buyer)

    with pytest.raises(CommandError) as not_public:
        export(draft.pk)
    with pytest.raises(CommandError) as not_awarded:
        export(published.pk, "--award")
    with pytest.raises(CommandError) as unknown:
        export(published.pk + 100)

    assert str(not_public.value) == (
        "Consultation 2027-VOI-004 is not public: it has no contract notice."
    )
    assert str(not_awarded.value) == (
        "Consultation 2027-VOI-005 is not awarded: it has no award notice."
    )
    assert str(unknown.value) == f"No consultation {published.pk + 100}."


def test_page_serves_the_contract_notice_as_xml(client, settings):
    settings.MUTUALIS_BASE_URL = PORTAL
    consultation = published_consultation()

    response = client.get(f"/consultations/{consultation.pk}/eforms.xml")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    notice = read_notice(response.content)
    assert notice.title == "Réfection de la voirie communale"
    assert notice.lots[0].identifier == "LOT-0001"
    documents = f"<cbc:URI>{PORTAL}/consultations/{consultation.pk}/</cbc:URI>"
    assert documents.encode() in response.content


def test_page_serves_the_award_notice_once_awarded(client):
    consultation = published_consultation()
    url = f"/consultations/{consultation.pk}/eforms-can.xml"
    before = client.get(url)
    award(consultation)
    awarded(consultation)

    after = client.get(url)

    assert before.status_code == 404
    assert after.status_code == 200
    assert read_notice(after.content).document_type == "ContractAwardNotice"


@pytest.mark.parametrize("state", [State.DRAFT, State.CANCELLED])
def test_page_hides_what_the_portal_hides_even_from_the_buyer(client, state):
    consultation = published_consultation(state=state)
    client.force_login(member(consultation.buyer, Role.BUYER_ADMIN))

    notice = client.get(f"/consultations/{consultation.pk}/eforms.xml")
    result = client.get(f"/consultations/{consultation.pk}/eforms-can.xml")

    assert (notice.status_code, result.status_code) == (404, 404)


@pytest.mark.parametrize(
    ("page", "queries"), [("eforms.xml", 5), ("eforms-can.xml", 6)]
)
def test_pages_read_the_same_few_rows_whatever_the_lots(
    client, django_assert_num_queries, page, queries
):
    consultation = published_consultation()
    for number in (1, 2, 3):
        lot = LotFactory(consultation=consultation, number=number)
        award(consultation, lot=lot, siret="", siren="", name=f"Entreprise {number}")
    awarded(consultation)

    # The call, its lots, places, additional codes, other languages, and the awards
    # with their winners.
    with django_assert_num_queries(queries):
        response = client.get(f"/consultations/{consultation.pk}/{page}")

    assert response.status_code == 200


def test_contract_notice_of_an_awarded_call_names_no_winner(client):
    consultation = published_consultation()
    award(consultation)
    awarded(consultation)

    response = client.get(f"/consultations/{consultation.pk}/eforms.xml")

    assert read_notice(response.content).results == []
    assert "Étanchéité" not in response.content.decode()
