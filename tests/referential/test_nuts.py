import pytest

from mutualis.referential.loaders import load_nuts
from mutualis.referential.models import EU_LANGUAGES, NutsCode
from tests.referential.shipped import nuts_row

pytestmark = pytest.mark.django_db


def test_every_nuts_3_region_of_the_file_is_loaded():
    loaded = load_nuts()

    assert loaded.total == loaded.created == 1521
    assert set(NutsCode.objects.values_list("level", flat=True)) == {3}
    assert NutsCode.objects.filter(country="FRA").count() == 102


def test_burgundy_is_found_by_its_nuts_2_prefix():
    load_nuts()

    burgundy = NutsCode.objects.filter(code__startswith="FRC1")

    assert [(n.code, n.name) for n in burgundy] == [
        ("FRC11", "Côte-d’Or"),
        ("FRC12", "Nièvre"),
        ("FRC13", "Saône-et-Loire"),
        ("FRC14", "Yonne"),
    ]


def test_labels_are_keyed_by_two_letter_language_codes():
    row = nuts_row("EL301")

    load_nuts(codes=["EL301"])
    region = NutsCode.objects.get(code="EL301")

    assert region.name == row["Name"] == "Βόρειος Τομέας Αθηνών"
    assert region.label("el") == row["ell_label"]
    assert region.label("cs") == row["ces_label"]
    assert sorted(region.labels) == sorted(EU_LANGUAGES)
