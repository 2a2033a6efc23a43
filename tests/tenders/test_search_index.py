"""The search entries follow every change of what the portal search looks at."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mutualis.referential.models import NutsCode
from mutualis.tenders import search_index
from mutualis.tenders.models import Consultation, SearchEntry, State
from mutualis.tenders.search import Criteria, search
from tests.factories import ConsultationFactory, ConsultationTextFactory, LotFactory
from tests.referential_data import ensure_cpv, ensure_nuts

pytestmark = pytest.mark.django_db


def entries():
    """What each entry holds, by consultation reference."""
    return {
        entry.consultation.reference: (entry.key, entry.words, entry.facets)
        for entry in SearchEntry.objects.select_related("consultation")
    }


def found(**criteria):
    return sorted(c.reference for c in search(Criteria(**criteria)))


def test_an_entry_comes_with_publication_and_goes_with_cancellation():
    call = ConsultationFactory(reference="CALL", title="Voirie")
    assert found(text="voirie") == []

    call.state = State.PUBLISHED
    call.published_at = dt.datetime(2027, 1, 4, 9, tzinfo=dt.UTC)
    call.save()
    assert found(text="voirie") == ["CALL"]

    call.state = State.CANCELLED
    call.save()
    assert found(text="voirie") == []
    assert not SearchEntry.objects.exists()


def test_lots_codes_and_places_changed_later_are_found():
    roadworks, design = ensure_cpv("45233140-2", "71320000-7")
    (cote_dor,) = ensure_nuts("FRC11")
    call = ConsultationFactory(reference="CALL", published=True, main_cpv=design)
    (works,) = ensure_cpv("45000000-7")
    assert found(cpv=works) == []

    lot = LotFactory(consultation=call, main_cpv=roadworks)
    assert found(cpv=works) == ["CALL"]
    lot.delete()
    assert found(cpv=works) == []

    call.extra_cpv.add(roadworks)
    assert found(cpv=works) == ["CALL"]
    call.extra_cpv.clear()
    assert found(cpv=works) == []

    call.nuts.add(cote_dor)
    assert found(nuts="FRC1") == ["CALL"]
    # From the region's side too.
    NutsCode.objects.get(code="FRC11").consultations.clear()
    assert found(nuts="FRC1") == []


def test_deleting_a_consultation_with_its_lots_and_texts_removes_its_entry():
    call = ConsultationFactory(reference="CALL", published=True)
    LotFactory(consultation=call)
    ConsultationTextFactory(consultation=call, language="it", title="Strade")

    Consultation.objects.filter(pk=call.pk).delete()

    assert not SearchEntry.objects.exists()
    assert found(text="strade") == []


def test_rebuilding_makes_the_entries_that_saves_made():
    (roadworks,) = ensure_cpv("45233140-2")
    (cote_dor,) = ensure_nuts("FRC11")
    first = ConsultationFactory(reference="FIRST", published=True)
    first.nuts.add(cote_dor)
    LotFactory(consultation=first, main_cpv=roadworks)
    ConsultationTextFactory(consultation=first, language="en", title="Roads")
    ConsultationFactory(reference="SECOND", published=True)
    ConsultationFactory(reference="DRAFT")
    kept = entries()

    SearchEntry.objects.all().delete()
    out = io.StringIO()
    call_command("rebuild_search_index", stdout=out)

    assert entries() == kept
    assert sorted(kept) == ["FIRST", "SECOND"]
    assert "made for 2 public consultations" in out.getvalue()
    assert found(text="roads") == ["FIRST"]


def test_the_listing_key_is_the_second_of_publication_then_the_id():
    early = dt.datetime(2027, 1, 4, 9, 0, 0, 900_000, tzinfo=dt.UTC)
    late = dt.datetime(2027, 1, 4, 9, 0, 1, tzinfo=dt.UTC)

    assert search_index.listing_key(7, late) > search_index.listing_key(9, early)
    assert search_index.listing_key(9, early) > search_index.listing_key(7, early)
    assert search_index.consultation_id(search_index.listing_key(9, early)) == 9
    with pytest.raises(ValueError, match="outside the listing key"):
        search_index.listing_key(1 << 32, early)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(typed=st.text(max_size=8))
def test_any_place_typed_is_safe_and_finds_only_what_it_starts(typed):
    if not SearchEntry.objects.exists():
        (cote_dor,) = ensure_nuts("FRC11")
        ConsultationFactory(reference="DIJON", published=True).nuts.add(cote_dor)

    result = found(nuts=typed)

    letters = "".join(char for char in typed.lower() if char.isalnum())
    starts = "frc11".startswith(letters) and letters
    assert result == (["DIJON"] if starts or not typed else [])


def test_the_engine_index_holds_each_entry_once():
    ConsultationFactory(reference="A", published=True, title="Voirie")
    ConsultationFactory(reference="B", published=True, title="Voirie")
    table = {
        "sqlite": "SELECT count(*) FROM tenders_searchentry_fts "
        "WHERE tenders_searchentry_fts MATCH 'voirie'",
        "postgresql": "SELECT count(*) FROM tenders_searchentry "
        "WHERE document @@ 'voirie'::tsquery",
    }[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute(table)
        assert cursor.fetchone()[0] == 2


def test_a_batch_makes_each_entry_once_at_its_end():
    (cote_dor,) = ensure_nuts("FRC11")
    with search_index.batched():
        call = ConsultationFactory(reference="CALL", published=True, title="Voirie")
        call.nuts.add(cote_dor)
        LotFactory(consultation=call)
        ConsultationTextFactory(consultation=call, language="it", title="Strade")
        assert not SearchEntry.objects.exists()

    assert found(text="strade", nuts="FRC") == ["CALL"]


def test_a_failed_batch_makes_no_entry():
    with pytest.raises(RuntimeError), search_index.batched():
        ConsultationFactory(reference="CALL", published=True)
        raise RuntimeError

    assert not SearchEntry.objects.exists()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's storage of the rows"
)
def test_long_entries_keep_narrow_rows():
    for n in range(30):
        words = " ".join(f"mot{n}x{k}" for k in range(400))
        ConsultationFactory(reference=f"LONG{n}", published=True, description=words)

    with connection.cursor() as cursor:
        # The heap pages the rows are on (a ctid is a page and a place in it).
        cursor.execute(
            "SELECT count(DISTINCT (ctid::text::point)[0]) FROM tenders_searchentry"
        )
        (pages,) = cursor.fetchone()

    # Their words and tsvectors are out of line: the rows, their links, fit in a
    # page or two, where in-line values would fill one per four rows.
    assert pages <= 2
    assert found(text="mot29x399") == ["LONG29"]
