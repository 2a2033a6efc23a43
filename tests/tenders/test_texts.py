"""A consultation's title and description in its other languages."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from mutualis.accounts.models import Role
from mutualis.core.journal import entries_for
from mutualis.tenders import actions
from mutualis.tenders.models import Language, Text
from tests.factories import (
    BusinessFactory,
    ConsultationFactory,
    ConsultationTextFactory,
    member,
)
from tests.tenders.factories import agent_of, published

pytestmark = pytest.mark.django_db


def draft_and_agent(**fields):
    consultation = ConsultationFactory(**fields)
    return consultation, agent_of(consultation.buyer)


def test_an_agent_gives_the_draft_an_italian_title_and_the_journal_says_so():
    consultation, agent = draft_and_agent(title="Réfection de la voirie")

    actions.set_text(
        agent,
        consultation,
        "it",
        title="Rifacimento della viabilità",
        description="Lavori stradali.",
    )

    assert consultation.text_in("it") == Text(
        "it", "Rifacimento della viabilità", "Lavori stradali."
    )
    entry = entries_for(consultation).get()
    assert (entry.action, entry.actor) == ("tenders.text.added", agent)


def test_a_second_text_in_the_same_language_replaces_the_first():
    consultation, agent = draft_and_agent()
    actions.set_text(agent, consultation, "en", title="Road works", description="")

    actions.set_text(agent, consultation, "en", title="Roadworks", description="New")

    assert [(t.language, t.title) for t in consultation.texts.all()] == [
        ("en", "Roadworks")
    ]
    actions_done = [e.action for e in entries_for(consultation).order_by("pk")]
    assert actions_done == ["tenders.text.added", "tenders.text.updated"]


def test_the_main_language_gets_no_second_text():
    consultation, agent = draft_and_agent(language="fr")

    with pytest.raises(ValidationError) as error:
        actions.set_text(agent, consultation, "fr", title="Voirie", description="")

    assert "main language" in error.value.message_dict["language"][0]
    assert not consultation.texts.exists()


@pytest.mark.parametrize("language", ["ca", "no", "xx", ""])
def test_only_an_official_language_of_the_eu_is_taken(language):
    consultation, agent = draft_and_agent()

    with pytest.raises(ValidationError) as error:
        actions.set_text(agent, consultation, language, title="T", description="")

    assert "official language" in error.value.message_dict["language"][0]
    assert not consultation.texts.exists()


def test_a_title_is_needed_and_nothing_is_written_without_it():
    consultation, agent = draft_and_agent()

    with pytest.raises(ValidationError) as error:
        actions.set_text(agent, consultation, "it", title="", description="Lavori")

    assert "title" in error.value.message_dict
    assert not consultation.texts.exists()
    assert not entries_for(consultation).exists()


def test_the_main_language_cannot_become_one_that_has_a_text():
    consultation, agent = draft_and_agent(language="fr")
    ConsultationTextFactory(consultation=consultation, language="it")

    with pytest.raises(ValidationError) as error:
        actions.update_draft(agent, consultation, language="it")

    assert "Italian" in error.value.message_dict["language"][0]
    consultation.refresh_from_db()
    assert consultation.language == "fr"


def test_a_text_is_removed_and_the_journal_says_so():
    consultation, agent = draft_and_agent()
    ConsultationTextFactory(consultation=consultation, language="it")

    actions.remove_text(agent, consultation, "it")

    assert not consultation.texts.exists()
    assert entries_for(consultation).get().action == "tenders.text.removed"


def test_a_published_consultation_keeps_its_texts_as_they_are():
    consultation, agent = published()

    with pytest.raises(PermissionDenied):
        actions.set_text(agent, consultation, "it", title="Viabilità", description="")
    with pytest.raises(PermissionDenied):
        actions.remove_text(agent, consultation, "it")


def test_only_the_buyer_s_staff_edit_the_texts():
    consultation = ConsultationFactory()
    bidder = member(BusinessFactory(), Role.BIDDER)
    opener = agent_of(consultation.buyer, role=Role.OPENER)

    for user in (bidder, opener):
        with pytest.raises(PermissionDenied):
            actions.set_text(user, consultation, "it", title="T", description="")

    assert not consultation.texts.exists()


@settings(max_examples=30, deadline=None)
@given(
    given_languages=st.sets(
        st.sampled_from([c for c in Language.values if c != "fr"]), max_size=5
    ),
    reader=st.sampled_from([*Language.values, "ca", "pt-br", "en-gb"]),
)
def test_a_reader_sees_their_language_where_it_is_given_else_the_main_one(
    given_languages, reader
):
    consultation = ConsultationFactory(language="fr", title="Voirie")
    for code in given_languages:
        ConsultationTextFactory(
            consultation=consultation, language=code, title=f"Titre {code}"
        )

    with translation.override(reader):
        shown = consultation.reader_text

    wanted = reader.split("-")[0]
    if wanted in given_languages:
        assert (shown.language, shown.title) == (wanted, f"Titre {wanted}")
    else:
        assert (shown.language, shown.title) == ("fr", "Voirie")
    codes = [text.language for text in consultation.all_texts()]
    assert codes == ["fr", *sorted(given_languages)]


def test_the_admin_shows_the_texts_without_changing_them(admin_client):
    consultation = ConsultationFactory()
    ConsultationTextFactory(consultation=consultation, title="Viabilità comunale")
    url = f"/admin/tenders/consultation/{consultation.pk}/change/"

    page = admin_client.get(url)

    assert page.status_code == 200
    assert "Viabilità comunale" in page.content.decode()
    assert admin_client.post(url, {}).status_code == 403
