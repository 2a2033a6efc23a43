"""Which saved searches a batch of new consultations matches, fast enough for 10^5.

Keywords follow the portal search (tenders.search): cut into the same words, accents
and case folded as its full-text index folds them, every word must appear and the
last may be the start of one. A CPV code covers every code under its significant
prefix, and a NUTS code every code it starts.

The matcher indexes the batch (a day of notices, a few thousand) by word, CPV and
NUTS prefix, buyer, procedure and nature; each alert then reads only the postings
of its most selective criterion, and stops at once when one of its criteria has
none. Checking an alert against a candidate is a few set look-ups.

A consultation given in several languages is read with the words of all its texts,
as the portal search reads it: every word must appear in one of them.
"""

import dataclasses
import functools
import unicodedata
from collections import defaultdict
from decimal import Decimal

from mutualis.alerts.models import Alert
from mutualis.referential.models import CpvCode
from mutualis.tenders import search_index
from mutualis.tenders.search import WORD, words

EMPTY = frozenset()


# Words repeat across alerts and notices: folding each distinct word once is most
# of the speed of loading 10^5 alerts.
@functools.lru_cache(maxsize=200_000)
def fold(text):
    """Lower case without diacritics, as SQLite's `remove_diacritics 2` folds."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def text_tokens(text):
    """Every word of a consultation's text, folded."""
    return frozenset(
        fold(word) for word in WORD.findall(unicodedata.normalize("NFC", text or ""))
    )


def keyword_terms(text):
    """The words of a saved search, as the portal search reads its box."""
    return tuple(fold(word) for word in words(unicodedata.normalize("NFC", text)))


@dataclasses.dataclass(frozen=True)
class Wanted:
    """An alert's criteria, compiled; an empty one matches everything."""

    pk: int
    terms: tuple[str, ...] = ()
    cpv: tuple[str, ...] = ()  # significant prefixes
    nuts: tuple[str, ...] = ()
    buyers: frozenset[int] = EMPTY
    procedures: frozenset[str] = EMPTY
    nature: str = ""
    min_value: Decimal | None = None
    max_value: Decimal | None = None


@dataclasses.dataclass(frozen=True)
class Facts:
    """What the matcher reads of a consultation."""

    pk: int
    tokens: frozenset[str] = EMPTY
    cpv: tuple[str, ...] = ()  # 8-digit codes: main, additional, lots'
    nuts: tuple[str, ...] = ()
    buyer: int = 0
    procedure: str = ""
    nature: str = ""
    value: Decimal | None = None


def wanted(
    pk,
    keywords="",
    cpv_codes=(),
    nuts_codes=(),
    buyers=(),
    procedures=(),
    nature="",
    min_value=None,
    max_value=None,
):
    return Wanted(
        pk=pk,
        terms=keyword_terms(keywords),
        cpv=tuple(sorted({CpvCode.prefix_of(code) for code in cpv_codes})),
        nuts=tuple(sorted({code.upper() for code in nuts_codes})),
        buyers=frozenset(buyers),
        procedures=frozenset(procedures),
        nature=nature,
        min_value=min_value,
        max_value=max_value,
    )


class Postings:
    """The batch's consultations (by position) under each key an alert may ask."""

    def __init__(self, facts, asked_prefixes):
        self.words = defaultdict(set)
        self.prefixes = defaultdict(set)
        self.cpv = defaultdict(set)
        self.nuts = defaultdict(set)
        self.buyers = defaultdict(set)
        self.procedures = defaultdict(set)
        self.natures = defaultdict(set)
        for i, item in enumerate(facts):
            self._add(i, item, asked_prefixes)

    def _add(self, i, item, asked_prefixes):
        for token in item.tokens:
            self.words[token].add(i)
            # Only the prefixes some alert asks for: all of them would be 10x more.
            for end in range(1, len(token) + 1):
                if token[:end] in asked_prefixes:
                    self.prefixes[token[:end]].add(i)
        for code in item.cpv:
            for end in range(2, len(code) + 1):
                self.cpv[code[:end]].add(i)
        for code in item.nuts:
            for end in range(2, len(code) + 1):
                self.nuts[code[:end]].add(i)
        self.buyers[item.buyer].add(i)
        self.procedures[item.procedure].add(i)
        self.natures[item.nature].add(i)


class Matcher:
    def __init__(self, alerts):
        self.alerts = list(alerts)

    def matches(self, facts):
        """{alert pk: [consultation pk, ...]} for every alert that matches any."""
        facts = list(facts)
        asked = {alert.terms[-1] for alert in self.alerts if alert.terms}
        postings = Postings(facts, asked)
        found = {}
        for alert in self.alerts:
            hits = self._hits(alert, facts, postings)
            if hits:
                pks = (facts[i].pk for i in sorted(hits))
                found[alert.pk] = list(dict.fromkeys(pks))
        return found

    def _hits(self, alert, facts, postings):
        options = self._options(alert, postings)
        if options is None:
            return ()
        if options:
            cheapest = min(options, key=lambda sets: sum(map(len, sets)))
            candidates = cheapest[0] if len(cheapest) == 1 else set().union(*cheapest)
        else:
            candidates = range(len(facts))
        return [i for i in candidates if self._accepts(alert, facts[i], i, postings)]

    def _options(self, alert, postings):
        """For each indexed criterion, the postings whose union holds every hit;
        None when a criterion has no candidate at all."""
        options = []
        if alert.terms:
            *exact, last = alert.terms
            sets = [postings.words.get(term, EMPTY) for term in exact]
            sets.append(postings.prefixes.get(last, EMPTY))
            options.append([min(sets, key=len)])
        for wanted_values, index in (
            (alert.cpv, postings.cpv),
            (alert.nuts, postings.nuts),
            (alert.buyers, postings.buyers),
            (alert.procedures, postings.procedures),
            ((alert.nature,) if alert.nature else (), postings.natures),
        ):
            if wanted_values:
                options.append([index.get(value, EMPTY) for value in wanted_values])
        if any(sum(map(len, sets)) == 0 for sets in options):
            return None
        return options

    @staticmethod
    def _accepts(alert, item, i, postings):
        if alert.nature and item.nature != alert.nature:
            return False
        if alert.procedures and item.procedure not in alert.procedures:
            return False
        if alert.buyers and item.buyer not in alert.buyers:
            return False
        if not _in_range(alert, item.value):
            return False
        if alert.cpv and not any(i in postings.cpv.get(p, EMPTY) for p in alert.cpv):
            return False
        if alert.nuts and not any(
            i in postings.nuts.get(code, EMPTY) for code in alert.nuts
        ):
            return False
        if alert.terms:
            *exact, last = alert.terms
            if not all(term in item.tokens for term in exact):
                return False
            if i not in postings.prefixes.get(last, EMPTY):
                return False
        return True


def _in_range(alert, value):
    # A consultation that gives no estimated value matches no value range.
    if alert.min_value is None and alert.max_value is None:
        return True
    if value is None:
        return False
    if alert.min_value is not None and value < alert.min_value:
        return False
    return alert.max_value is None or value <= alert.max_value


def consultation_facts(queryset):
    """Facts for every consultation of `queryset`, in five queries."""
    rows = list(
        queryset.order_by("pk").values_list(
            "pk",
            "title",
            "description",
            "buyer_id",
            "procedure",
            "nature",
            "estimated_value",
            "main_cpv__code",
        )
    )
    # The same parts as the portal search's entries, read the same way.
    found = search_index.gather(queryset.values("pk"), search_index.CURRENT)
    return [
        Facts(
            pk=pk,
            tokens=text_tokens(" ".join([title, description, *found.texts[pk]])),
            cpv=tuple(
                sorted(
                    {code[:8] for code in found.cpv[pk] | ({main} if main else set())}
                )
            ),
            nuts=tuple(sorted(found.nuts[pk])),
            buyer=buyer,
            procedure=procedure,
            nature=nature,
            value=value,
        )
        for pk, title, description, buyer, procedure, nature, value, main in rows
    ]


def alert_criteria(queryset):
    """Compiled criteria for every alert of `queryset`, in two queries."""
    buyers = defaultdict(set)
    for pk, organisation in Alert.buyers.through.objects.filter(
        alert__in=queryset.values("pk")
    ).values_list("alert_id", "organisation_id"):
        buyers[pk].add(organisation)
    rows = queryset.order_by("pk").values_list(
        "pk",
        "keywords",
        "cpv_codes",
        "nuts_codes",
        "procedures",
        "nature",
        "min_value",
        "max_value",
    )
    return [
        wanted(pk, keywords, cpv, nuts, buyers[pk], procedures, nature, low, high)
        for pk, keywords, cpv, nuts, procedures, nature, low, high in rows
    ]
