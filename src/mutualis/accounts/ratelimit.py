"""Login throttling: too many failures for one e-mail or one address lock it a while.

Failures are counted in Django's cache, one list of instants per e-mail and per client
address, kept for MUTUALIS_LOGIN_WINDOW_SECONDS. After MUTUALIS_LOGIN_ATTEMPTS
failures within that window, attempts are refused until the oldest one leaves it.
Reading and writing a list is not atomic: failures in parallel may count once. That
still slows guessing to a handful per window, which is the point.
"""

import datetime as dt
import hashlib

from django.conf import settings
from django.core.cache import cache

from mutualis.core.time import now


def client_address(request):
    """The address the request came from.

    TODO(proxy-address): behind a reverse proxy REMOTE_ADDR is the proxy's; read the
    forwarded address once the deployment names a trusted proxy header.
    """
    if request is None:
        return ""
    return request.META.get("REMOTE_ADDR", "")


def _keys(email, address):
    # Hashed: cache keys must not carry personal data, and stay short and ASCII.
    keys = []
    if email:
        keys.append("login-failures:email:" + _digest(email.strip().lower()))
    if address:
        keys.append("login-failures:address:" + _digest(address))
    return keys


def _digest(value):
    return hashlib.sha256(value.encode()).hexdigest()[:40]


def _recent_failures(key, at):
    start = at.timestamp() - settings.MUTUALIS_LOGIN_WINDOW_SECONDS
    return sorted(t for t in cache.get(key, []) if t > start)


def blocked_until(email, address):
    """The instant from which `email` and `address` may try again; None if now."""
    at = now()
    limit = settings.MUTUALIS_LOGIN_ATTEMPTS
    ends = []
    for key in _keys(email, address):
        failures = _recent_failures(key, at)
        if len(failures) >= limit:
            ends.append(failures[-limit] + settings.MUTUALIS_LOGIN_WINDOW_SECONDS)
    if not ends:
        return None
    return dt.datetime.fromtimestamp(max(ends), tz=dt.UTC)


def record_failure(email, address):
    at = now()
    limit = settings.MUTUALIS_LOGIN_ATTEMPTS
    for key in _keys(email, address):
        failures = [*_recent_failures(key, at), at.timestamp()]
        cache.set(
            key, failures[-limit:], timeout=settings.MUTUALIS_LOGIN_WINDOW_SECONDS
        )


def clear(email):
    """Forget the failures for `email`, after its owner logged in.

    The address's count stays: one good account must not reset an address that
    is guessing the passwords of others.
    """
    cache.delete_many(_keys(email, ""))
