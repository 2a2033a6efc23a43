"""Time the portal search over a million consultations; print median and p95 in ms.

Run: `uv run python bench/portal_search.py [--count N] [--data-dir DIR]
[--database-url URL] [--reuse] [--runs R] [--budget S]`. Without --database-url the database
is a SQLite file in DIR (a temporary directory removed at the end when DIR is not
given). The first run builds N synthetic public consultations (default 1,000,000);
--reuse keeps a database that already holds them. For each kind of query it times
the whole search page (the view through Django's test client, template rendered,
page 1 and a deep page) and the engine's full-text SQL alone. Goals:
page p95 under 100 ms, and under twice the raw query's p95.
"""

import argparse
import datetime as dt
import functools
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from alerts_match import DIVISIONS, value  # noqa: E402

BATCH = 5_000
BUYERS = 3_000
DEEP_PAGE = 250
PAGE_GOAL_MS = 100
RAW_FACTOR = 2
# Partner regions' languages (and their NUTS countries) beside French.
LANGUAGES = {"fr": 70, "it": 8, "es": 8, "cs": 5, "sv": 5, "en": 4}
COUNTRIES = {"fr": "FR", "it": "IT", "es": "ES", "cs": "CZ", "sv": "SE", "en": "IE"}
OPENINGS = {
    "fr": [
        "Travaux de",
        "Marché de",
        "Accord-cadre pour",
        "Fourniture de",
        "Prestations de",
        "Maintenance et entretien :",
        "Acquisition de",
    ],
    "it": ["Lavori di", "Fornitura di", "Servizi di", "Accordo quadro per"],
    "es": ["Obras de", "Suministro de", "Servicios de", "Acuerdo marco de"],
    "cs": ["Stavební práce:", "Dodávka:", "Služby:", "Rámcová dohoda:"],
    "sv": ["Byggentreprenad:", "Leverans av", "Tjänster:", "Ramavtal för"],
    "en": ["Works for", "Supply of", "Services of", "Framework agreement for"],
}
SENTENCES = {
    "fr": [
        "Le présent marché a pour objet {x}.",
        "Les prestations comprennent {x}, y compris la fourniture et la pose.",
        "Le titulaire assure {x} sur l'ensemble du territoire de la collectivité.",
        "Les candidats remettent un mémoire technique décrivant {x}.",
        "La durée du marché est de douze mois reconductible trois fois.",
        "Les variantes ne sont pas autorisées ; la visite du site est obligatoire.",
        "Critères d'attribution : prix 40 %, valeur technique 60 %.",
        "Le dossier de consultation des entreprises est téléchargeable gratuitement.",
    ],
    "it": [
        "L'appalto ha per oggetto {x}.",
        "Il servizio comprende {x} presso le sedi dell'ente.",
        "Criterio di aggiudicazione: offerta economicamente più vantaggiosa.",
        "La durata del contratto è di ventiquattro mesi.",
    ],
    "es": [
        "El objeto del contrato es {x}.",
        "La prestación incluye {x} en las dependencias municipales.",
        "Criterios de adjudicación: precio y calidad técnica.",
        "El plazo de ejecución es de doce meses prorrogables.",
    ],
    "cs": [
        "Předmětem veřejné zakázky je {x}.",
        "Plnění zahrnuje {x} včetně dopravy a montáže.",
        "Hodnoticím kritériem je nejnižší nabídková cena.",
    ],
    "sv": [
        "Upphandlingen avser {x}.",
        "Uppdraget omfattar {x} inom kommunens verksamheter.",
        "Tilldelning sker på grundval av bästa förhållande mellan pris och kvalitet.",
    ],
    "en": [
        "The contract covers {x}.",
        "The services include {x} at the authority's premises.",
        "Award criteria: price 40%, quality 60%.",
    ],
}
PLACES = ["Dijon", "Nevers", "Mâcon", "Auxerre", "Beaune", "Sens", "Autun", "Chalon"]
STATES = {"published": 55, "awarded": 35, "opened": 4, "cancelled": 3, "draft": 3}
QUERIES = [
    ("one common word", {"q": "travaux"}),
    ("rare word", {"q": "apiculture"}),
    ("two words", {"q": "entretien bâtiments"}),
    ("prefix", {"q": "voiri"}),
    ("text + CPV", {"q": "fourniture", "cpv": "33000000"}),
    ("text + NUTS", {"q": "prestations", "nuts": "FRC1"}),
    ("CPV only", {"cpv": "45000000"}),
    ("no criteria", {}),
    ("no match", {"q": "zyxwvutsrq"}),
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--data-dir", help="where the SQLite benchmark file lives")
    parser.add_argument("--database-url", help="a PostgreSQL database to fill")
    parser.add_argument("--reuse", action="store_true", help="keep the data there")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--budget", type=float, default=60, help="seconds at most for one measure"
    )
    parser.add_argument("--generate-only", action="store_true")
    parser.add_argument("--seed", type=int, default=2027)
    args = parser.parse_args()
    directory = args.data_dir or tempfile.mkdtemp(prefix="mutualis-bench-")
    os.environ.update(
        MUTUALIS_DATA_DIR=directory,
        MUTUALIS_INSECURE_DEV_KEY="true",
        DJANGO_SETTINGS_MODULE="mutualis.settings",
    )
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    try:
        run(args)
    finally:
        if not args.data_dir:
            shutil.rmtree(directory)


def run(args):
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import override_settings

    from mutualis.tenders.models import Consultation

    call_command("migrate", verbosity=0)
    held = Consultation.objects.count()
    print(f"engine: {connection.vendor}, consultations held: {held}")
    if not (args.reuse and held >= args.count):
        started = time.perf_counter()
        generate(args.count, random.Random(args.seed))
        print(f"generated {args.count} in {time.perf_counter() - started:.0f} s")
    if args.generate_only:
        return
    # The hashed names of collected static files are not what is measured here.
    static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(
        STORAGES={**django.conf.settings.STORAGES, "staticfiles": static}
    ):
        report(measure(args.runs, args.budget))


# Generation


def generate(count, rng):
    """Replace the consultations with `count` synthetic ones, loaded in bulk."""
    from django.db import connection, transaction

    from mutualis.referential.loaders import load_cpv, load_nuts
    from mutualis.referential.models import CpvCode, NutsCode

    load_cpv()
    load_nuts()
    cpv = list(CpvCode.objects.values_list("code", "level", "labels"))
    divisions = by_division_all(cpv)
    cpv_pk = dict(CpvCode.objects.values_list("code", "pk"))
    nuts = {}
    for code, pk in NutsCode.objects.values_list("code", "pk"):
        nuts.setdefault(code[:2], []).append(pk)
    with full_text_index_dropped(connection), transaction.atomic():
        clear()
        buyers = make_buyers(max(10, min(BUYERS, count // 300)))
        make_consultations(rng, count, divisions, cpv_pk, nuts, buyers)
    if not connection.in_atomic_block:
        # What autovacuum (or SQLite's PRAGMA optimize) would do after such a load:
        # the planner's statistics, and on PostgreSQL the visibility map.
        with connection.cursor() as cursor:
            cursor.execute(
                "VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE"
            )


def by_division_all(cpv):
    """Per division, the codes with a label in each language of LANGUAGES."""
    divisions = {}
    for code, level, labels in cpv:
        entry = {lang: labels.get(lang) or labels.get("en", "") for lang in LANGUAGES}
        divisions.setdefault(code[:2], []).append((code, level, entry))
    return divisions


def clear():
    from mutualis.accounts.models import Organisation
    from mutualis.tenders.models import Consultation, Lot, SearchEntry

    SearchEntry.objects.all()._raw_delete("default")
    Lot.objects.all()._raw_delete("default")
    for through in (Consultation.extra_cpv.through, Consultation.nuts.through):
        through.objects.all()._raw_delete("default")
    Consultation.objects.all()._raw_delete("default")
    Organisation.objects.filter(name__startswith="Bench ")._raw_delete("default")


def make_buyers(count):
    from mutualis.accounts.models import Organisation, OrganisationKind

    kinds = [
        "Commune de",
        "Communauté de communes de",
        "Département",
        "Centre hospitalier de",
        "Lycée de",
    ]
    Organisation.objects.bulk_create(
        (
            Organisation(
                kind=OrganisationKind.BUYER,
                name=f"Bench {kinds[n % len(kinds)]} {PLACES[n % len(PLACES)]} {n}",
            )
            for n in range(count)
        ),
        batch_size=1000,
    )
    return list(
        Organisation.objects.filter(name__startswith="Bench ").values_list(
            "pk", flat=True
        )
    )


POSTGRESQL_INDEX = "tenders_searchentry_document"


class full_text_index_dropped:
    """Drop the search index (and its SQLite triggers) for a load, then make the
    entries and the index again, in bulk."""

    def __init__(self, connection):
        self.connection = connection

    def __enter__(self):
        statements = {
            "sqlite": [
                "DROP TRIGGER IF EXISTS tenders_searchentry_fts_insert",
                "DROP TRIGGER IF EXISTS tenders_searchentry_fts_delete",
                "DROP TRIGGER IF EXISTS tenders_searchentry_fts_update",
            ],
            "postgresql": [
                f"DROP INDEX IF EXISTS {POSTGRESQL_INDEX}",
                "DROP TRIGGER IF EXISTS tenders_searchword_keep ON tenders_searchentry",
                "TRUNCATE tenders_searchword",
            ],
        }
        self.execute(statements.get(self.connection.vendor, []))

    def __exit__(self, kind, *exc):
        if kind is not None:
            return
        from mutualis.tenders import search_index

        search_index.rebuild()
        migration = search_migration()
        if self.connection.vendor == "sqlite":
            # The FTS5 table stays; its triggers come back and it is rebuilt at once.
            triggers = [s for s in migration.SQLITE_FORWARD if "TRIGGER" in s]
            triggers = [s for s in triggers if "DROP" not in s]
            rebuild = [
                "INSERT INTO tenders_searchentry_fts(tenders_searchentry_fts) "
                "VALUES ('rebuild')"
            ]
            self.execute([*triggers, *rebuild])
        elif self.connection.vendor == "postgresql":
            # The stored column of migration 0010 is filled as rows come in.
            index = [s for s in migration.POSTGRESQL_FORWARD if "CREATE INDEX" in s]
            # The word list of migration 0011, filled at once, then kept by its
            # trigger.
            words = [s for s in words_migration().FORWARD if "TRIGGER" in s]
            words += [s for s in words_migration().FORWARD if "SELECT DISTINCT" in s]
            index += words
            memory = ["SET maintenance_work_mem = '1GB'", "RESET maintenance_work_mem"]
            # Inside a transaction (the tests), the deferred foreign-key checks of
            # the load must run before PostgreSQL lets an index be created.
            if self.connection.in_atomic_block:
                memory[0:0] = ["SET CONSTRAINTS ALL IMMEDIATE"]
            self.execute([*memory[:-1], *index, memory[-1]])

    def execute(self, statements):
        with self.connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def search_migration():
    import importlib

    return importlib.import_module("mutualis.tenders.migrations.0010_search_entries")


def words_migration():
    import importlib

    return importlib.import_module("mutualis.tenders.migrations.0011_search_words")


def make_consultations(rng, count, divisions, cpv_pk, nuts, buyers):
    from django.db import connection

    from mutualis.tenders.models import Consultation, Lot

    names = list(divisions)
    weights = [DIVISIONS.get(d, 0.3) for d in names]
    languages, language_weights = list(LANGUAGES), list(LANGUAGES.values())
    states, state_weights = list(STATES), list(STATES.values())
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    columns = [f.column for f in Consultation._meta.concrete_fields]
    lot_columns = [f.column for f in Lot._meta.concrete_fields if f.column != "id"]
    extra, places, lots, rows = [], [], [], []
    for pk in range(1, count + 1):
        division = divisions[rng.choices(names, weights)[0]]
        language = rng.choices(languages, language_weights)[0]
        state = rng.choices(states, state_weights)[0]
        main = rng.choice(division)
        rows.append(
            consultation_row(
                rng, pk, columns, main, division, language, state, now, cpv_pk, buyers
            )
        )
        for code in rng.sample(
            division, min(len(division), rng.choice((0, 1, 1, 2, 3)))
        ):
            if code[0] != main[0]:
                extra.append((pk, cpv_pk[code[0]]))
        country = COUNTRIES[language] if rng.random() < 0.9 else rng.choice(list(nuts))
        for place in set(rng.choices(nuts[country], k=1 if rng.random() < 0.85 else 2)):
            places.append((pk, place))
        if rng.random() < 0.2:
            for number in range(1, rng.randint(2, 5) + 1):
                code = rng.choice(division)
                lots.append(lot_row(lot_columns, pk, number, code, language, cpv_pk))
        if len(rows) == BATCH or pk == count:
            insert(connection, Consultation._meta.db_table, columns, rows)
            insert(
                connection,
                Consultation.extra_cpv.through._meta.db_table,
                ["consultation_id", "cpvcode_id"],
                extra,
            )
            insert(
                connection,
                Consultation.nuts.through._meta.db_table,
                ["consultation_id", "nutscode_id"],
                places,
            )
            insert(connection, Lot._meta.db_table, lot_columns, lots)
            extra, places, lots, rows = [], [], [], []


def consultation_row(
    rng, pk, columns, main, division, language, state, now, cpv_pk, buyers
):
    from django.db import connection

    adapt = connection.ops.adapt_datetimefield_value
    published = now - dt.timedelta(seconds=rng.randint(0, 5 * 365 * 86400))
    if state == "published":
        deadline = now + dt.timedelta(days=rng.uniform(-20, 60))
    else:
        deadline = published + dt.timedelta(days=rng.uniform(15, 60))
    row = {
        "id": pk,
        "buyer_id": rng.choice(buyers),
        "reference": f"B{pk:07d}",
        "title": title(rng, main, language),
        "description": description(rng, division, language),
        "language": language,
        "nature": "works"
        if main[0][:2] == "45"
        else rng.choice(("supplies", "services")),
        "procedure": rng.choice(
            ("open", "open", "adapted", "adapted", "restricted", "neg-w-call")
        ),
        "estimated_value": value(rng) if rng.random() < 0.6 else None,
        "currency": "EUR",
        "main_cpv_id": cpv_pk[main[0]],
        "time_zone": "Europe/Paris",
        "submission_deadline": adapt(deadline),
        "state": state,
        "published_at": adapt(published) if state != "draft" else None,
        "awarded_at": adapt(deadline + dt.timedelta(days=30))
        if state == "awarded"
        else None,
        "created_at": adapt(published - dt.timedelta(days=2)),
        "updated_at": adapt(published),
    }
    return tuple(row.get(column, "" if column in TEXTS else None) for column in columns)


# Columns that hold an empty string, not NULL, when unset.
TEXTS = {"notice_id", "procedure_identifier", "notice_publication_id"}


def title(rng, main, language):
    text = f"{rng.choice(OPENINGS[language])} {main[2][language].lower()}"
    while len(text) < rng.randint(40, 90):
        text += f" — {rng.choice(PLACES)}"
    return text[:150]


def description(rng, division, language):
    # Lengths of real notices: most a few hundred characters, a long tail to 2,000.
    target = min(2_000, max(200, int(rng.lognormvariate(6.4, 0.6))))
    parts, size = [], 0
    while size < target:
        label = rng.choice(division)[2][language].lower()
        sentence = rng.choice(SENTENCES[language]).format(x=label)
        parts.append(sentence)
        size += len(sentence) + 1
    return " ".join(parts)[:2_000]


def lot_row(columns, pk, number, code, language, cpv_pk):
    row = {
        "consultation_id": pk,
        "number": number,
        "title": code[2][language][:500],
        "description": "",
        "main_cpv_id": cpv_pk[code[0]],
        "identifier": f"LOT-{number:04d}",
    }
    return tuple(row.get(column) for column in columns)


def insert(connection, table, columns, rows):
    if not rows:
        return
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})",  # noqa: S608
            rows,
        )


# Measurement


def measure(runs, budget=60):
    """Per kind of query and page, the timings in ms of the page and of the raw SQL."""
    from django.test import Client
    from django.urls import reverse

    client = Client(SERVER_NAME="127.0.0.1")
    url = reverse("web:consultation-list")
    for kind, params in QUERIES:
        raw = raw_query(params.get("q", ""))
        raw_timings = repeat(raw, runs, budget) if raw else []
        for page in (1, DEEP_PAGE):
            get = functools.partial(get_page, client, url, {**params, "page": page})
            yield kind, page, repeat(get, runs, budget), raw_timings


def repeat(action, runs, budget):
    """Timings in ms of `action` after a warm-up run; fewer past `budget` seconds.

    A warm-up slower than the budget is kept as the only timing: at a second a
    query, the first run's cold cache no longer changes the verdict.
    """
    timings = []
    stop = time.perf_counter() + budget
    while len(timings) < runs + 1 and (len(timings) < 2 or time.perf_counter() < stop):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
        if len(timings) == 1 and timings[0] > budget * 1000:
            return timings
    return timings[1:]


def get_page(client, url, params):
    response = client.get(url, params)
    if response.status_code != 200:
        raise SystemExit(f"{url} {params} answered {response.status_code}")


def raw_query(text):
    """The engine's full-text SQL alone, every key fetched; None without words."""
    from django.db import connection

    from mutualis.tenders.search import Query, engine, words

    terms = words(text)
    if not terms:
        return None
    sql, params = engine().rows(Query(terms=tuple(terms)))

    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    return run


def p95(timings):
    if len(timings) == 1:
        return timings[0]
    return statistics.quantiles(timings, n=20, method="inclusive")[18]


def figures(timings):
    if not timings:
        return f"{'-':>7} {'-':>7}"
    return f"{statistics.median(timings):7.1f} {p95(timings):7.1f}"


def verdict(ok):
    return "met" if ok else "NOT MET"


def report(results):
    """One line per query and page, then overall figures and the two goals.

    The ratio to the raw query is shown per text query; the goal compares the
    overall p95s, since a page cannot take under twice a query of 0.1 ms.
    """
    print(
        f"{'query':<16} {'page':>4}  {'page ms median':>15} {'p95':>7}"
        f"  {'raw ms median':>14} {'p95':>7}  {'x raw':>6}  page p95 < {PAGE_GOAL_MS}"
    )
    pages, raws = [], []
    for kind, page, timings, raw in results:
        pages += timings
        raws += raw
        ratio = f"{p95(timings) / p95(raw):6.1f}" if raw else f"{'-':>6}"
        print(
            f"{kind:<16} {page:>4}  {figures(timings):>23}  {figures(raw):>22}"
            f"  {ratio}  {verdict(p95(timings) < PAGE_GOAL_MS)}",
            flush=True,
        )
    print(f"{'overall':<16} {'':>4}  {figures(pages):>23}  {figures(raws):>22}")
    print(f"goal page p95 < {PAGE_GOAL_MS} ms: {verdict(p95(pages) < PAGE_GOAL_MS)}")
    print(
        f"goal page p95 < {RAW_FACTOR} x raw p95: "
        f"{verdict(p95(pages) < RAW_FACTOR * p95(raws))}"
    )


if __name__ == "__main__":
    main()
