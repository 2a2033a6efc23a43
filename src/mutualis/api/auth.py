"""Who calls the authenticated API, and how every refusal reads.

A program sends an API token made on the me/tokens page as
`Authorization: Bearer <token>`; it acts for its person within the token's
organisation only. Every error is JSON: `detail` says it in a sentence,
`errors` names each field (or publication rule) and its reason.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as RequestInvalid
from ninja.security import HttpBearer

from mutualis.accounts import tokens
from mutualis.bids.deposits import DepositConflict

# Where pydantic says a value was found; the field's name follows it.
REQUEST_PARTS = {"body", "query", "path", "file", "form", "header", "cookie"}


class Problem(Schema):
    field: str | None = None
    rule: str | None = None
    message: str


class Error(Schema):
    detail: str
    errors: list[Problem] = []


class TokenRefused(AuthenticationError):
    pass


class TokenAuth(HttpBearer):
    """A live token of a person who still belongs to the token's organisation."""

    def authenticate(self, request, token):
        found = tokens.token_for_secret(token.strip())
        if found is None:
            raise TokenRefused(
                message=_(
                    "This API token is unknown or has been revoked, or its person "
                    "no longer belongs to its organisation."
                )
            )
        request.user = found.user
        return found


def refusal(api, request, status, detail, errors=()):
    problems = [Problem(**problem).model_dump() for problem in errors]
    return api.create_response(
        request, {"detail": str(detail), "errors": problems}, status=status
    )


def unauthenticated(api, request, exc):
    detail = (
        exc.message
        if isinstance(exc, TokenRefused)
        else _("Send an API token of your organisation: Authorization: Bearer …")
    )
    response = refusal(api, request, 401, detail)
    response["WWW-Authenticate"] = "Bearer"
    return response


def problems_of(error):
    """Each message of a Django ValidationError, with the field it names."""
    if not hasattr(error, "error_dict"):
        return [{"message": message} for message in error.messages]
    return [
        {"field": None if field == "__all__" else field, "message": message}
        for field, errors in error.message_dict.items()
        for message in errors
    ]


def invalid(api, request, exc):
    problems = problems_of(exc)
    return refusal(
        api, request, 422, " ".join(p["message"] for p in problems), problems
    )


def request_invalid(api, request, exc):
    problems = []
    for item in exc.errors:
        names = [str(part) for part in item.get("loc", ())]
        # A JSON body is one parameter: its name comes before the field's.
        skip = 2 if names[:1] == ["body"] and len(names) > 2 else 1
        if names and names[0] in REQUEST_PARTS:
            names = names[skip:]
        problems.append({"field": ".".join(names) or None, "message": item["msg"]})
    detail = "; ".join(
        f"{p['field']}: {p['message']}" if p["field"] else p["message"]
        for p in problems
    )
    return refusal(api, request, 422, detail, problems)


def install_error_handlers(api):
    """Answer each refusal of the API's actions as JSON with its status."""
    handlers = {
        AuthenticationError: unauthenticated,
        RequestInvalid: request_invalid,
        ValidationError: invalid,
        PermissionDenied: lambda api, request, exc: refusal(
            api, request, 403, str(exc) or _("You may not do this.")
        ),
        Http404: lambda api, request, exc: refusal(
            api, request, 404, str(exc) or _("Not found.")
        ),
        DepositConflict: lambda api, request, exc: refusal(api, request, 409, exc),
    }
    for kind, handler in handlers.items():
        api.add_exception_handler(
            kind, lambda request, exc, handler=handler: handler(api, request, exc)
        )
