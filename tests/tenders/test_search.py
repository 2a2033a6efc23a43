import datetime as dt

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mutualis.core.time import to_utc
from mutualis.tenders.models import Consultation, Nature, Procedure, State
from mutualis.tenders.search import Criteria, engine, search
from tests.factories import ConsultationFactory, LotFactory
from tests.referential_data import ensure_cpv, ensure_nuts

pytestmark = pytest.mark.django_db


def found(**criteria):
    return sorted(c.reference for c in search(Criteria(**criteria)))


def public(reference, **fields):
    fields.setdefault("state", State.PUBLISHED)
    return ConsultationFactory(reference=reference, **fields)


def test_accents_and_case_are_folded_and_the_last_word_is_a_prefix():
    public("VOIRIE", title="Réfection de la Voirie communale")
    public("ECOLE", title="Extension de l'école", description="Bâtiment à énergie")

    assert found(text="voiri") == ["VOIRIE"]
    assert found(text="REFECTION") == ["VOIRIE"]
    assert found(text="ecole") == ["ECOLE"]
    assert found(text="batiment energ") == ["ECOLE"]


def test_every_word_must_match():
    public("VOIRIE", title="Réfection de la voirie", description="Chaussée")
    public("PONT", title="Réfection du pont", description="Ouvrage d'art")

    assert found(text="réfection chaussée") == ["VOIRIE"]
    assert found(text="réfection") == ["PONT", "VOIRIE"]


def test_only_published_opened_and_awarded_consultations_are_public():
    for state in State:
        public(state.value, title="Voirie", state=state)

    assert found(text="voirie") == ["awarded", "opened", "published"]
    assert found() == ["awarded", "opened", "published"]


def test_the_index_follows_changes_of_title_and_deletions():
    consultation = public("VOIRIE", title="Voirie")
    consultation.title = "Éclairage public"
    consultation.save()
    public("GONE", title="Voirie").delete()

    assert found(text="voirie") == []
    assert found(text="eclairage") == ["VOIRIE"]


def test_a_cpv_code_finds_its_children_on_main_extra_and_lot_codes():
    roadworks, painting, design = ensure_cpv("45233140-2", "45442100-8", "71320000-7")
    public("MAIN", main_cpv=roadworks)
    extra = public("EXTRA", main_cpv=design)
    extra.extra_cpv.add(painting)
    LotFactory(consultation=public("LOT", main_cpv=design), main_cpv=roadworks)
    public("OTHER", main_cpv=design)
    (works, road) = ensure_cpv("45000000-7", "45233000-9")

    assert found(cpv=works) == ["EXTRA", "LOT", "MAIN"]
    assert found(cpv=road) == ["LOT", "MAIN"]
    assert found(cpv=design) == ["EXTRA", "LOT", "OTHER"]


def test_a_nuts_code_finds_the_regions_inside_it():
    cote_dor, nievre, calvados = ensure_nuts("FRC11", "FRC12", "FRD11")
    public("DIJON").nuts.add(cote_dor)
    public("NEVERS").nuts.add(nievre)
    public("CAEN").nuts.add(calvados)

    assert found(nuts="FRC") == ["DIJON", "NEVERS"]
    assert found(nuts="frc11") == ["DIJON"]
    assert found(nuts="FR") == ["CAEN", "DIJON", "NEVERS"]


def test_buyer_procedure_and_nature_filters():
    works = public("WORKS", nature=Nature.WORKS, procedure=Procedure.OPEN)
    public("SUPPLIES", nature=Nature.SUPPLIES, procedure=Procedure.ADAPTED)

    assert found(buyer=works.buyer) == ["WORKS"]
    assert found(procedure=Procedure.ADAPTED) == ["SUPPLIES"]
    assert found(nature=Nature.WORKS) == ["WORKS"]


def test_closing_dates_are_whole_days_in_paris():
    public(
        "LATE",
        submission_deadline=to_utc(dt.datetime(2027, 3, 10, 23, 30), "Europe/Paris"),
    )
    public(
        "EARLY",
        submission_deadline=to_utc(dt.datetime(2027, 3, 11, 0, 0), "Europe/Paris"),
    )

    assert found(closes_to=dt.date(2027, 3, 10)) == ["LATE"]
    assert found(closes_from=dt.date(2027, 3, 11)) == ["EARLY"]
    assert found(closes_from=dt.date(2027, 3, 10), closes_to=dt.date(2027, 3, 11)) == [
        "EARLY",
        "LATE",
    ]


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(text=st.text(max_size=60))
def test_any_input_is_safe(text):
    public_title = 'Réfection (voirie) "AND" OR NOT * ^ NEAR\''
    if not search(Criteria()).exists():
        public("SAFE", title=public_title)

    result = list(search(Criteria(text=text)))

    assert all(c.reference == "SAFE" for c in result)


@pytest.mark.parametrize(
    "text",
    [
        '"',
        "'",
        "(",
        "voirie)",
        'AND "',
        "NOT",
        "*",
        "a:b",
        "ŉ",
        "x -y",
        "\\",
        "NEAR(a b)",
    ],
)
def test_query_syntax_is_taken_as_words(text):
    public("SAFE", title="voirie")

    assert found(text=text) in ([], ["SAFE"])


def has_words(text, asked):
    """Every asked word, the last as the start of one."""
    found = text.split()
    return all(word in found for word in asked[:-1]) and any(
        word.startswith(asked[-1]) for word in found
    )


WORDS = ["voirie", "école", "réfection", "chaussée", "pont", "cantine"]


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    titles=st.lists(
        st.lists(st.sampled_from(WORDS), min_size=1, max_size=3), max_size=12
    ),
    asked=st.lists(st.sampled_from(WORDS), min_size=1, max_size=2),
)
def test_reading_slices_or_sorting_the_matches_gives_the_same_pages(
    titles, asked, monkeypatch
):
    Consultation.objects.all().delete()
    for n, title in enumerate(titles):
        public(
            f"C{n}",
            title=" ".join(title),
            # Some on the same day, the others months apart: several slices.
            published_at=to_utc(
                dt.datetime(2027, 1, 1, 9) + dt.timedelta(days=40 * (n % 7)),
                "Europe/Paris",
            ),
        )
    criteria = Criteria(text=" ".join(asked))
    # Newest first, then the latest made: every asked word, the last as a prefix.
    expected = [
        c.reference
        for c in Consultation.objects.order_by("-published_at", "-pk")
        if has_words(f"{c.title} {c.description}", asked)
    ]

    kind = type(engine())
    monkeypatch.setattr(kind, "BROAD", 10**9)
    sorted_matches = [c.reference for c in search(criteria)]
    monkeypatch.setattr(kind, "BROAD", 1)
    walked = [c.reference for c in search(criteria)]

    pages = [
        [c.reference for c in search(criteria)[start : start + 2]]
        for start in range(0, len(expected), 2)
    ]

    assert walked == sorted_matches == expected
    assert pages == [
        expected[start : start + 2] for start in range(0, len(expected), 2)
    ]
    assert search(criteria).count() == len(expected)


PREFIXED = st.text(alphabet="aàeéèoôuùcçnŉß1²", min_size=1, max_size=4)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's reading of a prefix"
)
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(asked=PREFIXED)
def test_a_prefix_read_as_its_words_finds_what_the_prefix_finds(asked, monkeypatch):
    if not search(Criteria()).exists():
        for n, title in enumerate(["Côte écœurée", "ÇA ça", "naïve ŉa", "Straße 1²"]):
            public(f"C{n}", title=title, description="œuvre eau eaux")

    kind = type(engine())
    as_words = [c.reference for c in search(Criteria(text=asked))]
    monkeypatch.setattr(kind, "PREFIX_WORDS", 0)
    as_prefix = [c.reference for c in search(Criteria(text=asked))]

    assert as_words == as_prefix


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's reading of a prefix"
)
def test_a_prefix_of_many_words_is_read_as_a_prefix():
    for n in range(40):
        public(f"C{n}", title=f"Voie{n:02d}", description="")

    assert len(found(text="voie")) == 40
    assert found(text="voie3") == [f"C{n}" for n in range(30, 40)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tenders_searchword WHERE word ^@ 'voie'")
        assert cursor.fetchone()[0] == 40


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's planner settings"
)
def test_the_count_leaves_the_planner_as_it_was_in_an_open_transaction():
    public("VOIRIE", title="Voirie")

    with transaction.atomic():
        assert search(Criteria(text="voirie")).count() == 1
        with connection.cursor() as cursor:
            cursor.execute("SHOW enable_indexscan")
            assert cursor.fetchone()[0] == "on"
            cursor.execute("SHOW enable_seqscan")
            assert cursor.fetchone()[0] == "on"
