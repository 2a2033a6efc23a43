"""Searching the public consultations: full text plus filters, on SQLite or PostgreSQL.

The search reads the index of tenders.search_index: one entry per public
consultation, whose words and filter tokens each engine indexes together, ordered
by the entry's listing key. A search is then one lookup in that index, read in
listing order a page at a time: SQLite's FTS5 hands back its matches by rowid (the
key); PostgreSQL's GIN index gives the matches, sorted when they are few, and for
many it reads the newest slices of the listing first.

Both engines fold accents and case and match the last word as a prefix, so that
"voiri" finds "Voirie". User input is cut into words and never reaches the query
syntax of either engine. Every word must be in the consultation's texts, in its
main language or in any other it is given in (tenders.ConsultationText).
"""

import dataclasses
import datetime as dt
import math
import re
from zoneinfo import ZoneInfo

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction

from mutualis.accounts.models import Organisation
from mutualis.core.time import DEFAULT_TIME_ZONE
from mutualis.referential.models import CpvCode
from mutualis.tenders import search_index
from mutualis.tenders.models import PUBLIC_STATES, Consultation

# Letters and digits only: quotes, operators and brackets become separators.
WORD = re.compile(r"[^\W_]+")
MAX_WORDS = 12
# Criteria.platform: the consultations of this platform only, not those it follows.
HERE = "here"


@dataclasses.dataclass(frozen=True)
class Criteria:
    """What a visitor asked for; every part is optional."""

    text: str = ""
    cpv: CpvCode | None = None
    nuts: str = ""
    buyer: object = None
    buyer_name: str = ""  # words of the buyer's name, each to be found in it
    procedure: str = ""
    nature: str = ""
    closes_from: dt.date | None = None
    closes_to: dt.date | None = None
    platform: str = ""  # "", HERE, or the id of a followed platform
    time_zone: str = DEFAULT_TIME_ZONE


def words(text):
    return WORD.findall(text or "")[:MAX_WORDS]


@dataclasses.dataclass(frozen=True)
class Query:
    """Criteria in the index's terms: every word, and one token of each group."""

    terms: tuple[str, ...] = ()
    groups: tuple[tuple[str, ...], ...] = ()
    closes_from: dt.datetime | None = None
    closes_before: dt.datetime | None = None
    nothing: bool = False  # a criterion no consultation can meet

    @property
    def matches(self):
        return bool(self.terms or self.groups)

    def deadline(self, column):
        """SQL conditions on the deadline, and their parameters."""
        sql, params = "", []
        adapt = connection.ops.adapt_datetimefield_value
        if self.closes_from:
            sql += f" AND {column} >= %s"
            params.append(adapt(self.closes_from))
        if self.closes_before:
            sql += f" AND {column} < %s"
            params.append(adapt(self.closes_before))
        return sql, params


def compile_criteria(criteria):
    groups = []
    if criteria.cpv is not None:
        prefix = criteria.cpv.prefix or CpvCode.prefix_of(criteria.cpv.code)
        groups.append((search_index.token("cpv", prefix),))
    if criteria.nuts:
        groups.append((search_index.token("nuts", criteria.nuts),))
    if criteria.buyer is not None:
        groups.append((search_index.token("buyer", criteria.buyer.pk),))
    nothing = False
    if words(criteria.buyer_name):
        buyers = Organisation.objects.all()
        for word in words(criteria.buyer_name):
            buyers = buyers.filter(name__icontains=word)
        ids = sorted(buyers.values_list("pk", flat=True))
        groups.append(tuple(search_index.token("buyer", pk) for pk in ids))
        nothing = not ids
    if criteria.procedure:
        groups.append((search_index.token("procedure", criteria.procedure),))
    if criteria.nature:
        groups.append((search_index.token("nature", criteria.nature),))
    if criteria.platform:
        source = "" if criteria.platform == HERE else criteria.platform
        groups.append((search_index.here_or_platform(source),))
    zone = ZoneInfo(criteria.time_zone)
    start = end = None
    if criteria.closes_from:
        start = dt.datetime.combine(criteria.closes_from, dt.time.min, tzinfo=zone)
    if criteria.closes_to:
        day_after = criteria.closes_to + dt.timedelta(days=1)
        end = dt.datetime.combine(day_after, dt.time.min, tzinfo=zone)
    return Query(
        terms=tuple(words(criteria.text)),
        groups=tuple(groups),
        closes_from=start,
        closes_before=end,
        nothing=nothing,
    )


class Engine:
    """One database's reading of the index."""

    NO_LIMIT = None

    def rows(self, query):
        """SQL giving the keys that match, unordered, and its parameters."""
        raise NotImplementedError

    def count(self, query, cap=None):
        """How many entries match, counting no further than `cap`."""
        sql, params = self.rows(query)
        limit = self.NO_LIMIT if cap is None else cap
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM ({sql} LIMIT %s) found",  # noqa: S608
                [*params, limit],
            )
            return cursor.fetchone()[0]

    def keys(self, query, offset, limit, many):
        """The keys of one page; `many`: at least BROAD entries match."""
        sql, params = self.ordered(query, many)
        if limit is None:
            limit = self.NO_LIMIT
        with connection.cursor() as cursor:
            cursor.execute(f"{sql} LIMIT %s OFFSET %s", [*params, limit, offset])
            return [row[0] for row in cursor.fetchall()]


class SqliteEngine(Engine):
    """An FTS5 table over the entries, its rowid the key (migration 0010)."""

    BROAD = None
    NO_LIMIT = -1

    @staticmethod
    def fts_query(query):
        parts = []
        if query.terms:
            phrases = [f'"{term}"' for term in query.terms]
            parts.append(f"words : ({' '.join(phrases)}*)")
        for group in query.groups:
            tokens = " OR ".join(f'"{token}"' for token in group)
            parts.append(f"facets : ({tokens})")
        return " AND ".join(parts)

    def rows(self, query):
        deadline, params = query.deadline("entry.deadline")
        if not query.matches:
            sql = "SELECT entry.key FROM tenders_searchentry entry WHERE 1 = 1"
            return sql + deadline, params
        sql = "SELECT tenders_searchentry_fts.rowid FROM tenders_searchentry_fts "
        if deadline:
            sql += (
                "JOIN tenders_searchentry entry "
                "ON entry.key = tenders_searchentry_fts.rowid "
            )
        sql += "WHERE tenders_searchentry_fts MATCH %s"
        return sql + deadline, [self.fts_query(query), *params]

    def ordered(self, query, many):
        # FTS5 reads its matches in rowid order, so that a page stops early.
        sql, params = self.rows(query)
        column = "tenders_searchentry_fts.rowid" if query.matches else "entry.key"
        return f"{sql} ORDER BY {column} DESC", params


class PostgresqlEngine(Engine):
    """A stored tsvector of words and tokens with its GIN index (migration 0010).

    The GIN index gives every match at once, unordered. A few are fetched and
    sorted. For many, the newest slices of the listing are read first (each entry
    carries its slice's token, see search_index), so that a page fetches about as
    many entries as it needs, never every match nor every entry in listing order.
    A last word is asked as the words it starts (migration 0011).
    """

    BROAD = 10_000
    # unaccent() may itself produce a quote ("ŉ" gives "'n"), so each word is quoted
    # after folding; the padding keeps a word that the parser drops from becoming
    # '' (a syntax error) instead of ' ' (no lexeme).
    LEXEME = r"''' ' || translate(mutualis_unaccent(%s), '''\', '  ') || ' '''"

    # A prefix is asked as the words it starts, when there are so few: the GIN
    # index reads each word's entries in order, where a prefix gathers them all
    # first (migration 0011).
    PREFIX_WORDS = 32
    FOLDED = r"lower(translate(mutualis_unaccent(%s), '''\', '  '))"
    QUOTED = r"'''' || replace(replace(word, '\', '\\'), '''', '''''') || ''''"

    def prefix(self):
        """SQL for the last word as the start of words (four parameters)."""
        partial = f"to_tsquery('simple', {self.LEXEME} || ':*')"
        # Strings that start with the prefix sort from it to it followed by the
        # last code point, in the word list's C collation. Only fixed fragments
        # are joined; the word is a parameter.
        return (
            "(SELECT CASE WHEN count(*) BETWEEN 1 AND %s "  # noqa: S608
            f"THEN string_agg({self.QUOTED}, ' | ')::tsquery ELSE {partial} END "
            "FROM (SELECT word FROM tenders_searchword, "
            f"(SELECT {self.FOLDED} AS start) asked "
            "WHERE word >= asked.start AND word < asked.start || chr(1114111) "
            "ORDER BY word LIMIT %s) found)"
        )

    def tsquery(self, query):
        sql, params = [], []
        if query.terms:
            *whole, last = query.terms
            # Only fixed SQL fragments are joined; every word is a parameter.
            if whole:
                lexemes = " || ' & ' || ".join([self.LEXEME] * len(whole))
                sql.append(f"to_tsquery('simple', {lexemes})")
                params += whole
            sql.append(self.prefix())
            params += [self.PREFIX_WORDS, last, last, self.PREFIX_WORDS + 1]
        if query.groups:
            # Tokens are letters and digits after their mark: quoted, each is read
            # as one lexeme.
            groups = [
                "(" + " | ".join(f"'{token}'" for token in group) + ")"
                for group in query.groups
            ]
            sql.append("%s::tsquery")
            params.append(" & ".join(groups))
        return " && ".join(sql), params

    def rows(self, query):
        deadline, params = query.deadline("deadline")
        sql = "SELECT key FROM tenders_searchentry WHERE true"
        if query.matches:
            tsquery, matched = self.tsquery(query)
            sql += f" AND document @@ ({tsquery})"
            params = [*matched, *params]
        return sql + deadline, params

    def count(self, query, cap=None):
        if not query.matches:
            return super().count(query, cap)
        # From the GIN index's bitmap: the planner would rather read the entries
        # one by one until the cap, each tsvector read again (many times slower).
        # The settings last until the end of the transaction: one that was open
        # before gets its own back.
        nested = connection.in_atomic_block
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('enable_seqscan'), "
                "current_setting('enable_indexscan'), "
                "set_config('enable_seqscan', 'off', true), "
                "set_config('enable_indexscan', 'off', true)"
            )
            before = cursor.fetchone()[:2]
            found = super().count(query, cap)
            if nested:
                cursor.execute(
                    "SELECT set_config('enable_seqscan', %s, true), "
                    "set_config('enable_indexscan', %s, true)",
                    list(before),
                )
            return found

    def ordered(self, query, many):
        sql, params = self.rows(query)
        # `key + 0` keeps the planner from walking the listing index for matches
        # that the GIN index gives: it sorts them instead.
        order = "key + 0" if query.matches else "key"
        return f"{sql} ORDER BY {order} DESC", params

    def keys(self, query, offset, limit, many):
        if not (many and query.matches and limit is not None):
            return super().keys(query, offset, limit, many)
        needed = offset + limit
        with connection.cursor() as cursor:
            cursor.execute("SELECT min(key), max(key) FROM tenders_searchentry")
            oldest, newest = cursor.fetchone()
        if newest is None:
            return []
        oldest, newest = search_index.slice_of(oldest), search_index.slice_of(newest)
        found, read, width = [], 0, 1
        while len(found) < needed and newest >= oldest:
            start = max(oldest, newest - width + 1)
            tokens = tuple(
                search_index.slice_token(number)
                for number in range(newest, start - 1, -1)
            )
            within = dataclasses.replace(query, groups=(*query.groups, tokens))
            found += super().keys(within, 0, needed - len(found), many=False)
            read += newest - start + 1
            newest = start - 1
            # The next slices: as many as the matches per slice read so far say
            # the page still needs, and a fifth more, but at most four times as
            # many as the last (the GIN index's union of many slices' entries is
            # slow): a few queries, each fetching about what the page needs.
            wanted = width * 4
            if found:
                wanted = math.ceil((needed - len(found)) * read / len(found) * 1.2)
            width = max(1, min(wanted, width * 4))
        return found[offset:needed]


ENGINES = {"sqlite": SqliteEngine, "postgresql": PostgresqlEngine}


def engine():
    try:
        return ENGINES[connection.vendor]()
    except KeyError:
        raise ImproperlyConfigured(
            f"The portal search runs on SQLite or PostgreSQL, not {connection.vendor}."
        ) from None


class Results:
    """The consultations found, in listing order, read a page at a time.

    Counting stops at the cap asked for; slicing reads only the keys of the slice,
    then those consultations through `queryset`.
    """

    def __init__(self, query, queryset=None):
        self.query = query
        self.queryset = Consultation.objects.all() if queryset is None else queryset
        self.engine = engine()
        self.counted = None  # (cap, count) of the widest count made

    def _clone(self, queryset):
        clone = Results(self.query, queryset)
        clone.counted = self.counted
        return clone

    def select_related(self, *fields):
        return self._clone(self.queryset.select_related(*fields))

    def prefetch_related(self, *lookups):
        return self._clone(self.queryset.prefetch_related(*lookups))

    def count_up_to(self, cap=None):
        """The number of consultations found, or `cap` if there are more."""
        if self.query.nothing:
            return 0
        if self.counted is not None:
            wide, found = self.counted
            if wide is None or found < wide or (cap is not None and cap <= wide):
                return found if cap is None else min(found, cap)
        # One count serves the page's and the plan's: the wider of the two.
        wide = None if cap is None else max(cap, self.engine.BROAD or 0)
        found = self.engine.count(self.query, wide)
        self.counted = (wide, found)
        return found if cap is None else min(found, cap)

    def count(self):
        return self.count_up_to()

    def __len__(self):
        return self.count()

    def exists(self):
        return self.count_up_to(1) > 0

    def many(self):
        broad = self.engine.BROAD
        return broad is not None and self.count_up_to(broad) >= broad

    def ids(self, offset=0, limit=None):
        if self.query.nothing or limit == 0:
            return []
        keys = self.engine.keys(self.query, offset, limit, self.many())
        return [search_index.consultation_id(key) for key in keys]

    def __getitem__(self, index):
        if isinstance(index, int):
            found = self[index : index + 1]
            if not found:
                raise IndexError(index)
            return found[0]
        if index.step not in (None, 1):
            raise ValueError("a search reads its results in order, step 1")
        start = index.start or 0
        limit = None if index.stop is None else max(0, index.stop - start)
        ids = self.ids(start, limit)
        loaded = self.queryset.in_bulk(ids)
        return [loaded[pk] for pk in ids if pk in loaded]

    def __iter__(self):
        return iter(self[0:])


def public_consultations():
    return Consultation.objects.filter(state__in=PUBLIC_STATES)


def search(criteria):
    """The public consultations that meet `criteria`, newest first."""
    return Results(compile_criteria(criteria))


def no_results():
    """What a search that could not be read finds."""
    return Results(Query(nothing=True))
