"""Alerts match a consultation by the words of any of its languages, as the portal."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mutualis.alerts.matching import Matcher, alert_criteria, consultation_facts
from mutualis.alerts.models import Alert
from mutualis.core.time import now
from mutualis.tenders.models import Consultation, State
from mutualis.tenders.search import Criteria, search
from tests.alerts.factories import alert, matched
from tests.factories import ConsultationFactory, ConsultationTextFactory

pytestmark = pytest.mark.django_db


def public(reference, title, *texts):
    consultation = ConsultationFactory(
        reference=reference, title=title, description="", state=State.PUBLISHED
    )
    for language, text in texts:
        ConsultationTextFactory(
            consultation=consultation, language=language, title=text, description=""
        )
    return consultation


def matches(saved):
    """The raw answer of the matcher for one alert: consultation pks, in order."""
    criteria = alert_criteria(Alert.objects.filter(pk=saved.pk))
    found = Matcher(criteria).matches(consultation_facts(Consultation.objects.all()))
    return found.get(saved.pk, [])


def test_italian_keywords_match_a_french_call_given_in_italian_once(owner):
    voirie = public(
        "VOIRIE",
        "Réfection de la voirie",
        ("it", "Rifacimento della viabilità"),
        ("en", "Resurfacing of the roads"),
    )

    assert matches(alert(owner, keywords="rifacimento viabilita")) == [voirie.pk]
    # "r" starts a word of all three texts: the call is still told once.
    assert matches(alert(owner, name="r", keywords="r")) == [voirie.pk]
    # As on the portal, the words may come from several of its texts.
    assert matches(alert(owner, name="mixed", keywords="voirie roads")) == [voirie.pk]
    assert matches(alert(owner, name="elsewhere", keywords="voirie bridge")) == []


TYPED = ["voirie", "réfection", "viabilità", "rifacimento", "road", "roads", "pont"]


def test_keywords_agree_with_the_portal_search_in_every_language(owner):
    public("VOIRIE", "Réfection de la voirie", ("it", "Rifacimento della viabilità"))
    public("PONT", "Réfection du pont", ("en", "Bridge repair"), ("it", "Ponte"))
    public("ROUTE", "Route départementale", ("en", "County road works"))

    @settings(max_examples=40, deadline=None)
    @given(st.lists(st.sampled_from(TYPED), min_size=1, max_size=3).map(" ".join))
    def agree(keywords):
        portal = sorted(c.reference for c in search(Criteria(text=keywords)))
        saved, _created = Alert.objects.update_or_create(
            owner=owner,
            name="typed",
            defaults={"keywords": keywords, "created_at": now(), "last_run_at": now()},
        )
        assert matched(saved) == portal

    agree()
