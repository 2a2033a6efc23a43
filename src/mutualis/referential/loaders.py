"""Load the reference data shipped in `data/` into the database.

Every loader reads and checks its whole file before writing, runs in one
transaction, and can run again: a second run updates rows, never duplicates them.
"""

import csv
import dataclasses
import functools
import gzip
import io
import re
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from mutualis.referential.models import EU_LANGUAGES, CpvCode, NutsCode

DATA_DIR = Path(__file__).resolve().parent / "data"
CPV_FILE = DATA_DIR / "cpv_2008_main_vocabulary_24lang.csv.gz"
NUTS_FILE = DATA_DIR / "nuts3_eforms_sdk_1.15.1_all_countries_24lang.csv"
THRESHOLDS_FILE = DATA_DIR / "eu_thresholds_2026_2027.json"
COMMUNES_FILE = DATA_DIR / "communes_bourgogne_21_58_71_89_cog2026.csv"
DEPARTEMENTS_FILE = DATA_DIR / "departements.json"
REGIONS_FILE = DATA_DIR / "regions.json"

BATCH_SIZE = 500
CPV_PATTERN = re.compile(r"^\d{8}-\d$")
NUTS3_PATTERN = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}$")

# The eForms SDK names languages by ISO 639-3 (bibliographic) codes; labels are
# stored under the ISO 639-1 codes used everywhere else.
ISO639_3_TO_1 = {
    "bul": "bg",
    "ces": "cs",
    "dan": "da",
    "deu": "de",
    "ell": "el",
    "eng": "en",
    "spa": "es",
    "est": "et",
    "fin": "fi",
    "fra": "fr",
    "gle": "ga",
    "hrv": "hr",
    "hun": "hu",
    "ita": "it",
    "lit": "lt",
    "lav": "lv",
    "mlt": "mt",
    "nld": "nl",
    "pol": "pl",
    "por": "pt",
    "ron": "ro",
    "slk": "sk",
    "slv": "sl",
    "swe": "sv",
}


class ReferentialError(ValueError):
    """A reference data file that cannot be loaded, or a code it does not hold."""


@dataclasses.dataclass(frozen=True)
class Loaded:
    """What one loader did: rows in its scope, and how many it created or changed."""

    total: int
    created: int
    updated: int


def file_error(path, line, reason):
    """A ReferentialError naming the file (not its directory), the line and why."""
    return ReferentialError(
        _("%(file)s, line %(line)s: %(reason)s")
        % {"file": Path(path).name, "line": line, "reason": reason}
    )


def _cached_by_content(parse):
    """Parse a file once per version of it: tests load codes again and again."""
    cached = functools.lru_cache(maxsize=8)(
        lambda path, _mtime, _size: parse(Path(path))
    )

    @functools.wraps(parse)
    def wrapper(path):
        path = Path(path)
        try:
            stat = path.stat()
        except OSError as error:
            raise ReferentialError(
                _("%(file)s cannot be read: %(reason)s")
                % {"file": path.name, "reason": error.strerror}
            ) from error
        return cached(str(path), stat.st_mtime_ns, stat.st_size)

    return wrapper


def _read_text(path):
    raw = path.read_bytes()
    if path.suffix == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as error:
            raise file_error(path, 1, _("not a gzip file (%s)") % error) from error
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise file_error(path, line, _("not UTF-8 text")) from error


def _csv_rows(path, required):
    """Yield (line number, row dict) for each data row, checking the header first."""
    reader = csv.DictReader(io.StringIO(_read_text(path), newline=""))
    header = reader.fieldnames or []
    missing = [column for column in required if column not in header]
    if missing:
        raise file_error(path, 1, _("missing columns %s") % ", ".join(missing))
    for row in reader:
        line = reader.line_num
        if None in row or None in row.values():
            found = sum(k is not None and v is not None for k, v in row.items())
            found += len(row.get(None) or ())
            reason = _("%(found)s fields where the header has %(expected)s")
            raise file_error(
                path, line, reason % {"found": found, "expected": len(header)}
            )
        yield line, row


def _sync(model, wanted, existing, fields):
    """Create the rows of `wanted` absent from `existing`, update those that differ.

    Both are dicts by natural key; `wanted` maps to field values, `existing` to
    instances. Returns (created, updated).
    """
    to_create, to_update = [], []
    for key, values in wanted.items():
        obj = existing.get(key)
        if obj is None:
            to_create.append(model(**values))
        elif any(getattr(obj, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(obj, name, value)
            to_update.append(obj)
    model.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    if to_update:
        model.objects.bulk_update(to_update, fields, batch_size=BATCH_SIZE)
    return len(to_create), len(to_update)


def _pks(model, key, values):
    """{key value: primary key} for `values`, queried in batches."""
    found = {}
    for start in range(0, len(values), BATCH_SIZE):
        batch = values[start : start + BATCH_SIZE]
        rows = model.objects.filter(**{f"{key}__in": batch}).values_list(key, "pk")
        found.update(rows)
    return found


# CPV


@dataclasses.dataclass(frozen=True)
class CpvRow:
    code: str
    prefix: str
    level: int
    parent: str | None
    labels: dict


def cpv_level(prefix):
    """Division 1, group 2, class 3, category 4; further digits refine within 5."""
    return min(len(prefix) - 1, 5)


@_cached_by_content
def read_cpv(path):
    """The CPV rows of `path` by full code, each knowing its parent's code."""
    columns = [language.upper() for language in EU_LANGUAGES]
    rows, by_prefix = {}, {}
    for line, row in _csv_rows(path, ["CODE", *columns]):
        code = row["CODE"].strip()
        if not CPV_PATTERN.match(code):
            raise file_error(
                path, line, _("%r is not a CPV code (NNNNNNNN-N)") % row["CODE"]
            )
        prefix = CpvCode.prefix_of(code)
        if prefix in by_prefix:
            raise file_error(path, line, _("%s appears twice") % code[:8])
        labels = {
            language: row[language.upper()].strip()
            for language in EU_LANGUAGES
            if row[language.upper()].strip()
        }
        if not labels:
            raise file_error(path, line, _("%s has no label") % code)
        by_prefix[prefix] = code
        rows[code] = (prefix, labels)
    return {
        code: CpvRow(
            code, prefix, cpv_level(prefix), _cpv_parent(prefix, by_prefix), labels
        )
        for code, (prefix, labels) in rows.items()
    }


def _cpv_parent(prefix, by_prefix):
    for length in range(len(prefix) - 1, 1, -1):
        if prefix[:length] in by_prefix:
            return by_prefix[prefix[:length]]
    return None


def _select_cpv(rows, codes, path):
    """The rows for `codes` (full or 8-digit) and all their ancestors."""
    by_short = {code[:8]: code for code in rows}
    selected = set()
    for given in (str(code).strip() for code in codes):
        code = given if given in rows else by_short.get(given[:8])
        if code is None or (len(given) > 8 and code != given):
            raise ReferentialError(
                _("CPV code %(code)s is not in %(file)s")
                % {"code": given, "file": Path(path).name}
            )
        while code is not None and code not in selected:
            selected.add(code)
            code = rows[code].parent
    return [rows[code] for code in sorted(selected)]


def load_cpv(codes=None, path=CPV_FILE):
    """Load the CPV 2008 main vocabulary, or only `codes` and their ancestors."""
    rows = read_cpv(path)
    selected = list(rows.values()) if codes is None else _select_cpv(rows, codes, path)
    with transaction.atomic():
        return _store_cpv(selected)


def _store_cpv(selected):
    codes = [row.code for row in selected]
    existing = CpvCode.objects.in_bulk(codes, field_name="code")
    pks = {code: obj.pk for code, obj in existing.items()}
    created = updated = 0
    # A parent's prefix is shorter than its child's: storing level by level of
    # prefix length means each parent already has its primary key.
    for length in range(2, 9):
        wanted = {
            row.code: {
                "code": row.code,
                "prefix": row.prefix,
                "level": row.level,
                "parent_id": pks[row.parent] if row.parent else None,
                "labels": dict(row.labels),
            }
            for row in selected
            if len(row.prefix) == length
        }
        if not wanted:
            continue
        fields = ["prefix", "level", "parent", "labels"]
        done = _sync(CpvCode, wanted, existing, fields)
        created, updated = created + done[0], updated + done[1]
        pks.update(_pks(CpvCode, "code", list(wanted)))
    return Loaded(len(selected), created, updated)


# NUTS


@_cached_by_content
def read_nuts(path):
    """The NUTS 3 rows of `path` by code, with their labels by ISO 639-1 code."""
    label_columns = {f"{iso3}_label": iso1 for iso3, iso1 in ISO639_3_TO_1.items()}
    rows = {}
    for line, row in _csv_rows(path, ["code", "country_iso3", "Name", *label_columns]):
        code, country, name = (
            row[column].strip() for column in ("code", "country_iso3", "Name")
        )
        if not NUTS3_PATTERN.match(code):
            raise file_error(path, line, _("%r is not a NUTS 3 code") % row["code"])
        if not re.fullmatch(r"[A-Z]{3}", country):
            raise file_error(
                path, line, _("%r is not an ISO 3166-1 alpha-3 code") % country
            )
        if not name:
            raise file_error(path, line, _("%s has no name") % code)
        if code in rows:
            raise file_error(path, line, _("%s appears twice") % code)
        labels = {
            iso1: row[column].strip()
            for column, iso1 in sorted(label_columns.items(), key=lambda c: c[1])
            if row[column].strip()
        }
        rows[code] = {
            "code": code,
            "country": country,
            "level": 3,
            "name": name,
            "labels": labels,
        }
    return rows


def load_nuts(codes=None, path=NUTS_FILE):
    """Load the NUTS 3 regions of the eForms SDK, or only `codes`."""
    rows = read_nuts(path)
    if codes is not None:
        unknown = sorted(set(codes) - rows.keys())
        if unknown:
            raise ReferentialError(
                _("NUTS codes %(codes)s are not in %(file)s")
                % {"codes": ", ".join(unknown), "file": Path(path).name}
            )
        rows = {code: rows[code] for code in codes}
    # Copies: the parsed file is cached and must not change with the instances.
    rows = {code: {**row, "labels": dict(row["labels"])} for code, row in rows.items()}
    with transaction.atomic():
        existing = NutsCode.objects.in_bulk(list(rows), field_name="code")
        fields = ["country", "level", "name", "labels"]
        created, updated = _sync(NutsCode, rows, existing, fields)
    return Loaded(len(rows), created, updated)
