"""Who calls the JSON API, and how it answers an error.

A person's browser comes with its session, and then must send the CSRF token
header like any form; the command-line tool sends a personal API token instead,
which no other site can make a browser send, so it needs no CSRF token.
"""

from django.http import JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.translation import gettext as _

from mutualis.accounts.tokens import bearer_secret, user_for_secret

TUS_VERSION = "1.0.0"


def json_error(message, status):
    response = JsonResponse({"error": str(message)}, status=status)
    response["Tus-Resumable"] = TUS_VERSION
    response["Cache-Control"] = "no-store"
    return response


class Refused(Exception):
    def __init__(self, response):
        super().__init__(response.status_code)
        self.response = response


def api_user(request):
    """The person behind an API request; raise Refused with the answer otherwise."""
    secret = bearer_secret(request)
    if secret is not None:
        user = user_for_secret(secret)
        if user is None:
            raise Refused(
                json_error(_("This API token is unknown or has been revoked."), 401)
            )
        return user
    if not request.user.is_authenticated:
        raise Refused(
            json_error(_("Log in, or send a personal API token (Bearer)."), 401)
        )
    if _csrf_rejected(request):
        raise Refused(
            json_error(
                _("The CSRF token is missing or wrong; reload the page and try again."),
                403,
            )
        )
    return request.user


def _csrf_rejected(request):
    check = CsrfViewMiddleware(lambda request: None)
    return check.process_view(request, None, (), {}) is not None
