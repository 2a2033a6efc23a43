"""The amendment pages: the buyer's form, the history and previous versions on the
consultation page."""

import datetime as dt
import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mutualis.accounts.models import Role
from mutualis.tenders.amendments import publish_amendment
from mutualis.tenders.models import Download
from tests.bids.factories import at
from tests.factories import BusinessFactory, BuyerFactory, member
from tests.tenders.factories import fast_passwords, published, upload, winter_morning

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("winter_morning", "fast_passwords"),
]
__all__ = ["fast_passwords", "winter_morning"]

RC = "Règlement de consultation.pdf"
REASON = "Erreur sur l'épaisseur de la couche de roulement."


def text_of(response):
    page = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(page)).strip()


def new_url(consultation):
    return reverse("web:amendment-create", args=[consultation.pk])


def detail_url(consultation):
    return reverse("web:consultation-detail", args=[consultation.pk])


def local_input(consultation, instant):
    return consultation.local(instant).strftime("%Y-%m-%dT%H:%M")


def test_the_form_starts_from_the_current_deadlines(client):
    consultation, agent = published()
    client.force_login(agent)

    page = client.get(new_url(consultation)).content.decode()

    assert f'value="{local_input(consultation, consultation.submission_deadline)}"' in (
        page
    )
    assert f'value="{RC}"' in page


def test_the_buyer_publishes_an_amendment_and_the_page_tells_its_history(client):
    consultation, agent = published()
    client.force_login(agent)
    data = {
        "reason": REASON,
        "files": [SimpleUploadedFile(RC, b"%PDF-1.7 rc v2")],
        "questions_deadline": "2027-02-10T12:00",
        "submission_deadline": "2027-02-20T17:00",
    }

    response = client.post(new_url(consultation), data)

    assert response.status_code == 302
    assert response.url == detail_url(consultation)
    client.logout()
    page = text_of(client.get(detail_url(consultation)))
    assert "Amendment 1, published on 11 January 2027, 10:00 (Europe/Paris)" in page
    assert f"Reason: {REASON}" in page
    assert f"Consultation documents: version 2. Replaced: {RC}." in page
    assert (
        "Deadline for bids moved from 15 February 2027, 10:00 "
        "to 20 February 2027, 17:00." in page
    )
    assert "Deadline for questions moved from 5 February 2027, 10:00" in page
    assert f"{RC} 1 amendment 1" in page


def test_a_previous_version_is_downloaded_and_registered(client):
    consultation, agent = published()
    publish_amendment(
        agent, consultation, reason=REASON, uploads=[upload(RC, b"%PDF-1.7 v2")]
    )
    previous = consultation.previous_documents.get()
    business = BusinessFactory()
    reader = member(business, Role.BIDDER)
    client.force_login(reader)
    source = client.get(detail_url(consultation)).content.decode()
    url = reverse("web:previous-document-download", args=[consultation.pk, previous.pk])
    assert f'href="{url}"' in source

    response = client.get(url)

    assert b"".join(response.streaming_content) == b"%PDF-1.7 rc"
    line = Download.objects.get()
    assert (line.user, line.organisation, line.document_name) == (
        reader,
        business,
        f"{RC} (version 1)",
    )


def test_the_current_documents_are_the_new_version(client):
    consultation, agent = published()
    publish_amendment(
        agent, consultation, reason=REASON, uploads=[upload(RC, b"%PDF-1.7 v2")]
    )
    (current,) = consultation.documents.all()
    url = reverse("web:document-download", args=[consultation.pk, current.pk])

    response = client.get(url)

    assert b"".join(response.streaming_content) == b"%PDF-1.7 v2"


def test_an_amendment_without_a_reason_is_shown_back(client):
    consultation, agent = published()
    client.force_login(agent)

    response = client.post(
        new_url(consultation), {"reason": "", "submission_deadline": "2027-02-20T17:00"}
    )

    assert response.status_code == 400
    assert "Reason for the amendment: This field is required." in text_of(response)
    assert not consultation.amendments.exists()


def test_a_refused_rule_is_shown_back(client):
    consultation, agent = published()
    client.force_login(agent)

    response = client.post(
        new_url(consultation),
        {"reason": REASON, "submission_deadline": "2027-01-20T17:00"},
    )

    assert response.status_code == 400
    assert (
        "Deadlines in order: the deadline for questions must come before the "
        "deadline for bids." in text_of(response)
    )


@pytest.mark.parametrize("who", ["bidder", "another buyer's agent", "opener"])
def test_only_the_buyers_staff_reach_the_form(client, who):
    consultation, _agent = published()
    user = {
        "bidder": lambda: member(BusinessFactory(), Role.BIDDER),
        "another buyer's agent": lambda: member(BuyerFactory(), Role.BUYER_AGENT),
        "opener": lambda: member(consultation.buyer, Role.OPENER),
    }[who]()
    client.force_login(user)

    assert client.get(new_url(consultation)).status_code == 403
    assert (
        f'href="{new_url(consultation)}"'
        not in client.get(detail_url(consultation)).content.decode()
    )


def test_no_amendment_after_the_deadline_for_bids(client):
    consultation, agent = published()

    with at(consultation.submission_deadline + dt.timedelta(minutes=1)):
        client.force_login(agent)
        response = client.get(new_url(consultation))
        page = client.get(detail_url(consultation)).content.decode()

    assert response.status_code == 403
    assert new_url(consultation) not in page


def test_the_buyers_list_links_to_amendments_and_questions(client):
    consultation, agent = published()
    client.force_login(agent)

    page = client.get(reverse("web:buyer-consultations")).content.decode()

    assert f'href="{new_url(consultation)}"' in page
    manage = reverse("web:questions-manage", args=[consultation.pk])
    assert f'href="{manage}"' in page


def test_the_page_runs_as_many_queries_for_many_amendments_as_for_one(
    client, django_assert_num_queries
):
    consultation, agent = published()
    publish_amendment(agent, consultation, reason=REASON, uploads=[upload(RC, b"v2")])
    with CaptureQueriesContext(connection) as one:
        client.get(detail_url(consultation))
    for version in (b"v3", b"v4"):
        publish_amendment(
            agent, consultation, reason=REASON, uploads=[upload(RC, version)]
        )

    with django_assert_num_queries(len(one.captured_queries)):
        page = text_of(client.get(detail_url(consultation)))

    assert "Amendment 3, published on" in page
