"""Searching the public consultations: full text plus filters, on SQLite or PostgreSQL.

Full text goes through one adapter per database vendor; both fold accents and case
and match the last word as a prefix, so that "voiri" finds "Voirie". User input is
cut into words and never reaches the query syntax of either engine. A consultation
matches when every word is in its main text or every word is in one of its other
languages' texts (tenders.ConsultationText).
"""

import dataclasses
import datetime as dt
import re
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import BooleanField, Func, IntegerField, Q
from django.db.models.expressions import RawSQL

from mutualis.core.time import DEFAULT_TIME_ZONE
from mutualis.referential.models import CpvCode
from mutualis.tenders.models import PUBLIC_STATES, Consultation, ConsultationText, Lot

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


class Unindexed(Func):
    """A column that SQLite may not drive a query by (its unary plus)."""

    template = "+%(expressions)s"
    output_field = IntegerField()


class Adapter:
    """One engine's full-text match, and the plan it is used in."""

    # From this many matching calls on, checking the calls one by one in listing
    # order finds a page sooner than reading and sorting every match; None: never.
    BROAD = None

    def restrict(self, queryset, terms):
        if self.BROAD is not None and self.matches_at_least(terms, self.BROAD):
            return self.along_listing(queryset, terms)
        return queryset.filter(pk__in=self.matching(terms))

    def matches_at_least(self, terms, count):
        """Whether the calls' own texts match `terms` `count` times, counting no
        further."""
        sql, params = self.own_matches(terms)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM ({sql} LIMIT %s) found",  # noqa: S608
                [*params, count],
            )
            return cursor.fetchone()[0] >= count


class SqliteAdapter(Adapter):
    """FTS5 tables kept in step by triggers (migrations 0003 and 0007)."""

    BROAD = 20_000

    @staticmethod
    def fts_query(terms):
        phrases = [f'"{term}"' for term in terms]
        phrases[-1] += "*"
        return " ".join(phrases)

    def own_matches(self, terms):
        sql = (
            "SELECT rowid FROM tenders_consultation_fts "
            "WHERE tenders_consultation_fts MATCH %s"
        )
        return sql, [self.fts_query(terms)]

    def matching(self, terms):
        own, params = self.own_matches(terms)
        return RawSQL(  # noqa: S611
            f"{own} UNION SELECT text.consultation_id "  # noqa: S608
            "FROM tenders_consultationtext text "
            "JOIN tenders_consultationtext_fts ON "
            "tenders_consultationtext_fts.rowid = text.id "
            "WHERE tenders_consultationtext_fts MATCH %s",
            [*params, *params],
        )

    def along_listing(self, queryset, terms):
        # The unary plus keeps the match list from driving the query (a sort of
        # every match), so that SQLite walks the listing index.
        listed = queryset.alias(listed_id=Unindexed("pk"))
        return listed.filter(listed_id__in=self.matching(terms))


class PostgresqlAdapter(Adapter):
    """Stored tsvector columns with GIN indexes (migrations 0003, 0007 and 0009)."""

    # Left to itself, the planner walked the listing for rare words too.
    BROAD = 20_000
    # unaccent() may itself produce a quote ("ŉ" gives "'n"), so each word is quoted
    # after folding; the padding keeps a word that the parser drops from becoming
    # '' (a syntax error) instead of ' ' (no lexeme).
    LEXEME = r"''' ' || translate(mutualis_unaccent(%s), '''\', '  ') || ' '''"

    def tsquery(self, terms):
        lexemes = [self.LEXEME] * len(terms)
        lexemes[-1] += " || ':*'"
        # Only fixed SQL fragments are joined; every word is a parameter.
        return "to_tsquery('simple', " + " || ' & ' || ".join(lexemes) + ")"

    def matched(self, terms, table):
        return f'"{table}"."search_document" @@ {self.tsquery(terms)}'

    def own_matches(self, terms):
        own = self.matched(terms, "tenders_consultation")
        # Only fixed SQL fragments are joined; every word is a parameter.
        return f"SELECT id FROM tenders_consultation WHERE {own}", list(terms)  # noqa: S608

    def other_languages(self, terms):
        text = self.matched(terms, "tenders_consultationtext")
        sql = f"SELECT consultation_id FROM tenders_consultationtext WHERE {text}"  # noqa: S608
        return sql, list(terms)

    def matching(self, terms):
        own, params = self.own_matches(terms)
        others, more = self.other_languages(terms)
        return RawSQL(f"{own} UNION {others}", [*params, *more])  # noqa: S611

    def along_listing(self, queryset, terms):
        # A condition on the row itself, not `id IN (...)`, so that each row read
        # in listing order is checked by its stored tsvector.
        own = RawSQL(  # noqa: S611
            self.matched(terms, "tenders_consultation"),
            list(terms),
            output_field=BooleanField(),
        )
        others = RawSQL(*self.other_languages(terms))  # noqa: S611
        return queryset.alias(own_text=own).filter(Q(own_text=True) | Q(pk__in=others))


class PortableAdapter(Adapter):
    """For any other vendor: a plain, unindexed, case-insensitive match."""

    def matching(self, terms):
        main = Consultation.objects.all()
        texts = ConsultationText.objects.all()
        for term in terms:
            main = main.filter(
                Q(title__icontains=term) | Q(description__icontains=term)
            )
            texts = texts.filter(
                Q(title__icontains=term) | Q(description__icontains=term)
            )
        return Consultation.objects.filter(
            Q(pk__in=main.values("pk")) | Q(pk__in=texts.values("consultation"))
        ).values("pk")


ADAPTERS = {"sqlite": SqliteAdapter, "postgresql": PostgresqlAdapter}


def adapter():
    return ADAPTERS.get(connection.vendor, PortableAdapter)()


def public_consultations():
    return Consultation.objects.filter(state__in=PUBLIC_STATES)


def search(criteria, queryset=None):
    """The consultations of `queryset` (the public ones by default) that match."""
    queryset = public_consultations() if queryset is None else queryset
    terms = words(criteria.text)
    if terms:
        queryset = adapter().restrict(queryset, terms)
    if criteria.cpv is not None:
        queryset = queryset.filter(pk__in=with_cpv(criteria.cpv))
    if criteria.nuts:
        queryset = queryset.filter(
            pk__in=Consultation.objects.filter(
                nuts__code__startswith=criteria.nuts.upper()
            ).values("pk")
        )
    return _filter_facts(queryset, criteria)


def with_cpv(cpv):
    """The ids of consultations with `cpv` or a code below it, on any lot too."""
    prefix = cpv.prefix or CpvCode.prefix_of(cpv.code)
    codes = CpvCode.objects.filter(code__startswith=prefix).values("pk")
    # Three lookups on indexed foreign keys; joining the three tables before
    # filtering on the code read every consultation of a million.
    return Consultation.objects.filter(
        Q(main_cpv__in=codes)
        | Q(
            pk__in=Consultation.extra_cpv.through.objects.filter(
                cpvcode__in=codes
            ).values("consultation_id")
        )
        | Q(pk__in=Lot.objects.filter(main_cpv__in=codes).values("consultation_id"))
    ).values("pk")


def _filter_facts(queryset, criteria):
    if criteria.buyer is not None:
        queryset = queryset.filter(buyer=criteria.buyer)
    for word in words(criteria.buyer_name):
        queryset = queryset.filter(buyer__name__icontains=word)
    if criteria.procedure:
        queryset = queryset.filter(procedure=criteria.procedure)
    if criteria.nature:
        queryset = queryset.filter(nature=criteria.nature)
    if criteria.platform == HERE:
        queryset = queryset.filter(followed__isnull=True)
    elif criteria.platform:
        queryset = queryset.filter(followed__source_id=criteria.platform)
    zone = ZoneInfo(criteria.time_zone)
    if criteria.closes_from:
        start = dt.datetime.combine(criteria.closes_from, dt.time.min, tzinfo=zone)
        queryset = queryset.filter(submission_deadline__gte=start)
    if criteria.closes_to:
        day_after = criteria.closes_to + dt.timedelta(days=1)
        end = dt.datetime.combine(day_after, dt.time.min, tzinfo=zone)
        queryset = queryset.filter(submission_deadline__lt=end)
    return queryset
