# The fixtures come from the vault tests; pytest passes them in by name.
# ruff: noqa: F811
"""The vault pages: the list, upload, replace, delete, the file, and the deposit page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mutualis.accounts.models import OrganisationKind, Role
from mutualis.core.models import JournalEntry
from mutualis.vault.actions import replace_document
from mutualis.vault.models import Document
from tests.accounts.html import page_text
from tests.bids.factories import at, paris
from tests.factories import (
    BusinessFactory,
    BuyerFactory,
    ConsultationFactory,
    member,
)
from tests.vault.conftest import (  # noqa: F401
    KBIS,
    admin,
    bidder,
    business,
    day,
    upload,
)

pytestmark = pytest.mark.django_db

TODAY = paris(2027, 4, 2, 10, 0)


@pytest.fixture
def documents(admin, business):
    with at(paris(2027, 1, 5, 9, 0)):
        return {
            "kbis": upload(admin, business, valid_until=day(2027, 6, 30)),
            "urssaf": upload(
                admin,
                business,
                kind="social",
                title="Attestation URSSAF",
                name="urssaf.pdf",
                content=b"%PDF urssaf",
                valid_until=day(2027, 4, 1),
            ),
        }


def logged_in(client, user):
    client.force_login(user)
    return client


def vault_url(business):
    return reverse("web:vault-business", args=[business.pk])


def file_url(document):
    return reverse("web:vault-file", args=[document.current_id])


def test_a_member_sees_the_documents_and_an_expired_one_marked(
    client, bidder, business, documents
):
    with at(TODAY):
        page = logged_in(client, bidder).get(vault_url(business))

    text = page_text(page)
    assert page.status_code == 200
    assert (
        "Kbis (extract of registration) Extrait Kbis kbis.pdf (4,400 bytes (4.3 KB))"
        " until 30 June 2027 5 January 2027, Agnès Morel"
    ) in text
    assert "until 1 April 2027 expired" in text
    assert text.count("expired") == 1


def test_the_vault_link_goes_to_one_s_only_business(client, bidder, business):
    page = logged_in(client, bidder).get(reverse("web:vault"))

    assert page.status_code == 302
    assert page.url == vault_url(business)


def test_a_buyer_has_no_vault_and_reaches_none(client, business, documents):
    agent = member(BuyerFactory(), Role.BUYER_AGENT)
    logged_in(client, agent)

    home = client.get(reverse("web:vault"))
    pages = [
        vault_url(business),
        file_url(documents["kbis"]),
        reverse("web:vault-replace", args=[documents["kbis"].pk]),
        reverse("web:vault-delete", args=[documents["kbis"].pk]),
    ]

    assert "your account belongs to no business" in page_text(home)
    assert [client.get(url).status_code for url in pages] == [404] * 4
    assert client.post(pages[3]).status_code == 404
    assert Document.objects.count() == 2


@pytest.mark.parametrize(
    "who", ["other business", "operator admin", "superuser", "anonymous"]
)
def test_an_outsider_gets_no_file(client, business, documents, who):
    if who == "other business":
        logged_in(client, member(BusinessFactory(), Role.COMPANY_ADMIN))
    elif who == "operator admin":
        operator = BuyerFactory(kind=OrganisationKind.OPERATOR)
        logged_in(client, member(operator, Role.OPERATOR_ADMIN))
    elif who == "superuser":
        logged_in(client, member(BusinessFactory(), is_superuser=True))

    response = client.get(file_url(documents["kbis"]))

    assert response.status_code == (302 if who == "anonymous" else 404)
    assert b"Kbis" not in b"".join(getattr(response, "streaming_content", [b""]))


def test_the_file_goes_to_a_member_as_an_attachment_kept_out_of_caches(
    client, bidder, documents
):
    response = logged_in(client, bidder).get(file_url(documents["kbis"]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == KBIS
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"] == 'attachment; filename="kbis.pdf"'
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_bidder_uploads_a_document_through_the_page(client, bidder, business):
    with at(TODAY):
        response = logged_in(client, bidder).post(
            vault_url(business),
            {
                "kind": "insurance",
                "title": "Assurance décennale 2027",
                "file": SimpleUploadedFile("decennale.pdf", b"%PDF assurance"),
                "valid_from": "2027-01-01",
                "valid_until": "2027-12-31",
            },
            follow=True,
        )

    text = page_text(response)
    assert "The document is in the vault." in text
    assert "insurance certificate Assurance décennale 2027 decennale.pdf" in text
    assert "from 1 January 2027 until 31 December 2027" in text
    assert JournalEntry.objects.filter(action="vault.uploaded", actor=bidder).exists()


def test_dates_in_the_wrong_order_are_refused_on_the_page(client, bidder, business):
    response = logged_in(client, bidder).post(
        vault_url(business),
        {
            "kind": "tax",
            "title": "Attestation fiscale",
            "file": SimpleUploadedFile("fiscale.pdf", b"%PDF fiscale"),
            "valid_from": "2027-05-02",
            "valid_until": "2027-05-01",
        },
    )

    assert response.status_code == 400
    assert (
        "Valid until: The document cannot be valid until a day before it is valid from."
    ) in page_text(response)
    assert Document.objects.count() == 0


def test_replacing_and_deleting_through_the_pages(client, admin, documents):
    kbis = documents["kbis"]

    with at(TODAY):
        logged_in(client, admin)
        replaced = client.post(
            reverse("web:vault-replace", args=[kbis.pk]),
            {
                "file": SimpleUploadedFile("kbis-avril.pdf", b"%PDF avril"),
                "valid_until": "2027-07-02",
            },
            follow=True,
        )
        confirm = client.get(reverse("web:vault-delete", args=[kbis.pk]))
        deleted = client.post(reverse("web:vault-delete", args=[kbis.pk]), follow=True)

    assert "The new version replaces the earlier one." in page_text(replaced)
    assert "kbis-avril.pdf (10 bytes) 1 earlier version kbis.pdf" in page_text(replaced)
    assert "The document and all its versions leave the vault" in page_text(confirm)
    assert "“Extrait Kbis” was deleted from the vault." in page_text(deleted)
    assert list(Document.objects.values_list("title", flat=True)) == [
        "Attestation URSSAF"
    ]


def test_the_deposit_page_offers_the_valid_documents_of_the_business(
    client, bidder, business, documents
):
    other = BusinessFactory(name="Charpentes de l'Auxois")
    upload(member(other, Role.COMPANY_ADMIN), other, title="Kbis d'un autre")
    consultation = ConsultationFactory(
        published=True, submission_deadline=paris(2027, 5, 1, 17, 0)
    )

    with at(TODAY):
        page = logged_in(client, bidder).get(
            reverse("web:bid-deposit", args=[consultation.pk])
        )

    text = page_text(page)
    kbis = documents["kbis"]
    assert (
        "Documents from the vault The documents you check are sealed with your files"
    ) in text
    assert (
        "Extrait Kbis — kbis.pdf (4,400 bytes (4.3 KB), valid until 30 June 2027)"
        in text
    )
    assert "Attestation URSSAF" not in text
    assert "Kbis d'un autre" not in text
    assert (
        f'<input type="checkbox" id="vault-{kbis.current_id}" data-url="'
        f'{file_url(kbis)}" data-name="kbis.pdf" data-size="{len(KBIS)}">'
    ) in page.text


def test_the_vault_page_runs_a_fixed_number_of_queries(
    client, bidder, business, django_assert_max_num_queries
):
    for number in range(12):
        document = upload(bidder, business, title=f"Référence {number}")
        replace_document(
            bidder, document, SimpleUploadedFile("v2.pdf", b"v2"), None, None
        )
    logged_in(client, bidder)

    with django_assert_max_num_queries(6):
        page = client.get(vault_url(business))

    assert page_text(page).count("1 earlier version") == 12
