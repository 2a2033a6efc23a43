import importlib
import random
import re
from pathlib import Path

import pytest
from django.db.models import Q

from mutualis.tenders.models import PUBLIC_STATES, Consultation
from mutualis.tenders.search import Criteria, search

pytestmark = pytest.mark.django_db

BENCH = Path(__file__).resolve().parents[2] / "bench"
# Query, page, page median and p95, raw median, p95 and ratio (or dashes), verdict.
NUMBER = r"\d+\.\d"
FIGURES = re.compile(
    rf"(.+?) +(\d+) +{NUMBER} +{NUMBER} +({NUMBER} +{NUMBER} +{NUMBER}|- +- +-)"
    r" +(?:met|NOT MET)"
)


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
    scanned = Consultation.objects.filter(
        Q(title__icontains="fourniture") | Q(description__icontains="fourniture"),
        state__in=PUBLIC_STATES,
    )
    assert 0 < indexed.count() == scanned.count() < public.count()
    assert (
        public.count() == Consultation.objects.filter(state__in=PUBLIC_STATES).count()
    )


def test_the_benchmark_prints_median_and_p95_per_query_and_the_goals(
    portal_search, capsys
):
    portal_search.generate(200, random.Random(6))

    portal_search.report(portal_search.measure(runs=2))

    lines = capsys.readouterr().out.splitlines()
    rows = [FIGURES.fullmatch(line).groups() for line in lines[1:-3]]
    assert {(kind, page, raw[0] == "-") for kind, page, raw in rows} == {
        (kind, str(page), "q" not in params)
        for kind, params in portal_search.QUERIES
        for page in (1, portal_search.DEEP_PAGE)
    }
    assert re.fullmatch(rf"overall +{NUMBER} +{NUMBER} +{NUMBER} +{NUMBER}", lines[-3])
    assert re.fullmatch(r"goal page p95 < 100 ms: (met|NOT MET)", lines[-2])
    assert re.fullmatch(r"goal page p95 < 2 x raw p95: (met|NOT MET)", lines[-1])
