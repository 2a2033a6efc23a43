"""Error pages that also leave a trace where the law wants one."""

from django.views import defaults

from mutualis.core.journal import record


def journal_refusal(request, reason):
    """Put a refused request in the audit journal.

    Annex IV (g) of Directive 2014/24/EU asks that attempts to reach data against
    the access rules be detectable: a refused request is such an attempt. Call it
    outside the view's transaction, which has rolled back by then.
    """
    record(
        "access.refused",
        actor=request.user,
        method=request.method,
        path=request.path[:300],
        reason=str(reason)[:300],
    )


def permission_denied(request, exception):
    """The 403 page, after the refusal is journalled."""
    journal_refusal(request, exception)
    return defaults.permission_denied(request, exception)
