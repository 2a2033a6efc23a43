"""Atom feeds: the newest consultations, and each consultation's history."""

import datetime as dt

import lxml.etree
import pytest
from django.urls import reverse

from mutualis.core.time import now
from mutualis.questions.models import Answer, Question
from mutualis.tenders.models import Amendment
from tests.factories import BusinessFactory, ConsultationFactory, UserFactory

pytestmark = pytest.mark.django_db

ATOM = {"a": "http://www.w3.org/2005/Atom"}


def entries(response):
    assert response["Content-Type"].startswith("application/atom+xml")
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True)
    feed = lxml.etree.fromstring(response.content, parser)
    return [
        (
            entry.findtext("a:title", namespaces=ATOM),
            entry.findtext("a:summary", namespaces=ATOM) or "",
        )
        for entry in feed.findall("a:entry", ATOM)
    ]


def test_the_latest_feed_lists_published_consultations_only(client):
    shown = ConsultationFactory(published=True, title="Entretien des espaces verts")
    ConsultationFactory(title="Brouillon secret")

    titles = [title for title, _summary in entries(client.get("/consultations/feed/"))]

    assert titles == [f"{shown.reference} — Entretien des espaces verts"]


def test_a_consultation_feed_tells_its_amendments_and_answers(client):
    consultation = ConsultationFactory(published=True)
    published = consultation.published_at
    Amendment.objects.create(
        consultation=consultation,
        number=1,
        reason="Plan de masse corrigé",
        published_at=published + dt.timedelta(days=2),
        documents_replaced=["Plan de masse.pdf"],
        submission_deadline_before=consultation.submission_deadline,
        submission_deadline_after=consultation.submission_deadline
        + dt.timedelta(days=7),
    )
    asker = UserFactory(email="asker@example.org", full_name="Paul Questionneur")
    answer = Answer.objects.create(
        consultation=consultation,
        question_text="Les variantes sont-elles autorisées ?",
        text="Non.",
        published_at=published + dt.timedelta(days=3),
    )
    Question.objects.create(
        consultation=consultation,
        business=BusinessFactory(name="Questionneurs SARL"),
        asked_by=asker,
        text="Variantes ?",
        asked_at=published + dt.timedelta(days=1),
        answer=answer,
    )

    response = client.get(
        reverse("web:consultation-history-feed", args=[consultation.pk])
    )

    found = entries(response)
    assert [title for title, _summary in found] == [
        "Answer",
        "Amendment 1",
        "Published",
    ]
    assert "Reason: Plan de masse corrigé" in found[1][1]
    assert "Documents replaced: Plan de masse.pdf" in found[1][1]
    assert "Les variantes sont-elles autorisées ?" in found[0][1]
    body = response.content.decode()
    for identity in ("asker@example.org", "Paul Questionneur", "Questionneurs SARL"):
        assert identity not in body


def test_a_draft_has_no_feed(client):
    draft = ConsultationFactory(submission_deadline=now() + dt.timedelta(days=9))

    response = client.get(reverse("web:consultation-history-feed", args=[draft.pk]))

    assert response.status_code == 404
