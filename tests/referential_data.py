"""Reference data for tests: real CPV and NUTS codes from the shipped files.

Call these inside a test that has database access; each loads only what is missing.
"""

from functools import reduce
from operator import or_

from django.db.models import Q

from mutualis.referential.loaders import load_cpv, load_nuts
from mutualis.referential.models import CpvCode, NutsCode


def ensure_cpv(*codes):
    """The CpvCode rows for `codes` ("45233140-2" or "45233140"), in that order.

    Missing codes are loaded from the shipped CPV file with all their ancestors.
    """
    codes = [str(code).strip() for code in codes]
    found = _cpv_rows(codes)
    missing = [code for code in codes if code not in found]
    if missing:
        load_cpv(codes=missing)
        found = _cpv_rows(codes)
    return [found[code] for code in codes]


def ensure_nuts(*codes):
    """The NutsCode rows for `codes` ("FRC11"), in that order, loading what is missing."""
    found = NutsCode.objects.in_bulk(codes, field_name="code")
    missing = [code for code in codes if code not in found]
    if missing:
        load_nuts(codes=missing)
        found = NutsCode.objects.in_bulk(codes, field_name="code")
    return [found[code] for code in codes]


def _cpv_rows(codes):
    """{given code: CpvCode} for those of `codes` already in the database."""
    if not codes:
        return {}
    condition = reduce(or_, (Q(code__startswith=f"{code[:8]}-") for code in codes))
    rows = list(CpvCode.objects.filter(condition))
    by_code = {cpv.code: cpv for cpv in rows}
    by_short = {cpv.short_code: cpv for cpv in rows}
    found = {code: by_code.get(code) or by_short.get(code) for code in codes}
    return {code: cpv for code, cpv in found.items() if cpv is not None}
