"""Which EU threshold applies to a contract, and whether a value reaches it."""

import functools
from decimal import Decimal

from django.utils.translation import gettext as _
from lxml import etree

from mutualis.core.time import DEFAULT_TIME_ZONE, now, to_local
from mutualis.referential.loaders import DATA_DIR, ReferentialError
from mutualis.referential.models import Threshold

LIGHT_REGIME_FILE = DATA_DIR / "cpv_social-service-cpv.gc"

PUBLIC_SECTOR = "2014/24/EU"
UTILITIES = "2014/25/EU"

# Article of each directive by kind of contract: Art. 4 of 2014/24/EU and Art. 15
# of 2014/25/EU.
ARTICLES = {
    PUBLIC_SECTOR: {
        "works": "4(a)",
        "central": "4(b)",
        "sub-central": "4(c)",
        "light-regime": "4(d)",
    },
    UTILITIES: {
        "supplies-services": "15(a)",
        "works": "15(b)",
        "light-regime": "15(c)",
    },
}


class NoThreshold(ReferentialError):
    """No loaded threshold covers the date asked for."""


@functools.cache
def light_regime_cpv():
    """The 8-digit CPV codes of social and other specific services (eForms list)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    tree = etree.parse(str(LIGHT_REGIME_FILE), parser)
    values = tree.xpath(
        "//SimpleCodeList/Row/Value[@ColumnRef='code']/SimpleValue/text()"
    )
    return frozenset(value.strip() for value in values)


def is_light_regime(cpv_code):
    """Whether a CPV code (object, "85311000-2" or "85311000") is in the list."""
    code = getattr(cpv_code, "code", cpv_code)
    return str(code).strip()[:8] in light_regime_cpv()


def threshold_article(buyer_type, nature, cpv_codes=()):
    """(directive, article) of the threshold for this buyer and contract.

    The first of `cpv_codes` is the main code: it alone decides whether services
    fall under the light regime, as the main subject decides a mixed contract's
    rules (Art. 3 of Directive 2014/24/EU).
    """
    # Imported here: the tenders and accounts models may well ask this module.
    from mutualis.accounts.models import BuyerType
    from mutualis.tenders.models import Nature

    if buyer_type not in BuyerType.values:
        raise ValueError(_("unknown type of buyer: %r") % buyer_type)
    if nature not in Nature.values:
        raise ValueError(_("unknown contract nature: %r") % nature)
    cpv_codes = list(cpv_codes)
    main = cpv_codes[0] if cpv_codes else None
    light = nature == Nature.SERVICES and main is not None and is_light_regime(main)
    directive = UTILITIES if buyer_type == BuyerType.UTILITY else PUBLIC_SECTOR
    if nature == Nature.WORKS:
        kind = "works"
    elif light:
        kind = "light-regime"
    elif directive == UTILITIES:
        kind = "supplies-services"
    elif buyer_type == BuyerType.CENTRAL_GOVERNMENT:
        kind = "central"
    else:
        kind = "sub-central"
    return directive, ARTICLES[directive][kind]


def applicable_threshold(buyer_type, nature, cpv_codes=(), on=None):
    """The Threshold row that applies on date `on` (today in Paris by default)."""
    directive, article = threshold_article(buyer_type, nature, cpv_codes)
    on = on or to_local(now(), DEFAULT_TIME_ZONE).date()
    threshold = (
        Threshold.objects.filter(
            directive=directive,
            article=article,
            valid_from__lte=on,
            valid_to__gte=on,
        )
        .order_by("-valid_from")
        .first()
    )
    if threshold is None:
        raise NoThreshold(
            _(
                "No EU threshold of Directive %(directive)s, Art. %(article)s, "
                "covers %(date)s; load the thresholds for that period "
                "(mutualis load-referential)."
            )
            % {"directive": directive, "article": article, "date": on.isoformat()}
        )
    return threshold


def is_above_threshold(value, threshold):
    """Whether `value` calls for an EU procedure: "equal to or greater" (Art. 4)."""
    limit = threshold.value if isinstance(threshold, Threshold) else threshold
    return _decimal(value) >= _decimal(limit)


def _decimal(amount):
    if isinstance(amount, bool) or amount is None:
        raise TypeError(_("an amount must be a number, not %r") % amount)
    return amount if isinstance(amount, Decimal) else Decimal(str(amount))
