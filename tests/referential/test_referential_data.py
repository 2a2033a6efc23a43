import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mutualis.referential.loaders import ReferentialError
from mutualis.referential.models import CpvCode, NutsCode
from tests.referential_data import ensure_cpv, ensure_nuts

pytestmark = pytest.mark.django_db


def test_ensure_cpv_returns_the_codes_in_the_order_asked():
    codes = ensure_cpv("79000000-4", "45233140", "45000000-7")

    assert [code.code for code in codes] == ["79000000-4", "45233140-2", "45000000-7"]
    assert codes[1].label("en") == "Roadworks"


def test_ensure_cpv_is_one_query_when_the_codes_are_there():
    ensure_cpv("45233140-2", "79000000-4")

    with CaptureQueriesContext(connection) as queries:
        codes = ensure_cpv("45233140-2", "79000000")

    assert len(queries) == 1
    assert [code.code for code in codes] == ["45233140-2", "79000000-4"]
    assert CpvCode.objects.count() == 7


def test_ensure_cpv_refuses_a_wrong_check_digit():
    with pytest.raises(ReferentialError, match="45233140-3 is not in"):
        ensure_cpv("45233140-3")


def test_ensure_nuts_loads_only_the_regions_asked():
    cote_dor, yonne = ensure_nuts("FRC11", "FRC14")

    assert (cote_dor.name, cote_dor.country, cote_dor.level) == ("Côte-d’Or", "FRA", 3)
    assert yonne.name == "Yonne"
    assert NutsCode.objects.count() == 2
    assert ensure_nuts("FRC14") == [yonne]


def test_ensure_nuts_refuses_an_unknown_code():
    with pytest.raises(ReferentialError, match="FRZ99"):
        ensure_nuts("FRZ99")
