import gzip
import io

import pytest
from django.core.management import CommandError, call_command

from mutualis.accounts.models import Organisation
from mutualis.core.models import JournalEntry
from mutualis.referential import loaders
from mutualis.referential.loaders import ReferentialError, load_cpv
from mutualis.referential.models import CpvCode, NutsCode, Threshold
from tests.referential.shipped import DATA

pytestmark = pytest.mark.django_db


def counts():
    return {
        "cpv": CpvCode.objects.count(),
        "nuts": NutsCode.objects.count(),
        "thresholds": Threshold.objects.count(),
        "buyers": Organisation.objects.count(),
    }


def test_the_command_loads_everything_and_a_second_run_duplicates_nothing():
    first = io.StringIO()
    call_command("load_referential", stdout=first)
    after_first = counts()
    CpvCode.objects.filter(code="45233140-2").update(labels={"en": "Edited"})
    Organisation.objects.filter(insee_code="21001").update(name="Edited")

    output = io.StringIO()
    call_command("load_referential", stdout=output)

    assert first.getvalue().splitlines() == [
        "CPV codes: 9454 (9454 created, 0 updated)",
        "NUTS 3 regions: 1521 (1521 created, 0 updated)",
        "EU thresholds: 12 (12 created, 0 updated)",
        "public buyers: 2063 (2063 created, 0 updated)",
    ]
    assert after_first == {"cpv": 9454, "nuts": 1521, "thresholds": 12, "buyers": 2063}
    assert counts() == after_first
    assert "CPV codes: 9454 (0 created, 1 updated)" in output.getvalue()
    assert "public buyers: 2063 (0 created, 1 updated)" in output.getvalue()
    assert CpvCode.objects.get(code="45233140-2").label("en") == "Roadworks"
    assert Organisation.objects.get(insee_code="21001").name == "Agencourt"
    assert JournalEntry.objects.filter(action="referential.loaded").count() == 2


def write_cpv(path, lines):
    text = "\n".join(lines) + "\n"
    path.write_bytes(gzip.compress(text.encode("utf-8")))
    return path


def cpv_header():
    with gzip.open(DATA / "cpv_2008_main_vocabulary_24lang.csv.gz", "rt") as file:
        return file.readline().strip(), file.readline().strip(), file.readline().strip()


def test_a_malformed_cpv_line_is_refused_with_its_file_and_line(tmp_path):
    header, first, second = cpv_header()
    path = write_cpv(
        tmp_path / "cpv.csv.gz", [header, first, "4500000-7" + second[10:]]
    )

    with pytest.raises(ReferentialError) as refused:
        load_cpv(path=path)

    assert str(refused.value) == (
        "cpv.csv.gz, line 3: '4500000-7' is not a CPV code (NNNNNNNN-N)"
    )
    assert CpvCode.objects.count() == 0


def test_a_short_line_is_refused(tmp_path):
    header, first, _ = cpv_header()
    path = write_cpv(tmp_path / "cpv.csv.gz", [header, first, "45000000-7,Строителни"])

    with pytest.raises(ReferentialError) as refused:
        load_cpv(path=path)

    assert str(refused.value) == (
        "cpv.csv.gz, line 3: 2 fields where the header has 25"
    )


def test_a_missing_column_is_refused_on_line_1(tmp_path):
    path = write_cpv(tmp_path / "cpv.csv.gz", ["CODE,EN", "45000000-7,Works"])

    with pytest.raises(
        ReferentialError, match=r"^cpv.csv.gz, line 1: missing columns BG"
    ):
        load_cpv(path=path)


def test_a_file_that_is_not_gzip_is_refused(tmp_path):
    path = tmp_path / "cpv.csv.gz"
    path.write_text("CODE\n")

    with pytest.raises(ReferentialError, match=r"^cpv.csv.gz, line 1: not a gzip file"):
        load_cpv(path=path)


def test_a_bad_threshold_file_leaves_the_database_as_it_was(tmp_path, monkeypatch):
    load_cpv(codes=["45233140-2"])
    bad = tmp_path / "thresholds.json"
    text = (DATA / "eu_thresholds_2026_2027.json").read_text(encoding="utf-8")
    bad.write_text(text.replace('"value": 140000', '"value": "a lot"'))
    monkeypatch.setattr(loaders, "THRESHOLDS_FILE", bad)

    with pytest.raises(CommandError) as refused:
        call_command("load_referential", stdout=io.StringIO())

    assert str(refused.value) == "thresholds.json, line 14: value must be a number"
    assert counts() == {"cpv": 6, "nuts": 0, "thresholds": 0, "buyers": 0}
    assert not JournalEntry.objects.exists()


def test_invalid_json_is_refused_with_its_line(tmp_path):
    bad = tmp_path / "thresholds.json"
    bad.write_text('{"period": {"from": "2026-01-01",\n "to": }}')

    with pytest.raises(ReferentialError) as refused:
        loaders.load_thresholds(path=bad)

    assert str(refused.value) == "thresholds.json, line 2: Expecting value"


def test_a_commune_of_an_unknown_departement_is_refused(tmp_path):
    source = (DATA / "communes_bourgogne_21_58_71_89_cog2026.csv").read_text("utf-8")
    header, first, second, *_ = source.splitlines()
    bad = tmp_path / "communes.csv"
    bad.write_text("\n".join([header, first, second.replace(",21,", ",99,", 1)]))

    with pytest.raises(ReferentialError) as refused:
        loaders.load_burgundy_buyers(communes_path=bad)

    assert str(refused.value) == (
        "communes.csv, line 3: département 99 of region 27 is unknown"
    )
    assert not Organisation.objects.exists()
