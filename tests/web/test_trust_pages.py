"""The operator's trust page: trusted lists, accepted authorities, refusals."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mutualis.accounts.models import Role
from mutualis.core.models import JournalEntry
from mutualis.trust.models import AcceptedAuthority
from mutualis.trust.store import (
    Document,
    accept_authority,
    current_anchors,
    import_trusted_lists,
)
from tests.accounts.html import form_labels, page_text
from tests.factories import BusinessFactory, BuyerFactory, UserFactory, member
from tests.trust.trusted_list import make_ca, make_party, sample_trust

pytestmark = pytest.mark.django_db

PAGE = "/operator/trust/"


@pytest.fixture
def operator(client):
    user = UserFactory(is_staff=True, full_name="Olga Operator")
    client.force_login(user)
    return user


def upload(party, name="partner.pem", data=None):
    return SimpleUploadedFile(name, data if data is not None else party.pem)


def test_the_page_lists_the_trusted_lists_and_flags_a_stale_one(client, operator):
    issued = dt.datetime(2025, 6, 12, tzinfo=dt.UTC)
    trust = sample_trust(
        issued=issued, next_update=dt.datetime(2025, 12, 12, tzinfo=dt.UTC)
    )
    import_trusted_lists(
        [Document("lotl.xml", trust.lotl), Document("tl.xml", trust.national)],
        lotl_signers=[trust.tlso.asn1],
    )

    text = page_text(client.get(PAGE))

    assert "ZZ 1 12 June 2025 12 December 2025 Stale: past its next update" in text
    assert "EU list of trusted lists 1" in text
    assert "Current" in text


def test_an_operator_accepts_an_authority_with_a_note(client, operator):
    partner = make_ca("Partner region CA")

    response = client.post(
        PAGE, {"certificate": upload(partner), "note": "partner region X"}, follow=True
    )

    text = page_text(response)
    authority = AcceptedAuthority.objects.get()
    assert authority.subject in text
    assert f"{authority.subject} is now accepted." in text
    assert "partner region X" in text
    assert authority.sha256 in text
    assert "by Olga Operator" in text
    assert authority.added_by == operator
    assert JournalEntry.objects.filter(action="trust.authority-accepted").count() == 1
    assert str(current_anchors().source_of(partner.asn1)) == (
        "Accepted by the operator: partner region X"
    )


def test_a_der_certificate_is_accepted_too(client, operator):
    partner = make_ca("Partner region CA")

    client.post(
        PAGE, {"certificate": upload(partner, "ca.der", partner.der), "note": "DER"}
    )

    assert AcceptedAuthority.objects.get().sha256 == partner.asn1.sha256.hex()


def test_a_file_that_is_not_a_ca_is_refused_with_the_reason(client, operator):
    leaf = make_party("Some person")

    response = client.post(PAGE, {"certificate": upload(leaf), "note": "no"})

    assert response.status_code == 400
    assert (
        "CA certificate (PEM or DER): This certificate is not a certification "
        "authority's (no CA flag)." in page_text(response)
    )
    assert not AcceptedAuthority.objects.exists()


def test_the_form_names_its_fields(client, operator):
    response = client.get(PAGE)

    assert form_labels(response, form_id="accept-authority") == {
        "certificate": "CA certificate (PEM or DER):",
        "note": "Why it is accepted:",
    }


def test_an_operator_withdraws_an_authority(client, operator):
    partner = make_ca("Partner region CA")
    authority = accept_authority(operator, partner.pem, "partner region X")

    response = client.post(f"{PAGE}authorities/{authority.pk}/withdraw/", follow=True)

    authority.refresh_from_db()
    assert authority.withdrawn_at is not None
    text = page_text(response)
    assert f"{authority.subject} is no longer accepted." in text
    assert "Withdrawn on" in text
    assert JournalEntry.objects.filter(action="trust.authority-withdrawn").count() == 1
    assert current_anchors().roots == ()


PEOPLE = {
    "buyer admin": lambda: member(BuyerFactory(), Role.BUYER_ADMIN),
    "buyer agent": lambda: member(BuyerFactory(), Role.BUYER_AGENT),
    "bidder": lambda: member(BusinessFactory(), Role.BIDDER),
    "company admin": lambda: member(BusinessFactory(), Role.COMPANY_ADMIN),
}


@pytest.mark.parametrize("who", sorted(PEOPLE))
def test_others_are_refused_the_page_and_its_actions(client, who):
    client.force_login(PEOPLE[who]())
    authority = accept_authority(
        UserFactory(is_staff=True), make_ca().pem, "partner region X"
    )
    partner = make_ca("Partner region CA")

    page = client.get(PAGE)
    add = client.post(PAGE, {"certificate": upload(partner), "note": "mine"})
    withdraw = client.post(f"{PAGE}authorities/{authority.pk}/withdraw/")

    assert (page.status_code, add.status_code, withdraw.status_code) == (403, 403, 403)
    assert AcceptedAuthority.objects.active().count() == 1


def test_the_anonymous_are_sent_to_log_in(client):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={PAGE}"
