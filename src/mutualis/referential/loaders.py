"""Load the reference data shipped in `data/` into the database.

Every loader reads and checks its whole file before writing, runs in one
transaction, and can run again: a second run updates rows, never duplicates them.
"""

import csv
import dataclasses
import datetime as dt
import functools
import gzip
import io
import json
import re
from collections import Counter
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from mutualis.referential.models import EU_LANGUAGES, CpvCode, NutsCode, Threshold

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


def _sync(model, wanted, existing):
    """Create the rows of `wanted` absent from `existing`, update those that differ.

    Both are dicts by natural key; `wanted` maps to field values (attribute names,
    `parent_id` for a foreign key), `existing` to instances. Returns (created,
    updated).
    """
    to_create, to_update, changed = [], [], set()
    for key, values in wanted.items():
        obj = existing.get(key)
        if obj is None:
            to_create.append(model(**values))
            continue
        differ = [name for name, value in values.items() if getattr(obj, name) != value]
        for name in differ:
            setattr(obj, name, values[name])
        if differ:
            to_update.append(obj)
            changed.update(model._meta.get_field(name).name for name in differ)
    model.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    if to_update:
        model.objects.bulk_update(to_update, sorted(changed), batch_size=BATCH_SIZE)
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


def load_cpv(codes=None, path=None):
    """Load the CPV 2008 main vocabulary, or only `codes` and their ancestors."""
    path = path or CPV_FILE
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
        done = _sync(CpvCode, wanted, existing)
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


def load_nuts(codes=None, path=None):
    """Load the NUTS 3 regions of the eForms SDK, or only `codes`."""
    path = path or NUTS_FILE
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
        created, updated = _sync(NutsCode, rows, existing)
    return Loaded(len(rows), created, updated)


# JSON files


_WHITESPACE = re.compile(r"[ \t\n\r]*")


def _read_json(path):
    text = _read_text(path)
    try:
        return text, json.loads(text)
    except json.JSONDecodeError as error:
        raise file_error(path, error.lineno, error.msg) from error


def _array_lines(text, key=None):
    """The line where each item of the top-level array (or of its `key`) starts.

    `text` is valid JSON; the scan lets errors about an item name its line.
    """
    decoder = json.JSONDecoder()
    index = _WHITESPACE.match(text).end()
    if key is not None:
        index = _member_start(decoder, text, index, key)
    lines = []
    index = _WHITESPACE.match(text, index + 1).end()
    while index < len(text) and text[index] != "]":
        lines.append(text.count("\n", 0, index) + 1)
        _, index = decoder.raw_decode(text, index)
        index = _WHITESPACE.match(text, index).end()
        if text[index] == ",":
            index = _WHITESPACE.match(text, index + 1).end()
    return lines


def _member_start(decoder, text, index, key):
    """Where the value of `key` starts in the object at `index`."""
    index = _WHITESPACE.match(text, index + 1).end()
    while text[index] != "}":
        name, index = decoder.raw_decode(text, index)
        index = _WHITESPACE.match(text, index).end() + 1  # the colon
        index = _WHITESPACE.match(text, index).end()
        if name == key:
            return index
        _, index = decoder.raw_decode(text, index)
        index = _WHITESPACE.match(text, index).end()
        if text[index] == ",":
            index = _WHITESPACE.match(text, index + 1).end()
    raise ValueError(key)


def _items(path, text, data, key=None):
    """(line, item) for each object of the array at the top of `data` or in `key`."""
    array = data if key is None else data.get(key) if isinstance(data, dict) else None
    if not isinstance(array, list):
        where = _("the file") if key is None else repr(key)
        raise file_error(path, 1, _("%s must be a list") % where)
    lines = _array_lines(text, key)
    for line, item in zip(lines, array, strict=True):
        if not isinstance(item, dict):
            raise file_error(path, line, _("each entry must be an object"))
        yield line, item


def _text(path, line, item, name, max_length):
    value = item.get(name)
    if not isinstance(value, str) or not value.strip():
        raise file_error(path, line, _("%s is missing or empty") % name)
    if len(value) > max_length:
        reason = _("%(name)s is longer than %(max)s characters")
        raise file_error(path, line, reason % {"name": name, "max": max_length})
    return value.strip()


# Thresholds


@_cached_by_content
def read_thresholds(path):
    """The threshold rows of `path` by (directive, article, valid_from)."""
    text, data = _read_json(path)
    if not isinstance(data, dict):
        raise file_error(path, 1, _("the file must hold an object"))
    valid_from, valid_to = _period(path, data.get("period"))
    currency = data.get("currency", "EUR")
    bases = data.get("legal_basis") or {}
    rows = {}
    for line, item in _items(path, text, data, "thresholds"):
        directive = _text(path, line, item, "directive", 16)
        article = _text(path, line, item, "article", 16)
        key = (directive, article, valid_from)
        if key in rows:
            reason = _("%(directive)s art. %(article)s appears twice")
            raise file_error(
                path, line, reason % {"directive": directive, "article": article}
            )
        rows[key] = {
            "directive": directive,
            "article": article,
            "scope": _text(path, line, item, "scope", 300),
            "value": _amount(path, line, item.get("value")),
            "currency": currency,
            "valid_from": valid_from,
            "valid_to": valid_to,
            "legal_basis": _legal_basis(path, line, bases, directive),
        }
    return rows


def _legal_basis(path, line, bases, directive):
    basis = bases.get(directive, "") if isinstance(bases, dict) else None
    if not isinstance(basis, str) or len(basis) > 300:
        reason = _("the legal basis of %s must be a text of 300 characters at most")
        raise file_error(path, line, reason % directive)
    return basis


def _period(path, period):
    try:
        start = dt.date.fromisoformat(period["from"])
        end = dt.date.fromisoformat(period["to"])
    except (TypeError, KeyError, ValueError) as error:
        raise file_error(
            path, 1, _('period must be {"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}')
        ) from error
    if end < start:
        raise file_error(path, 1, _("the period ends before it starts"))
    return start, end


def _amount(path, line, value):
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise file_error(path, line, _("value must be a number"))
    try:
        amount = Decimal(str(value))
    except InvalidOperation as error:
        raise file_error(path, line, _("value must be a number")) from error
    if not amount.is_finite() or amount <= 0:
        raise file_error(path, line, _("value must be a positive amount"))
    return amount.quantize(Decimal("0.01"))


def load_thresholds(path=None):
    """Load the EU procurement thresholds and their period of validity."""
    path = path or THRESHOLDS_FILE
    rows = read_thresholds(path)
    with transaction.atomic():
        existing = {
            (row.directive, row.article, row.valid_from): row
            for row in Threshold.objects.all()
        }
        created, updated = _sync(Threshold, rows, existing)
    return Loaded(len(rows), created, updated)


# Public buyers of Burgundy


INSEE_COMMUNE = re.compile(r"^\d[\dAB]\d{3}$")
SIREN = re.compile(r"^\d{9}$")
POSTCODES = re.compile(r"^\d{5}(\|\d{5})*$")
COMMUNE_COLUMNS = [
    "code_insee",
    "nom",
    "departement",
    "region",
    "codes_postaux",
    "population",
    "siren",
    "epci_siren",
    "epci_nom",
    "latitude",
    "longitude",
    "nuts3",
]


@_cached_by_content
def read_areas(path):
    """The départements or regions of `path` by code: {code: item}."""
    text, data = _read_json(path)
    areas = {}
    for line, item in _items(path, text, data):
        code = _text(path, line, item, "code", 3)
        _text(path, line, item, "nom", 300)
        if code in areas:
            raise file_error(path, line, _("%s appears twice") % code)
        areas[code] = item
    return areas


@_cached_by_content
def read_communes(path):
    """The communes of `path`, each a dict of checked values."""
    communes, epci_names = [], {}
    for line, row in _csv_rows(path, COMMUNE_COLUMNS):
        commune = _commune(path, line, {k: v.strip() for k, v in row.items()})
        siren, name = commune["epci_siren"], commune["epci_nom"]
        if epci_names.setdefault(siren, name) != name:
            reason = _("EPCI %(siren)s is named %(name)r above, %(other)r here")
            raise file_error(
                path,
                line,
                reason % {"siren": siren, "name": epci_names[siren], "other": name},
            )
        communes.append(commune)
    seen = Counter(commune["code_insee"] for commune in communes)
    twice = sorted(code for code, count in seen.items() if count > 1)
    if twice:
        raise ReferentialError(
            _("%(file)s: communes %(codes)s appear twice")
            % {"file": Path(path).name, "codes": ", ".join(twice)}
        )
    return communes


def _commune(path, line, row):
    checks = [
        ("code_insee", INSEE_COMMUNE),
        ("departement", re.compile(r"^\d[\dAB]\d?$")),
        ("region", re.compile(r"^\d{2}$")),
        ("codes_postaux", POSTCODES),
        ("siren", SIREN),
        ("epci_siren", SIREN),
        ("nuts3", NUTS3_PATTERN),
    ]
    for name, pattern in checks:
        if not pattern.match(row[name]):
            reason = _("%(name)s %(value)r is not valid")
            raise file_error(path, line, reason % {"name": name, "value": row[name]})
    for name in ("nom", "epci_nom"):
        if not row[name]:
            raise file_error(path, line, _("%s is empty") % name)
    return {
        **row,
        "line": line,
        "population": _number(path, line, row, "population", int, 0, 10**8),
        "latitude": _number(path, line, row, "latitude", float, -90, 90),
        "longitude": _number(path, line, row, "longitude", float, -180, 180),
    }


def _number(path, line, row, name, kind, low, high):
    try:
        value = kind(row[name])
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        reason = _("%(name)s %(value)r is not a number between %(low)s and %(high)s")
        values = {"name": name, "value": row[name], "low": low, "high": high}
        raise file_error(path, line, reason % values)
    return value


def load_burgundy_buyers(communes_path=None, departements_path=None, regions_path=None):
    """Load the region, départements, EPCIs and communes of the communes file.

    Each becomes a public buyer; parents link a commune to its EPCI, an EPCI to
    the département holding most of its communes, a département to its region.
    """
    communes_path = communes_path or COMMUNES_FILE
    communes = read_communes(communes_path)
    departements = read_areas(departements_path or DEPARTEMENTS_FILE)
    regions = read_areas(regions_path or REGIONS_FILE)
    _check_areas(communes, departements, regions, communes_path)
    with transaction.atomic():
        load_nuts(codes=sorted({commune["nuts3"] for commune in communes}))
        return _store_buyers(communes, departements, regions)


def _check_areas(communes, departements, regions, path):
    for commune in communes:
        departement = departements.get(commune["departement"])
        if departement is None or departement.get("region") != commune["region"]:
            reason = _("département %(departement)s of region %(region)s is unknown")
            raise file_error(path, commune["line"], reason % commune)
        if commune["region"] not in regions:
            reason = _("region %(region)s is unknown")
            raise file_error(path, commune["line"], reason % commune)


# Regions and départements have no commune-like INSEE code of five characters:
# they are keyed "R27" and "D21" in Organisation.insee_code, which can never
# collide with a commune's code.
def region_key(code):
    return f"R{code}"


def departement_key(code):
    return f"D{code}"


class _Buyers:
    """Upserts public buyers level by level, counting what it did."""

    def __init__(self, communes):
        from mutualis.accounts.models import BuyerType, Organisation, OrganisationKind

        self.types = BuyerType
        self.model = Organisation
        self.queryset = Organisation.objects.filter(kind=OrganisationKind.BUYER)
        self.base = {
            "kind": OrganisationKind.BUYER,
            "country": "FR",
            "time_zone": "Europe/Paris",
        }
        self.communes = communes
        self.by_insee = {commune["code_insee"]: commune for commune in communes}
        self.nuts = _pks(NutsCode, "code", sorted({c["nuts3"] for c in communes}))
        self.total = self.created = self.updated = 0

    def store(self, wanted, key_field, queryset=None):
        """Upsert `wanted` by `key_field`; return {key: Organisation}."""
        queryset = queryset if queryset is not None else self.queryset
        keys = list(wanted)

        def existing():
            rows = queryset.filter(**{f"{key_field}__in": keys})
            return {getattr(row, key_field): row for row in rows}

        created, updated = _sync(self.model, wanted, existing())
        self.total += len(wanted)
        self.created += created
        self.updated += updated
        return existing()

    def result(self):
        return Loaded(self.total, self.created, self.updated)


def _store_buyers(communes, departements, regions):
    buyers = _Buyers(communes)
    stored = _store_regions(buyers, regions)
    stored = _store_departements(buyers, departements, stored)
    stored = _store_epcis(buyers, stored)
    _store_communes(buyers, stored)
    return buyers.result()


def _store_regions(buyers, regions):
    codes = sorted({commune["region"] for commune in buyers.communes})
    wanted = {
        region_key(code): {
            **buyers.base,
            **_seat(regions[code], buyers.by_insee),
            "buyer_type": buyers.types.REGION,
            "name": regions[code]["nom"],
            "insee_code": region_key(code),
            "parent_id": None,
            "nuts_id": None,
        }
        for code in codes
    }
    return buyers.store(wanted, "insee_code")


def _store_departements(buyers, departements, regions):
    codes = sorted({commune["departement"] for commune in buyers.communes})
    wanted = {}
    for code in codes:
        departement = departements[code]
        nuts = _most_common(buyers.communes, "departement", code, "nuts3")
        wanted[departement_key(code)] = {
            **buyers.base,
            **_seat(departement, buyers.by_insee),
            "buyer_type": buyers.types.DEPARTEMENT,
            "name": departement["nom"],
            "insee_code": departement_key(code),
            "parent_id": regions[region_key(departement["region"])].pk,
            "nuts_id": buyers.nuts[nuts],
        }
    return buyers.store(wanted, "insee_code")


def _store_epcis(buyers, departements):
    names = {}
    for commune in buyers.communes:
        names.setdefault(commune["epci_siren"], commune["epci_nom"])
    wanted = {}
    for siren, name in sorted(names.items()):
        code = _most_common(buyers.communes, "epci_siren", siren, "departement")
        departement = departements[departement_key(code)]
        wanted[siren] = {
            **buyers.base,
            "buyer_type": buyers.types.EPCI,
            "name": name,
            "siren": siren,
            "parent_id": departement.pk,
            "nuts_id": departement.nuts_id,
        }
    epcis = buyers.queryset.filter(buyer_type=buyers.types.EPCI)
    return buyers.store(wanted, "siren", epcis)


def _store_communes(buyers, epcis):
    wanted = {
        commune["code_insee"]: {
            **buyers.base,
            "buyer_type": buyers.types.COMMUNE,
            "name": commune["nom"],
            "insee_code": commune["code_insee"],
            "siren": commune["siren"],
            "parent_id": epcis[commune["epci_siren"]].pk,
            "postcode": commune["codes_postaux"].split("|")[0],
            "town": commune["nom"],
            "latitude": commune["latitude"],
            "longitude": commune["longitude"],
            "population": commune["population"],
            "nuts_id": buyers.nuts[commune["nuts3"]],
        }
        for commune in buyers.communes
    }
    return buyers.store(wanted, "insee_code")


def _seat(area, communes):
    """The town and postcode of an area's chef-lieu, when the file holds it."""
    seat = communes.get(area.get("chefLieu"))
    if seat is None:
        return {}
    return {"town": seat["nom"], "postcode": seat["codes_postaux"].split("|")[0]}


def _most_common(communes, key, value, field):
    """The commonest `field` among communes whose `key` is `value` (lowest on a tie)."""
    counts = Counter(c[field] for c in communes if c[key] == value)
    return min(counts, key=lambda item: (-counts[item], item))


def load_all():
    """Load every shipped file in order; returns {name: Loaded}."""
    from mutualis.core.journal import record

    with transaction.atomic():
        loaded = {
            "cpv": load_cpv(),
            "nuts": load_nuts(),
            "thresholds": load_thresholds(),
            "buyers": load_burgundy_buyers(),
        }
        record(
            "referential.loaded",
            **{name: dataclasses.asdict(counts) for name, counts in loaded.items()},
        )
    return loaded
