"""Asking and answering: the rules, the refusals, the journal and the mails."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import given
from hypothesis import strategies as st

from mutualis.accounts.models import Role
from mutualis.core.models import JournalEntry, OutgoingMail
from mutualis.questions import access, actions, mails
from mutualis.questions.models import Question
from mutualis.tenders import actions as tenders_actions
from mutualis.tenders.amendments import publish_amendment
from tests.bids.factories import at, paris
from tests.factories import BusinessFactory, BuyerFactory, ConsultationFactory, member

pytestmark = pytest.mark.django_db


def mails_to(email):
    return list(OutgoingMail.objects.filter(to=email).order_by("pk"))


def test_a_business_member_asks_and_the_journal_keeps_it(asker, business, consultation):
    question = actions.ask(asker, business, consultation, "  Le lot 2 inclut-il ?  ")

    assert question.text == "Le lot 2 inclut-il ?"
    assert (question.asked_by, question.business) == (asker, business)
    entry = JournalEntry.objects.get(action="questions.question.asked")
    assert (entry.actor, entry.object_id) == (asker, str(question.pk))
    assert entry.data["business"] == business.pk


def test_a_question_after_the_deadline_names_it_in_the_consultation_zone(
    asker, business, buyer
):
    consultation = ConsultationFactory(
        published=True,
        buyer=buyer,
        time_zone="America/Cayenne",
        questions_deadline=dt.datetime(2027, 1, 20, 15, 0, tzinfo=dt.UTC),
    )

    late = consultation.questions_deadline + dt.timedelta(seconds=1)
    with at(late), pytest.raises(PermissionDenied) as refused:
        actions.ask(asker, business, consultation, "Trop tard ?")

    assert str(refused.value) == (
        "Questions closed on 20 January 2027, 12:00 (America/Cayenne): "
        "no question can be asked any more."
    )
    assert not Question.objects.exists()


def test_a_question_at_the_deadline_itself_is_taken(asker, business, consultation):
    with at(consultation.questions_deadline):
        question = actions.ask(asker, business, consultation, "Juste à temps ?")

    assert question.asked_at == consultation.questions_deadline


@given(offset=st.integers(min_value=-(10**6), max_value=10**6))
def test_questions_are_open_exactly_until_the_deadline(offset):
    consultation = ConsultationFactory.build(
        published=True, questions_deadline=paris(2027, 1, 20, 12, 0)
    )
    instant = consultation.questions_deadline + dt.timedelta(seconds=offset)

    assert access.questions_open(consultation, instant) is (offset <= 0)


def test_one_asks_only_for_ones_own_business(asker, consultation):
    other = BusinessFactory()

    with pytest.raises(PermissionDenied, match="only for a business you belong to"):
        actions.ask(asker, other, consultation, "Pour une autre ?")


def test_an_empty_question_is_refused(asker, business, consultation):
    with pytest.raises(ValidationError) as refused:
        actions.ask(asker, business, consultation, "   ")

    assert refused.value.message_dict == {"text": ["Write your question."]}


def test_the_buyer_answers_a_question_as_it_was_asked(
    agent, asker, business, consultation
):
    question = actions.ask(asker, business, consultation, "Quelle épaisseur ?")

    answer = actions.answer(agent, consultation, [question], "8 cm d'enrobé.")

    question.refresh_from_db()
    assert question.answer == answer
    assert (answer.question_text, answer.text) == (
        "Quelle épaisseur ?",
        "8 cm d'enrobé.",
    )
    entry = JournalEntry.objects.get(action="questions.answer.published")
    assert (entry.actor, entry.data["questions"]) == (agent, [question.pk])


def test_similar_questions_are_merged_under_one_reworded_question(
    agent, asker, business, consultation
):
    other = member(BusinessFactory(), Role.COMPANY_ADMIN, email="marc@example.org")
    first = actions.ask(asker, business, consultation, "Hélène ici : visite ?")
    second = actions.ask(
        other, other.memberships.get().organisation, consultation, "Une visite ?"
    )

    answer = actions.answer(
        agent,
        consultation,
        [first, second],
        "Le 18 janvier à 10 h.",
        question_text="Une visite du site est-elle prévue ?",
    )

    assert set(answer.questions.all()) == {first, second}
    assert answer.question_text == "Une visite du site est-elle prévue ?"


def test_merged_questions_need_a_published_wording(
    agent, asker, business, consultation
):
    first = actions.ask(asker, business, consultation, "Visite ?")
    second = actions.ask(asker, business, consultation, "Visite du site ?")

    with pytest.raises(ValidationError) as refused:
        actions.answer(agent, consultation, [first, second], "Oui.")

    assert list(refused.value.message_dict) == ["question_text"]


def test_a_question_is_answered_once(agent, asker, business, consultation):
    question = actions.ask(asker, business, consultation, "Quelle épaisseur ?")
    actions.answer(agent, consultation, [question], "8 cm.")

    with pytest.raises(ValidationError, match="already been answered"):
        actions.answer(agent, consultation, [question], "10 cm.")


def test_another_buyers_agent_may_not_answer(asker, business, consultation):
    question = actions.ask(asker, business, consultation, "Quelle épaisseur ?")
    stranger = member(BuyerFactory(), Role.BUYER_AGENT)

    with pytest.raises(PermissionDenied):
        actions.answer(stranger, consultation, [question], "8 cm.")


def test_no_answer_once_the_bids_are_closed(agent, asker, business, consultation):
    question = actions.ask(asker, business, consultation, "Quelle épaisseur ?")

    late = consultation.submission_deadline + dt.timedelta(seconds=1)
    with at(late), pytest.raises(PermissionDenied):
        actions.answer(agent, consultation, [question], "8 cm.")


def test_the_asker_and_identified_downloaders_are_told_in_their_language(
    agent, asker, business, consultation, django_capture_on_commit_callbacks
):
    reader_business = BusinessFactory(name="Routes de Bourgogne SA")
    reader = member(
        reader_business, Role.BIDDER, email="lea@example.org", language="fr"
    )
    tenders_actions.record_download(reader, consultation, None, reader_business)
    tenders_actions.record_download(reader, consultation, None, reader_business)
    tenders_actions.record_download(AnonymousUser(), consultation)
    bystander = member(BusinessFactory(), Role.BIDDER, email="paul@example.org")
    question = actions.ask(asker, business, consultation, "Quelle épaisseur ?")

    with django_capture_on_commit_callbacks(execute=True):
        actions.answer(agent, consultation, [question], "8 cm d'enrobé.")

    assert set(OutgoingMail.objects.values_list("to", flat=True)) == {
        "helene.berard@example.org",
        "lea@example.org",
    }
    assert not mails_to(bystander.email)
    (to_asker,) = mails_to(asker.email)
    (to_reader,) = mails_to(reader.email)
    assert to_asker.subject == "2027-VOI-004: the buyer answered a question"
    assert "It answers a question you asked." in to_asker.body
    assert "Published: 11 January 2027, 10:00 (Europe/Paris)" in to_asker.body
    assert "Publiée le\u00a0: 11 janvier 2027, 10:00 (Europe/Paris)" in to_reader.body
    assert "It answers a question you asked." not in to_reader.body
    assert "8 cm d'enrobé." in to_reader.body
    for private in ("Hélène", "Bérard", "helene.berard", business.name):
        assert private not in to_reader.body


def test_nobody_is_told_twice(agent, asker, business, consultation):
    tenders_actions.record_download(asker, consultation, None, business)
    question = actions.ask(asker, business, consultation, "Quelle épaisseur ?")
    answer = actions.answer(agent, consultation, [question], "8 cm.")

    mails.queue_answer_mails(answer)

    assert len(mails_to(asker.email)) == 1


def test_an_amendment_that_moves_the_deadline_for_questions_reopens_them(
    agent, asker, business, consultation
):
    late = consultation.questions_deadline + dt.timedelta(days=1)
    with at(late):
        assert not access.can_ask(asker, consultation)
        publish_amendment(
            agent,
            consultation,
            reason="Visite du site ajoutée.",
            questions_deadline=late + dt.timedelta(days=3),
        )
        consultation.refresh_from_db()

        question = actions.ask(asker, business, consultation, "Visite ?")

    assert question.asked_at == late


def test_a_call_published_on_ted_by_an_outside_buyer_takes_no_questions(asker, buyer):
    consultation = ConsultationFactory(published=True, buyer=buyer, notice_id="n-1")

    assert access.ask_refusal(asker, consultation).startswith(
        "This call was published on TED by a buyer outside this platform"
    )
