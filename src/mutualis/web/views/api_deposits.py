"""The deposit page's JSON endpoints, the receipt PDF, and the API tokens page.

The deposit page's script calls /api/deposits/ with the person's session and
CSRF token, naming the business it deposits for; programs use the token API
(/api/v1/deposits, mutualis.api.deposits), whose answers these share. They
answer JSON, with `{"error": "…"}` on every refusal; the bytes of the sealed
files go through the tus server of the uploads app.
"""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import include, path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from mutualis.accounts import tokens
from mutualis.api.deposits import consultation_number, deposit_state
from mutualis.bids import access, deposits, receipts
from mutualis.bids.receipt_pdf import sealed_receipt_pdf
from mutualis.tenders.access import consultation_for
from mutualis.uploads.http import Refused, api_user, json_error
from mutualis.web.responses import pdf_attachment


def _answer_errors(view):
    """Turn every refusal of an API view into a JSON error with its status."""

    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Refused as refused:
            return refused.response
        except Http404 as missing:
            return json_error(missing, 404)
        except PermissionDenied as refusal:
            return json_error(refusal, 403)
        except deposits.DepositConflict as conflict:
            return json_error(conflict, 409)
        except ValidationError as error:
            return json_error(" ".join(error.messages), 400)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return csrf_exempt(wrapped)


@_answer_errors
def deposit_collection(request):
    """POST a manifest and a business: start the deposit (or get it back)."""
    if request.method != "POST":
        return json_error(_("Start a deposit with POST."), 405)
    user = api_user(request)
    body = _json_body(request)
    business = _business(user, body.get("business"))
    manifest = body.get("manifest")
    if not isinstance(manifest, dict):
        raise ValidationError(_("manifest: give the sealed bid's manifest."))
    consultation = consultation_for(
        user, consultation_number(manifest.get("consultation"))
    )
    bid, created = deposits.start_deposit(user, business, consultation, manifest)
    return JsonResponse(deposit_state(request, bid), status=201 if created else 200)


def _json_body(request):
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise ValidationError(_("The request body must be a JSON object.")) from None
    if not isinstance(body, dict):
        raise ValidationError(_("The request body must be a JSON object."))
    return body


def _business(user, pk):
    business = (
        access.depositing_businesses(user).filter(pk=pk).first()
        if type(pk) is int
        else None
    )
    if business is None:
        raise PermissionDenied(
            _("business: you are no company admin or bidder of this business.")
        )
    return business


@_answer_errors
def deposit_detail(request, number):
    """A deposit's state and each file's stored offset, to resume after a reload."""
    if request.method != "GET":
        return json_error(_("Read a deposit with GET."), 405)
    bid = access.bid_for_receipt(api_user(request), number)
    # A deposit whose files are all stored but whose finishing failed (the
    # timestamp authority was down, say) is finished by the next look at it.
    bid = deposits.finish_deposit(bid)
    return JsonResponse(deposit_state(request, bid))


@login_required
def receipt_pdf(request, number):
    """The receipt as a PDF sealed by the platform, for the depositing business."""
    bid = access.bid_for_receipt(request.user, number)
    if bid.received_at is None:
        raise Http404(_("This deposit has no receipt yet: its files are arriving."))
    return pdf_attachment(sealed_receipt_pdf(bid), receipts.receipt_pdf_name(bid))


# Personal API tokens


@login_required
def api_tokens(request):
    """List one's tokens and create one, whose secret is shown only once."""
    secret = None
    error = None
    organisations = tokens.token_organisations(request.user)
    if request.method == "POST":
        chosen = request.POST.get("organisation", "")
        try:
            token, secret = tokens.create_token(
                request.user,
                organisations.filter(pk=chosen).first() if chosen.isdigit() else None,
                request.POST.get("label", ""),
            )
        except ValidationError as refused:
            error = " ".join(refused.messages)
    response = render(
        request,
        "web/accounts/api_tokens.html",
        {
            "tokens": tokens.tokens_of(request.user),
            "organisations": organisations,
            "secret": secret,
            "error": error,
        },
        status=400 if error else 200,
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def api_token_revoke(request, pk):
    token = tokens.token_of(request.user, pk)
    if token is None:
        raise Http404(_("No such token."))
    tokens.revoke_token(request.user, token)
    messages.success(
        request, _("The token “%(label)s” is revoked.") % {"label": token.label}
    )
    return redirect("web:api-tokens")


urlpatterns = [
    path("api/deposits/", deposit_collection, name="api-deposits"),
    path("api/deposits/<str:number>", deposit_detail, name="api-deposit"),
    path("api/uploads/", include("mutualis.uploads.urls")),
    path("business/bids/<str:number>/receipt.pdf", receipt_pdf, name="bid-receipt-pdf"),
    path("me/tokens/", api_tokens, name="api-tokens"),
    path("me/tokens/<int:pk>/revoke/", api_token_revoke, name="api-token-revoke"),
]
