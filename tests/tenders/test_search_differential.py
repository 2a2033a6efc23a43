"""The portal search finds what a plain reading of its rules finds, in its order.

Hypothesis makes consultations in every state, with texts in several languages,
CPV codes on the call and its lots, NUTS codes, buyers, deadlines around midnight
in Paris and publications that share a second or lie months apart (several of the
index's slices). The reference below reads the same data in Python; every
criterion, page, slice and count of `search` must give what it gives.
"""

import contextlib
import dataclasses
import datetime as dt
import re
import unicodedata
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from mutualis.accounts.models import Organisation
from mutualis.referential.models import CpvCode
from mutualis.tenders import search_index
from mutualis.tenders.models import (
    Consultation,
    ConsultationText,
    Lot,
    Nature,
    Procedure,
    State,
)
from mutualis.tenders.search import Criteria, engine, search
from tests.factories import BuyerFactory, ConsultationFactory
from tests.referential_data import ensure_cpv, ensure_nuts

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
FOUND_STATES = (State.PUBLISHED, State.OPENED, State.AWARDED)
QUERY_WORD = re.compile(r"[^\W_]+")
MAX_WORDS = 12

# 45233140 (roadworks) starts 45233141 (road maintenance): a code finds its
# siblings below the same significant prefix.
CPV = [
    "03000000-1",
    "03100000-2",
    "45000000-7",
    "45100000-8",
    "45200000-9",
    "45230000-8",
    "45233000-9",
    "45233140-2",
    "45233141-9",
    "45442000-7",
    "45442100-8",
    "71000000-8",
    "71320000-7",
]
NUTS = ["FRC11", "FRC12", "FRC13", "FRC14", "FRD11", "FR101", "DE111", "BE100"]
# The last one buys nothing.
BUYERS = [
    "Commune de Beaune",
    "Commune de Nevers",
    "Département de l'Yonne",
    "Commune d'Auxerre",
]
LANGUAGES = ["en", "it", "de", "cs"]

# Few letters, so that words meet and start one another; accents fold onto them.
LETTERS = "abcéèàçô"
REAL_WORDS = ["voirie", "école", "réfection", "chaussée", "pont", "façade", "crèche"]
# What both engines' word parsers take as separators (a slash or a dot between
# letters is not: PostgreSQL reads a path or a host name there).
TEXT_SEPARATORS = [" ", " ", ", ", "-", "'", " (", ") ", "; ", "\n"]
# In a query anything else than letters and digits separates words.
QUERY_SEPARATORS = [" ", " ", ", ", '"', "*", "-", "_", ":", "(", ") ", "'", "^"]

# Midnight in Paris either side of both changes of time in 2027.
DAYS = [
    dt.date(2027, 3, 10),
    dt.date(2027, 3, 11),
    dt.date(2027, 3, 27),
    dt.date(2027, 3, 28),
    dt.date(2027, 3, 29),
    dt.date(2027, 10, 30),
    dt.date(2027, 10, 31),
    dt.date(2027, 11, 1),
]
AROUND_MIDNIGHT = [
    dt.timedelta(microseconds=-1),
    dt.timedelta(0),
    dt.timedelta(0),
    dt.timedelta(microseconds=1),
    dt.timedelta(hours=2, minutes=30),
    dt.timedelta(hours=12),
    dt.timedelta(hours=23, minutes=59, seconds=59, microseconds=999_999),
]

# Publications: the same day, second or microsecond for many, the others about
# 24-day slices apart or more.
FIRST_PUBLICATION = dt.datetime(2025, 9, 1, 7, 0, tzinfo=dt.UTC)
PUBLICATION_DAYS = [0, 0, 0, 1, 25, 49, 73, 150, 400]
PUBLICATION_SECONDS = [0, 0, 1, 2, 3_600]
PUBLICATION_MICROSECONDS = [0, 0, 1, 500_000, 999_999]


def fold(text):
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def midnight(day):
    return dt.datetime.combine(day, dt.time.min, tzinfo=PARIS)


@dataclasses.dataclass(frozen=True)
class Call:
    """A consultation to make, in plain values."""

    state: str
    title: str
    description: str
    texts: tuple  # (language, title, description)
    published_at: dt.datetime
    deadline: dt.datetime | None
    buyer: int
    procedure: str
    nature: str
    main_cpv: str | None
    extra_cpv: tuple
    lot_cpv: tuple  # one lot each, with its main CPV code or None
    nuts: tuple

    def typed_words(self):
        """The words of its texts as written: every language, in order."""
        texts = [self.title, self.description]
        for _, title, description in self.texts:
            texts += [title, description]
        return QUERY_WORD.findall(" ".join(texts))

    def words(self):
        return {fold(word) for word in self.typed_words()}

    def cpv_codes(self):
        codes = {*self.extra_cpv, *(code for code in self.lot_cpv if code)}
        return codes | ({self.main_cpv} if self.main_cpv else set())

    def second(self):
        return (self.published_at - EPOCH) // dt.timedelta(seconds=1)


@dataclasses.dataclass(frozen=True)
class Asked:
    """Criteria in plain values: CPV codes and buyers by position."""

    text: str = ""
    cpv: str | None = None
    nuts: str = ""
    buyer: int | None = None
    procedure: str = ""
    nature: str = ""
    closes_from: dt.date | None = None
    closes_to: dt.date | None = None


def meets(call, asked, cpv_prefix):
    """The rules of the portal search, read plainly."""
    if call.state not in FOUND_STATES:
        return False
    terms = [fold(word) for word in QUERY_WORD.findall(asked.text)][:MAX_WORDS]
    if terms:
        found = call.words()
        *whole, last = terms
        if not all(term in found for term in whole):
            return False
        if not any(word.startswith(last) for word in found):
            return False
    if cpv_prefix is not None and not any(
        code.startswith(cpv_prefix) for code in call.cpv_codes()
    ):
        return False
    if asked.nuts and not any(
        code.lower().startswith(asked.nuts.lower()) for code in call.nuts
    ):
        return False
    if asked.buyer is not None and asked.buyer != call.buyer:
        return False
    if asked.procedure and asked.procedure != call.procedure:
        return False
    if asked.nature and asked.nature != call.nature:
        return False
    if asked.closes_from or asked.closes_to:
        if call.deadline is None:
            return False
        if asked.closes_from and call.deadline < midnight(asked.closes_from):
            return False
        day_after = asked.closes_to and asked.closes_to + dt.timedelta(days=1)
        if day_after and call.deadline >= midnight(day_after):
            return False
    return True


def reference(calls, made, asked):
    """The references found, newest second of publication first, then by id."""
    cpv_prefix = None
    if asked.cpv is not None:
        cpv = CpvCode.objects.get(code=asked.cpv)
        cpv_prefix = cpv.prefix or CpvCode.prefix_of(cpv.code)
    found = [
        (call.second(), consultation.pk, consultation.reference)
        for call, consultation in zip(calls, made, strict=True)
        if meets(call, asked, cpv_prefix)
    ]
    return [ref for _, _, ref in sorted(found, reverse=True)]


# Strategies.

word = st.one_of(
    st.sampled_from(REAL_WORDS), st.text(alphabet=LETTERS, min_size=1, max_size=4)
)
cased = st.builds(
    lambda text, case: case(text),
    word,
    st.sampled_from([str.lower, str.upper, str.capitalize]),
)


def joined(words, separators, max_size):
    parts = st.lists(st.tuples(words, st.sampled_from(separators)), max_size=max_size)
    return parts.map(lambda pairs: "".join(w + s for w, s in pairs))


text = joined(cased, TEXT_SEPARATORS, max_size=6)
deadline = st.one_of(
    st.none(),
    st.builds(
        lambda day, delta: (midnight(day) + delta).astimezone(dt.UTC),
        st.sampled_from(DAYS),
        st.sampled_from(AROUND_MIDNIGHT),
    ),
)
published_at = st.builds(
    lambda days, seconds, micro: (
        FIRST_PUBLICATION + dt.timedelta(days=days, seconds=seconds, microseconds=micro)
    ),
    st.sampled_from(PUBLICATION_DAYS),
    st.sampled_from(PUBLICATION_SECONDS),
    st.sampled_from(PUBLICATION_MICROSECONDS),
)
cpv_code = st.sampled_from(CPV)
maybe_cpv = st.one_of(st.none(), cpv_code)

call = st.builds(
    Call,
    # Found states twice as often as the hidden ones.
    state=st.sampled_from([*FOUND_STATES, *FOUND_STATES, State.DRAFT, State.CANCELLED]),
    title=text,
    description=text,
    texts=st.lists(
        st.tuples(st.sampled_from(LANGUAGES), text, text),
        max_size=2,
        unique_by=lambda t: t[0],
    ).map(tuple),
    published_at=published_at,
    deadline=deadline,
    buyer=st.integers(0, len(BUYERS) - 2),
    procedure=st.sampled_from([Procedure.OPEN, Procedure.ADAPTED, *Procedure]),
    nature=st.sampled_from(Nature),
    main_cpv=maybe_cpv,
    extra_cpv=st.lists(cpv_code, max_size=2, unique=True).map(tuple),
    lot_cpv=st.lists(maybe_cpv, max_size=2).map(tuple),
    nuts=st.lists(st.sampled_from(NUTS), max_size=2, unique=True).map(tuple),
)


def either_case(text):
    return st.sampled_from([text, text.lower()])


nuts_asked = st.one_of(
    st.builds(lambda code, n: code[:n], st.sampled_from(NUTS), st.integers(1, 5)),
    st.sampled_from(["FRX", "DE2", "FRC111", "IT"]),
).flatmap(either_case)
closing_day = st.sampled_from(
    sorted({day + dt.timedelta(days=n) for day in DAYS for n in (-1, 0, 1)})
)
FILTERS = {
    "cpv": cpv_code,
    "nuts": nuts_asked,
    "buyer": st.integers(0, len(BUYERS) - 1),
    "procedure": st.sampled_from(Procedure),
    "nature": st.sampled_from(Nature),
    "closes_from": closing_day,
    "closes_to": closing_day,
}


def typed(words):
    return st.builds(
        lambda w, case: case(w), words, st.sampled_from([str, str.upper, str.lower])
    )


def cut_last(words, n):
    return [*words[:-1], words[-1][:n]]


@st.composite
def query(draw, calls):
    """Words of the calls' texts, of one of them, or any: those of a query."""
    texts = [call.typed_words() for call in calls]
    used = sorted({word for found in texts for word in found})
    one = draw(st.sampled_from([found for found in texts if found] or [REAL_WORDS]))
    sources = st.one_of(word, st.sampled_from(used or REAL_WORDS), st.sampled_from(one))
    words = draw(
        st.one_of(
            st.just([]),
            # The start of a word: broad.
            st.builds(lambda w, n: [w[:n]], typed(sources), st.integers(1, 2)),
            st.builds(
                cut_last,
                st.lists(typed(sources), min_size=1, max_size=4),
                st.integers(1, 6),
            ),
            # Twelve words of one call, then more that count for nothing.
            st.builds(
                lambda found, n, more: [*cut_last(found, n), *more],
                st.lists(typed(st.sampled_from(one)), min_size=12, max_size=12),
                st.integers(1, 6),
                st.lists(typed(word), min_size=1, max_size=3),
            ),
        )
    )
    separators = st.sampled_from(QUERY_SEPARATORS)
    return "".join(w + draw(separators) for w in words)


def met(calls):
    """For each filter, values that some of the calls meet or nearly meet."""
    codes = {code for call in calls for code in call.cpv_codes()}
    nuts = {code[:n] for call in calls for code in call.nuts for n in range(1, 6)}
    days = {
        call.deadline.astimezone(PARIS).date() + dt.timedelta(days=n)
        for call in calls
        if call.deadline
        for n in (-1, 0, 1)
    }
    return {
        "cpv": [
            cpv
            for cpv in CPV
            if any(code.startswith(CpvCode.prefix_of(cpv)) for code in codes)
        ],
        "nuts": sorted(nuts | {code.lower() for code in nuts}),
        "buyer": sorted({call.buyer for call in calls}),
        "procedure": sorted({call.procedure for call in calls}),
        "nature": sorted({call.nature for call in calls}),
        "closes_from": sorted(days),
        "closes_to": sorted(days),
    }


@st.composite
def asked(draw, calls):
    """Words, filters or both; the filters' values often those of the calls."""
    mode = draw(st.sampled_from(["filters", "words", "both"]))
    kinds = set()
    if mode != "words":
        kinds = draw(st.sets(st.sampled_from(sorted(FILTERS)), min_size=1, max_size=2))
    near = met(calls)
    filters = {
        kind: draw(st.one_of(st.sampled_from(near[kind]), FILTERS[kind]))
        if near[kind]
        else draw(FILTERS[kind])
        for kind in sorted(kinds)
    }
    text = "" if mode == "filters" else draw(query(calls))
    return Asked(text=text, **filters)


slice_bounds = st.tuples(st.integers(0, 12), st.one_of(st.none(), st.integers(0, 12)))


# Making the data.


def buyers():
    found = {o.name: o for o in Organisation.objects.filter(name__in=BUYERS)}
    return [found.get(name) or BuyerFactory(name=name) for name in BUYERS]


def make(calls, organisations, batched):
    cpv = dict(zip(CPV, ensure_cpv(*CPV), strict=True))
    nuts = dict(zip(NUTS, ensure_nuts(*NUTS), strict=True))
    made = []
    together = search_index.batched() if batched else contextlib.nullcontext()
    with together:
        for n, call in enumerate(calls):
            consultation = ConsultationFactory(
                reference=f"C{n}",
                buyer=organisations[call.buyer],
                state=call.state,
                title=call.title,
                description=call.description,
                published_at=call.published_at,
                submission_deadline=call.deadline,
                procedure=call.procedure,
                nature=call.nature,
                main_cpv=cpv[call.main_cpv] if call.main_cpv else None,
            )
            consultation.extra_cpv.set([cpv[code] for code in call.extra_cpv])
            consultation.nuts.set([nuts[code] for code in call.nuts])
            for language, title, description in call.texts:
                ConsultationText.objects.create(
                    consultation=consultation,
                    language=language,
                    title=title,
                    description=description,
                )
            for number, code in enumerate(call.lot_cpv, start=1):
                Lot.objects.create(
                    consultation=consultation,
                    number=number,
                    title=f"Lot {number}",
                    main_cpv=cpv[code] if code else None,
                )
            made.append(consultation)
    return made


def criteria(asked, organisations):
    return Criteria(
        text=asked.text,
        cpv=None if asked.cpv is None else CpvCode.objects.get(code=asked.cpv),
        nuts=asked.nuts,
        buyer=None if asked.buyer is None else organisations[asked.buyer],
        procedure=asked.procedure,
        nature=asked.nature,
        closes_from=asked.closes_from,
        closes_to=asked.closes_to,
    )


def references(consultations):
    return [consultation.reference for consultation in consultations]


# Each example runs as it is and with every match read slice by slice (BROAD). On
# PostgreSQL, also with the last word asked as a prefix instead of the words it
# starts, and with at most two such words, so that a prefix often starts more.
PLANS = [{}, {"BROAD": 1}]
if connection.vendor == "postgresql":
    PLANS += [{"PREFIX_WORDS": 0}, {"BROAD": 1, "PREFIX_WORDS": 2}]


def check(wanted, expected, page, bounds):
    results = search(wanted)
    assert references(results) == expected
    assert results.count() == len(expected)
    assert results.exists() == bool(expected)

    # Pages one after the other, from one search as the portal reads them.
    pages = [
        references(results[start : start + page])
        for start in range(0, len(expected) + 1, page)
    ]
    assert pages == [
        expected[start : start + page] for start in range(0, len(expected) + 1, page)
    ]
    for start, stop in bounds:
        assert references(search(wanted)[start:stop]) == expected[start:stop]
    if expected:
        assert search(wanted)[len(expected) - 1].reference == expected[-1]
    with pytest.raises(IndexError):
        search(wanted)[len(expected)]
    assert search(wanted).count() == len(expected)


def every_filter_alone(calls):
    """Each filter by itself, with each value that some of the calls meet."""
    for kind, values in met(calls).items():
        for value in values:
            yield Asked(**{kind: value})


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    calls=st.lists(call, min_size=2, max_size=14),
    batched=st.booleans(),
    data=st.data(),
    page=st.integers(1, 4),
    bounds=st.lists(slice_bounds, max_size=3),
)
def test_the_search_finds_what_its_rules_say_in_listing_order(
    calls, batched, data, page, bounds, monkeypatch
):
    questions = data.draw(st.lists(asked(calls), min_size=1, max_size=6))
    Consultation.objects.all().delete()
    organisations = buyers()
    made = make(calls, organisations, batched)
    for consultation, made_from in zip(made, calls, strict=True):
        note(f"{consultation.reference} (id {consultation.pk}): {made_from}")

    kind = type(engine())
    for asked_for in questions:
        wanted = criteria(asked_for, organisations)
        expected = reference(calls, made, asked_for)
        note(f"{wanted} should find {expected}")
        for plan in PLANS:
            note(f"plan: {plan or 'as it is'}")
            with monkeypatch.context() as patch:
                for name, value in plan.items():
                    patch.setattr(kind, name, value)
                check(wanted, expected, page, bounds)

    for asked_for in every_filter_alone(calls):
        wanted = criteria(asked_for, organisations)
        expected = reference(calls, made, asked_for)
        assert references(search(wanted)) == expected, asked_for
        assert search(wanted).count() == len(expected), asked_for
