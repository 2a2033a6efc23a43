"""The page that checks a bidder's signatures says it sends the file, and judges it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mutualis.trust import store
from tests import pki
from tests.accounts.html import page_text
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("web:check-signatures")
MEMOIRE = b"Memoire technique"


@pytest.fixture
def bidder_client(client):
    client.force_login(UserFactory())
    return client


def test_the_page_says_the_file_is_sent_and_where_to_check_without(bidder_client):
    text = page_text(bidder_client.get(URL))

    assert "The files you choose here are sent to the platform to be checked." in text
    assert "mutualis check-signatures offre.pdf" in text


def test_a_signed_pdf_under_an_accepted_authority_passes(bidder_client):
    store.accept_authority(
        UserFactory(is_staff=True), pki.test_pki().root.cert.dump(), "Partner CA"
    )
    signed = pki.sign_pdf(pki.blank_pdf(), pki.test_pki().valid, "B-T")

    page = bidder_client.post(URL, {"signed": SimpleUploadedFile("offre.pdf", signed)})

    assert "Signature: Passed, signed by Valérie Valid" in page_text(page)


def test_a_detached_signature_over_another_file_fails(bidder_client):
    signature = pki.sign_detached(MEMOIRE, pki.test_pki().valid, "B-B")

    page = bidder_client.post(
        URL,
        {
            "signed": SimpleUploadedFile("memoire.txt.p7s", signature),
            "content": SimpleUploadedFile("memoire.txt", b"another text"),
        },
    )

    assert "Signature: Failed" in page_text(page)


def test_an_unsigned_file_says_so(bidder_client):
    page = bidder_client.post(
        URL, {"signed": SimpleUploadedFile("plans.pdf", pki.blank_pdf())}
    )

    assert "No electronic signature." in page_text(page)


def test_anonymous_visitors_are_sent_to_log_in(client):
    assert client.get(URL).status_code == 302
