"""Login throttling: too many failures for one e-mail from one address lock that pair.

Failures are counted in Django's cache, kept for MUTUALIS_LOGIN_WINDOW_SECONDS: per
(e-mail, client address) pair, limited to MUTUALIS_LOGIN_ATTEMPTS, and per client
address, limited to the much higher MUTUALIS_LOGIN_ATTEMPTS_PER_ADDRESS. Nothing is
counted per e-mail alone, so failures from elsewhere never lock out the account's
owner: a competitor cannot keep a bidder from logging in before a deadline. Past a
limit, attempts are refused until the oldest failure leaves the window. Reading and
writing a list is not atomic: failures in parallel may count once. That still slows
guessing to a handful per window, which is the point.
"""

import datetime as dt
import hashlib

from django.conf import settings
from django.core.cache import cache

from mutualis.core.time import now


def client_address(request):
    """The address the request came from.

    Behind a reverse proxy, MUTUALIS_CLIENT_ADDRESS_HEADER names the META key the
    proxy fills (e.g. HTTP_X_FORWARDED_FOR); its right-most entry is the one the
    trusted proxy appended, those before it being the client's own say.
    """
    if request is None:
        return ""
    header = settings.MUTUALIS_CLIENT_ADDRESS_HEADER
    if header:
        forwarded = [part.strip() for part in request.META.get(header, "").split(",")]
        forwarded = [part for part in forwarded if part]
        if forwarded:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR", "")


def _limits(email, address):
    """{cache key: limit} of the counts that apply to `email` from `address`."""
    # Hashed: cache keys must not carry personal data, and stay short and ASCII.
    limits = {}
    if email:
        pair = email.strip().lower() + "\n" + address
        limits["login-failures:pair:" + _digest(pair)] = (
            settings.MUTUALIS_LOGIN_ATTEMPTS
        )
    if address:
        limits["login-failures:address:" + _digest(address)] = (
            settings.MUTUALIS_LOGIN_ATTEMPTS_PER_ADDRESS
        )
    return limits


def _digest(value):
    return hashlib.sha256(value.encode()).hexdigest()[:40]


def _recent_failures(key, at):
    start = at.timestamp() - settings.MUTUALIS_LOGIN_WINDOW_SECONDS
    return sorted(t for t in cache.get(key, []) if t > start)


def blocked_until(email, address):
    """The instant from which `email` may try again from `address`; None if now."""
    at = now()
    ends = []
    for key, limit in _limits(email, address).items():
        failures = _recent_failures(key, at)
        if len(failures) >= limit:
            ends.append(failures[-limit] + settings.MUTUALIS_LOGIN_WINDOW_SECONDS)
    if not ends:
        return None
    return dt.datetime.fromtimestamp(max(ends), tz=dt.UTC)


def record_failure(email, address):
    at = now()
    for key, limit in _limits(email, address).items():
        failures = [*_recent_failures(key, at), at.timestamp()]
        cache.set(
            key, failures[-limit:], timeout=settings.MUTUALIS_LOGIN_WINDOW_SECONDS
        )


def clear(email, address):
    """Forget the failures of `email` from `address`, after its owner logged in.

    The address's own count stays: one good account must not reset an address
    that is guessing the passwords of others.
    """
    pair = [
        key for key in _limits(email, address) if key.startswith("login-failures:pair:")
    ]
    cache.delete_many(pair)
