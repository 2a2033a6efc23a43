"""The trusted lists refreshed in the background, once a day, when an address is set."""

import datetime as dt
import logging

from django.conf import settings
from django_tasks import task
from pyhanko.keys import load_certs_from_pemder

from mutualis.core.time import now
from mutualis.trust import store
from mutualis.trust.lists import TrustedListError

logger = logging.getLogger(__name__)

EVERY = dt.timedelta(days=1)


@task()
def refresh_trusted_lists(again=True):
    """Fetch, check and import the lists; then queue the next run a day later.

    Returns how many lists were imported, or None when no address is set. A list
    that cannot be fetched or checked is logged; the lists held stay in force.
    """
    url = settings.MUTUALIS_TRUSTED_LISTS_URL
    if not url:
        return None
    try:
        outcomes = store.refresh_trusted_lists(
            url, lotl_signers=_signers(), on_failure=_unreachable
        )
    except TrustedListError as error:
        logger.warning("trusted lists refused error=%s", error)
        outcomes = []
    finally:
        if again:
            refresh_trusted_lists.using(run_after=now() + EVERY).enqueue()
    return sum(1 for outcome in outcomes if outcome.imported)


def _signers():
    path = settings.MUTUALIS_LOTL_SIGNERS_FILE
    return list(load_certs_from_pemder([path])) if path else None


def _unreachable(territory, error):
    logger.warning("trusted list unreachable territory=%s error=%s", territory, error)
