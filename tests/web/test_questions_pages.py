"""The question pages: asking, the buyer's list and answer, the public answers."""

import datetime as dt
import html
import re

import pytest
from django.urls import reverse

from mutualis.accounts.models import Role
from mutualis.questions import actions
from mutualis.questions.models import Question
from tests.bids.factories import at, paris
from tests.factories import BusinessFactory, BuyerFactory, ConsultationFactory, member
from tests.tenders.factories import fast_passwords, winter_morning

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("winter_morning", "fast_passwords"),
]
__all__ = ["fast_passwords", "winter_morning"]

ASKER_NAME, ASKER_EMAIL = "Hélène Bérard", "helene.berard@example.org"
BUSINESS_NAME = "Étanchéité Bourguignonne SARL"


def text_of(response):
    page = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(page)).strip()


@pytest.fixture
def consultation():
    return ConsultationFactory(
        published=True,
        reference="2027-VOI-004",
        questions_deadline=paris(2027, 1, 25, 12, 0),
        submission_deadline=paris(2027, 2, 5, 17, 0),
    )


@pytest.fixture
def business():
    return BusinessFactory(name=BUSINESS_NAME)


@pytest.fixture
def asker(business):
    return member(business, Role.BIDDER, full_name=ASKER_NAME, email=ASKER_EMAIL)


@pytest.fixture
def agent(consultation):
    return member(consultation.buyer, Role.BUYER_AGENT)


def ask_url(consultation):
    return reverse("web:question-ask", args=[consultation.pk])


def manage_url(consultation):
    return reverse("web:questions-manage", args=[consultation.pk])


def detail_url(consultation):
    return reverse("web:consultation-detail", args=[consultation.pk])


def test_the_consultation_page_invites_questions(client, asker, consultation):
    client.force_login(asker)

    page = client.get(detail_url(consultation)).content.decode()

    assert f'href="{ask_url(consultation)}"' in page


def test_a_business_member_asks_and_sees_the_question_waiting(
    client, asker, business, consultation
):
    client.force_login(asker)
    page = text_of(client.get(ask_url(consultation)))
    assert "Questions close on 25 January 2027, 12:00 (Europe/Paris)." in page

    response = client.post(
        ask_url(consultation), {"business": business.pk, "text": "Visite du site ?"}
    )

    assert response.status_code == 302
    question = Question.objects.get()
    assert (question.asked_by, question.business) == (asker, business)
    page = text_of(client.get(ask_url(consultation)))
    assert "Visite du site ? (awaiting an answer)" in page


def test_a_question_after_the_deadline_is_refused_with_the_deadline(
    client, asker, business, consultation
):
    with at(paris(2027, 1, 25, 12, 1)):
        client.force_login(asker)
        response = client.post(
            ask_url(consultation), {"business": business.pk, "text": "Trop tard ?"}
        )

    assert response.status_code == 403
    assert (
        "Questions closed on 25 January 2027, 12:00 (Europe/Paris): "
        "no question can be asked any more."
    ) in text_of(response)
    assert not Question.objects.exists()


def test_an_empty_question_is_shown_back(client, asker, business, consultation):
    client.force_login(asker)

    response = client.post(ask_url(consultation), {"business": business.pk, "text": ""})

    assert response.status_code == 400
    assert "Your question: This field is required." in text_of(response)


def test_the_anonymous_are_sent_to_log_in(client, consultation):
    response = client.get(ask_url(consultation))

    assert response.status_code == 302
    assert response.url.startswith(reverse("web:login"))


def test_the_buyers_staff_see_who_asked(client, agent, asker, business, consultation):
    actions.ask(asker, business, consultation, "Visite du site ?")
    client.force_login(agent)

    page = text_of(client.get(manage_url(consultation)))

    assert "1 question awaiting an answer" in page
    assert f"{ASKER_NAME} <{ASKER_EMAIL}>, {BUSINESS_NAME}" in page
    assert "Visite du site ?" in page


@pytest.mark.parametrize("who", ["bidder", "another buyer's agent", "opener"])
def test_others_do_not_see_the_questions(client, who, asker, business, consultation):
    actions.ask(asker, business, consultation, "Visite du site ?")
    user = {
        "bidder": lambda: asker,
        "another buyer's agent": lambda: member(BuyerFactory(), Role.BUYER_AGENT),
        "opener": lambda: member(consultation.buyer, Role.OPENER),
    }[who]()
    client.force_login(user)

    response = client.get(manage_url(consultation))

    assert response.status_code == 403
    assert ASKER_NAME not in response.content.decode()


def test_an_answer_is_public_without_who_asked(
    client, agent, asker, business, consultation
):
    question = actions.ask(
        asker, business, consultation, "Hélène ici : la visite est-elle obligatoire ?"
    )
    client.force_login(agent)

    response = client.post(
        manage_url(consultation),
        {
            "questions": [question.pk],
            "question_text": "La visite est-elle obligatoire ?",
            "text": "Non, elle est conseillée.",
        },
    )

    assert response.status_code == 302
    client.logout()
    source = client.get(detail_url(consultation)).content.decode()
    page = text_of(client.get(detail_url(consultation)))
    assert "Question: La visite est-elle obligatoire ?" in page
    assert "Answer: Non, elle est conseillée." in page
    assert "Answered on 11 January 2027, 10:00 (Europe/Paris)" in page
    for private in ("Hélène", "Bérard", "helene.berard", "Bourguignonne", "Étanchéité"):
        assert private not in source
    assert f"user={asker.pk}" not in source


def test_similar_questions_are_answered_together_from_the_page(
    client, agent, asker, business, consultation
):
    first = actions.ask(asker, business, consultation, "Visite ?")
    second = actions.ask(asker, business, consultation, "Une visite du site ?")
    client.force_login(agent)

    response = client.post(
        manage_url(consultation),
        {
            "questions": [first.pk, second.pk],
            "question_text": "Une visite du site est-elle prévue ?",
            "text": "Le 18 janvier à 10 h.",
        },
    )

    assert response.status_code == 302
    page = text_of(client.get(manage_url(consultation)))
    assert "0 questions awaiting an answer" in page
    assert "Question as published: Une visite du site est-elle prévue ?" in page


def test_merging_without_a_published_wording_is_shown_back(
    client, agent, asker, business, consultation
):
    first = actions.ask(asker, business, consultation, "Visite ?")
    second = actions.ask(asker, business, consultation, "Une visite du site ?")
    client.force_login(agent)

    response = client.post(
        manage_url(consultation),
        {"questions": [first.pk, second.pk], "text": "Le 18 janvier."},
    )

    assert response.status_code == 400
    assert "word the question as it will be published" in text_of(response)


def test_no_answering_once_the_bids_are_closed(
    client, agent, asker, business, consultation
):
    question = actions.ask(asker, business, consultation, "Visite ?")
    with at(consultation.submission_deadline + dt.timedelta(minutes=1)):
        client.force_login(agent)
        page = text_of(client.get(manage_url(consultation)))
        response = client.post(
            manage_url(consultation), {"questions": [question.pk], "text": "Oui."}
        )

    assert "Answers can no longer be published" in page
    assert response.status_code == 403
