"""The indexed matcher finds exactly what checking every pair finds."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from mutualis.alerts.matching import (
    Facts,
    Matcher,
    fold,
    keyword_terms,
    text_tokens,
    wanted,
)
from mutualis.referential.models import CpvCode

WORDS = [
    "voirie",
    "Voirie",
    "réfection",
    "REFECTION",
    "école",
    "ecol",
    "bâtiment",
    "pont",
    "chaussée",
    "éclairage",
    "eclai",
    "nettoyage",
    "v",
]
CPV = [
    "45000000-7",
    "45200000-9",
    "45230000-8",
    "45233000-9",
    "45233140-2",
    "45233141-9",
    "09000000-3",
    "09310000-5",
    "71000000-8",
    "71320000-7",
]
ALERT_NUTS = ["FR", "FRC", "FRC1", "FRC11", "FRC14", "FRK2", "FRK26", "DE", "DE1"]
NUTS = ["FRC11", "FRC12", "FRC14", "FRK26", "DE111"]
PROCEDURES = ["open", "adapted", "restricted"]
NATURES = ["works", "supplies", "services"]
VALUES = st.one_of(
    st.none(), st.integers(0, 2_000_000).map(lambda n: Decimal(n).scaleb(-0))
)


def naive(alert, consultation):
    """One alert against one consultation, criterion by criterion, no index."""
    tokens = text_tokens(consultation["text"])
    terms = keyword_terms(alert["keywords"])
    if terms and not (
        all(term in tokens for term in terms[:-1])
        and any(token.startswith(terms[-1]) for token in tokens)
    ):
        return False
    if alert["cpv_codes"] and not any(
        code[:8].startswith(CpvCode.prefix_of(wanted_code))
        for wanted_code in alert["cpv_codes"]
        for code in consultation["cpv"]
    ):
        return False
    if alert["nuts_codes"] and not any(
        code.startswith(prefix)
        for prefix in alert["nuts_codes"]
        for code in consultation["nuts"]
    ):
        return False
    if alert["buyers"] and consultation["buyer"] not in alert["buyers"]:
        return False
    if alert["procedures"] and consultation["procedure"] not in alert["procedures"]:
        return False
    if alert["nature"] and consultation["nature"] != alert["nature"]:
        return False
    low, high, value = alert["min_value"], alert["max_value"], consultation["value"]
    if low is not None or high is not None:
        if value is None:
            return False
        if (low is not None and value < low) or (high is not None and value > high):
            return False
    return True


def some(values, most=3):
    return st.lists(st.sampled_from(values), max_size=most, unique=True)


alerts = st.fixed_dictionaries(
    {
        "keywords": some(WORDS).map(" ".join),
        "cpv_codes": some(CPV),
        "nuts_codes": some(ALERT_NUTS, 2),
        "buyers": some([1, 2, 3], 2),
        "procedures": some(PROCEDURES, 2),
        "nature": st.sampled_from(["", *NATURES]),
        "min_value": VALUES,
        "max_value": VALUES,
    }
)
consultations = st.fixed_dictionaries(
    {
        "text": st.lists(st.sampled_from(WORDS), max_size=6).map(" ".join),
        "cpv": some(CPV),
        "nuts": some(NUTS, 2),
        "buyer": st.sampled_from([1, 2, 3]),
        "procedure": st.sampled_from(PROCEDURES),
        "nature": st.sampled_from(NATURES),
        "value": VALUES,
    }
)


def facts(pk, consultation):
    return Facts(
        pk=pk,
        tokens=text_tokens(consultation["text"]),
        cpv=tuple(code[:8] for code in consultation["cpv"]),
        nuts=tuple(consultation["nuts"]),
        buyer=consultation["buyer"],
        procedure=consultation["procedure"],
        nature=consultation["nature"],
        value=consultation["value"],
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(alerts, max_size=12), st.lists(consultations, max_size=12))
def test_the_matcher_agrees_with_checking_every_pair(alert_specs, batch):
    compiled = [wanted(pk, **spec) for pk, spec in enumerate(alert_specs)]

    found = Matcher(compiled).matches(facts(pk, c) for pk, c in enumerate(batch))

    expected = {}
    for alert_pk, spec in enumerate(alert_specs):
        hits = [pk for pk, c in enumerate(batch) if naive(spec, c)]
        if hits:
            expected[alert_pk] = hits
    assert found == expected


def test_accents_and_case_are_folded_as_the_portal_search_folds():
    assert (
        fold("Réfection de la CHAUSSÉE à Mâcon") == "refection de la chaussee a macon"
    )
    assert keyword_terms("École, l'éclairage!") == ("ecole", "l", "eclairage")


def test_the_last_word_is_a_prefix_and_the_others_whole_words():
    alert = wanted(1, keywords="refection voiri")
    batch = [
        Facts(pk=1, tokens=text_tokens("Réfection de la voirie")),
        Facts(pk=2, tokens=text_tokens("Réfections de la voirie")),
        Facts(pk=3, tokens=text_tokens("Voirie : réfection")),
    ]

    assert Matcher([alert]).matches(batch) == {1: [1, 3]}
