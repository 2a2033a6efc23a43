"""The portal search finds a consultation by the words of any of its languages."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mutualis.tenders.models import State
from mutualis.tenders.search import Criteria, search
from tests.factories import ConsultationFactory, ConsultationTextFactory

pytestmark = pytest.mark.django_db


def found(text):
    return sorted(c.reference for c in search(Criteria(text=text)))


def public(reference, **fields):
    return ConsultationFactory(reference=reference, state=State.PUBLISHED, **fields)


def test_words_of_another_language_find_the_consultation_once():
    voirie = public("VOIRIE", title="Réfection de la voirie", description="Chaussée")
    ConsultationTextFactory(
        consultation=voirie,
        language="it",
        title="Rifacimento della viabilità",
        description="Carreggiata e marciapiedi",
    )
    ConsultationTextFactory(
        consultation=voirie, language="en", title="Road resurfacing", description=""
    )
    public("PONT", title="Réfection du pont")

    assert found("viabilita") == ["VOIRIE"]
    assert found("Carreggiata marciap") == ["VOIRIE"]
    assert found("road") == ["VOIRIE"]
    assert found("réfection") == ["PONT", "VOIRIE"]


def test_the_words_may_come_from_several_of_its_languages():
    voirie = public("VOIRIE", title="Réfection de la voirie")
    ConsultationTextFactory(consultation=voirie, language="en", title="Road works")

    assert found("road works") == ["VOIRIE"]
    assert found("voirie road") == ["VOIRIE"]
    assert found("voirie bridge") == []


def test_drafts_stay_hidden_whatever_their_languages():
    draft = ConsultationFactory(reference="DRAFT", title="Voirie")
    ConsultationTextFactory(consultation=draft, language="it", title="Viabilità")

    assert found("viabilità") == []


def test_the_index_follows_changes_and_removals_of_texts():
    voirie = public("VOIRIE", title="Voirie")
    text = ConsultationTextFactory(consultation=voirie, language="it", title="Strade")
    gone = ConsultationTextFactory(consultation=voirie, language="en", title="Roads")

    text.title = "Viabilità"
    text.save()
    gone.delete()

    assert found("strade") == []
    assert found("roads") == []
    assert found("viabilita") == ["VOIRIE"]


WORDS = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzàèéìòùčřšžåäö", min_size=3, max_size=12
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(words=st.lists(WORDS, min_size=1, max_size=4, unique=True))
def test_any_words_of_a_text_find_it(words):
    consultation = public(f"C-{'-'.join(words)}", title="Marché de voirie")
    ConsultationTextFactory(
        consultation=consultation, language="cs", title=" ".join(words)
    )

    assert consultation.reference in found(" ".join(words))
    assert consultation.reference in found(words[-1][:-1].upper())
