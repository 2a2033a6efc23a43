import pytest

from mutualis.referential.loaders import load_cpv
from mutualis.referential.models import CpvCode
from tests.referential.shipped import cpv_row
from tests.referential_data import ensure_cpv

pytestmark = pytest.mark.django_db


def test_the_whole_vocabulary_is_loaded_with_its_five_levels():
    loaded = load_cpv()

    assert loaded.total == loaded.created == 9454
    assert CpvCode.objects.count() == 9454
    assert set(CpvCode.objects.values_list("level", flat=True)) == {1, 2, 3, 4, 5}
    assert not CpvCode.objects.filter(level=1, parent__isnull=False).exists()
    assert not CpvCode.objects.filter(level__gt=1, parent__isnull=True).exists()


def test_a_code_climbs_to_its_division():
    (roadworks,) = ensure_cpv("45233140-2")

    chain = []
    code = roadworks
    while code is not None:
        chain.append((code.code, code.level, code.prefix))
        code = code.parent

    assert chain == [
        ("45233140-2", 5, "4523314"),
        ("45233100-0", 5, "452331"),
        ("45233000-9", 4, "45233"),
        ("45230000-8", 3, "4523"),
        ("45200000-9", 2, "452"),
        ("45000000-7", 1, "45"),
    ]


def test_a_division_whose_digits_end_in_zero_keeps_two_digits():
    (division,) = ensure_cpv("30000000-9")

    assert division.prefix == "30"
    assert division.level == 1
    assert division.parent is None


def test_labels_are_those_of_the_file_in_each_language():
    row = cpv_row("45233140-2")

    (roadworks,) = ensure_cpv("45233140")

    assert roadworks.label("fr") == row["FR"]
    assert roadworks.label("cs") == row["CS"] == "Práce na stavbě silnic"
    assert roadworks.label("en") == "Roadworks"
    assert len(roadworks.labels) == 24


def test_a_blank_label_is_left_out_and_falls_back_to_english():
    row = cpv_row("03117140-7")

    (code,) = ensure_cpv("03117140-7")

    assert row["HU"] == ""
    assert "hu" not in code.labels
    assert code.label("hu") == row["EN"]


def test_only_the_codes_asked_and_their_ancestors_are_loaded():
    load_cpv(codes=["45233140-2", "79000000"])

    assert list(CpvCode.objects.values_list("code", flat=True)) == [
        "45000000-7",
        "45200000-9",
        "45230000-8",
        "45233000-9",
        "45233100-0",
        "45233140-2",
        "79000000-4",
    ]
