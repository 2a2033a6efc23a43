"""The shipped files, read with the csv module alone: the oracle for the loaders."""

import csv
import gzip
import io
from pathlib import Path

import mutualis.referential

DATA = Path(mutualis.referential.__file__).resolve().parent / "data"


def cpv_rows():
    raw = gzip.decompress(
        (DATA / "cpv_2008_main_vocabulary_24lang.csv.gz").read_bytes()
    )
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))


def cpv_row(code):
    return next(row for row in cpv_rows() if row["CODE"] == code)


def commune_rows():
    path = DATA / "communes_bourgogne_21_58_71_89_cog2026.csv"
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def nuts_row(code):
    path = DATA / "nuts3_eforms_sdk_1.15.1_all_countries_24lang.csv"
    with path.open(encoding="utf-8", newline="") as file:
        return next(row for row in csv.DictReader(file) if row["code"] == code)
