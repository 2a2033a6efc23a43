import importlib
import random
from pathlib import Path

import pytest

from mutualis.tenders.models import Consultation
from mutualis.tenders.search import Criteria, PortableAdapter, search

pytestmark = pytest.mark.django_db

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture
def portal_search(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    return importlib.import_module("portal_search")


def test_the_generator_loads_public_calls_that_the_full_text_index_finds(
    portal_search,
):
    portal_search.generate(200, random.Random(6))

    assert Consultation.objects.count() == 200
    public = search(Criteria())
    indexed = search(Criteria(text="fourniture"))
    scanned = public.filter(pk__in=PortableAdapter().matching(["fourniture"]))
    assert 0 < indexed.count() == scanned.count() < public.count()


def test_the_benchmark_prints_median_and_p95_per_query_and_the_goals(
    portal_search, capsys
):
    portal_search.generate(200, random.Random(6))

    portal_search.report(portal_search.measure(runs=2))

    lines = capsys.readouterr().out.splitlines()
    kinds = [kind for kind, _params in portal_search.QUERIES]
    rows = [line for line in lines if line.startswith(tuple(kinds))]
    assert len(rows) == 2 * len(kinds)
    assert any(line.startswith("overall") for line in lines)
    assert any(line.startswith("goal page p95 < 100 ms: ") for line in lines)
    assert any(line.startswith("goal page p95 < 2 x raw p95: ") for line in lines)
