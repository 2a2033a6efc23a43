"""Bid pages: deposit and receipt for businesses, opening and register for buyers."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFilesSent,
    ValidationError,
)
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import FileResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from mutualis.bids import access, actions
from mutualis.bids.models import BidState, OpeningAction, Sealing
from mutualis.bids.opening import OpeningError
from mutualis.bids.receipts import format_instant, receipt_context
from mutualis.bids.register_pdf import register_pdf_name, sealed_register_pdf
from mutualis.tenders.access import consultation_for
from mutualis.web.responses import pdf_attachment
from mutualis.web.views.errors import journal_refusal

LOT_ERRORS = {"lot_required", "wrong_lot"}


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name; each is checked, by name, by the deposit."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = [item for item in (data or []) if item]
        if not files and self.required:
            raise ValidationError(self.error_messages["required"], code="required")
        return files


class DepositForm(forms.Form):
    business = forms.ModelChoiceField(
        label=gettext_lazy("Business"), queryset=None, empty_label=None
    )
    lot = forms.ModelChoiceField(
        label=gettext_lazy("Lot"),
        queryset=None,
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose the lot this bid is for.")},
    )
    files = MultipleFileField(
        label=gettext_lazy("Files"),
        widget=MultipleFileInput(attrs={"aria-describedby": "files-help"}),
        error_messages={
            "required": gettext_lazy("Choose at least one file to deposit.")
        },
    )

    def __init__(self, *args, businesses, consultation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["business"].queryset = businesses
        if consultation.lots.exists():
            self.fields["lot"].queryset = consultation.lots.all()
        else:
            del self.fields["lot"]


class BidFileLimitHandler(FileUploadHandler):
    """Stops receiving a file once it passes the limit, and remembers its name.

    Without it a 5 GB file would first fill the temporary directory, and only then
    be refused.
    """

    def __init__(self, request=None):
        super().__init__(request)
        self.limit = settings.MUTUALIS_MAX_BID_FILE_SIZE
        self.too_large = []

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.too_large.append(self.file_name)
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None


@csrf_exempt
@login_required
def bid_deposit(request, pk):
    """Deposit a bid with a plain multipart form; it works without JavaScript."""
    consultation = consultation_for(request.user, pk)
    refusal = access.deposit_page_refusal(request.user, consultation)
    if refusal:
        return _refused(request, consultation, refusal)
    if request.method != "POST":
        return _deposit_form(request, consultation)
    if _takes_sealed_bids_only(consultation):
        return _deposit_form(request, consultation, error=_plain_refused(), status=400)

    # Parse here, before the CSRF check reads the body, so that too many files or
    # too large a form give a page that says so instead of a bare error.
    limits = BidFileLimitHandler(request)
    request.upload_handlers.insert(0, limits)
    try:
        request.POST, request.FILES  # noqa: B018
    except TooManyFilesSent:
        return _deposit_form(request, consultation, error=_too_many(), status=400)
    except RequestDataTooBig:
        error = _("The form was too large to be read; send the files again.")
        return _deposit_form(request, consultation, error=error, status=413)
    return _deposit(request, consultation, limits)


def _takes_sealed_bids_only(consultation):
    # With an opening commission the platform must never receive a bid in clear;
    # the form's fields stay for the page's script, which seals before sending.
    return getattr(consultation, "opening_commission", None) is not None


def _plain_refused():
    return _(
        "This consultation takes sealed bids only: deposit with JavaScript turned "
        "on, so that your browser seals the files, or with the mutualis "
        "command-line tool. Nothing was received."
    )


def _too_many():
    limit = settings.MUTUALIS_MAX_BID_FILES
    return ngettext(
        "You sent more files than a bid may hold: at most %(limit)d file.",
        "You sent more files than a bid may hold: at most %(limit)d files.",
        limit,
    ) % {"limit": limit}


@csrf_protect
def _deposit(request, consultation, limits):
    form = _form(request, consultation, data=request.POST, files=request.FILES)
    for name in limits.too_large:
        form.add_error("files", actions.too_large(name))
    if not form.is_valid():
        return _deposit_page(request, consultation, form, status=400)

    data = form.cleaned_data
    try:
        bid = actions.deposit_bid(
            request.user,
            data["business"],
            consultation,
            data.get("lot"),
            data["files"],
        )
    except PermissionDenied as refusal:
        return _refused(request, consultation, refusal)
    except ValidationError as error:
        field = "lot" if error.code in LOT_ERRORS and "lot" in form.fields else "files"
        form.add_error(field, error)
        return _deposit_page(request, consultation, form, status=400)

    messages.success(
        request,
        _("Your bid was received. Receipt number: %(number)s.")
        % {"number": bid.receipt_number},
    )
    return redirect("web:bid-receipt", bid.receipt_number)


def _form(request, consultation, **kwargs):
    return DepositForm(
        businesses=access.depositing_businesses(request.user),
        consultation=consultation,
        initial={"lot": request.GET.get("lot")},
        **kwargs,
    )


def _deposit_form(request, consultation, error=None, status=200):
    form = _form(request, consultation)
    return _deposit_page(request, consultation, form, status=status, error=error)


def _deposit_page(request, consultation, form, status=200, error=None):
    return render(
        request,
        "web/bids/deposit.html",
        {
            "consultation": consultation,
            "form": form,
            "has_lots": "lot" in form.fields,
            "error": error,
            "deadline": format_instant(
                consultation.submission_deadline, consultation.time_zone
            ),
            "deadline_passed": consultation.deadline_passed(),
            "max_files": settings.MUTUALIS_MAX_BID_FILES,
            "max_size": filesizeformat(settings.MUTUALIS_MAX_BID_FILE_SIZE),
            "max_bid_size": filesizeformat(settings.MUTUALIS_MAX_BID_SIZE),
        },
        status=status,
    )


def _refused(request, consultation, reason):
    journal_refusal(request, reason)
    return render(
        request,
        "web/bids/refused.html",
        {"consultation": consultation, "reason": str(reason)},
        status=403,
    )


@login_required
def business_bids(request):
    bids = (
        access.business_bids(request.user)
        .select_related("consultation", "lot", "bidder")
        .order_by("-received_at", "-pk")
    )
    return render(request, "web/bids/business_bids.html", {"bids": bids})


@login_required
def bid_receipt(request, number):
    bid = access.bid_for_receipt(request.user, number)
    context = receipt_context(bid)
    context["replaced_by"] = getattr(bid, "replaced_by", None)
    return render(request, "web/bids/receipt.html", context)


@login_required
def consultation_opening(request, pk):
    consultation = consultation_for(request.user, pk)
    refusal = access.register_refusal(request.user, consultation)
    if refusal:
        return _refused(request, consultation, refusal)

    bids = (
        access.consultation_bids(request.user, consultation)
        .select_related("bidder", "lot")
        .prefetch_related("files")
        .order_by("lot__number", "bidder__name", "received_at")
    )
    readable = access.readable_files(request.user, consultation)
    shares = access.share_counts(request.user, consultation)
    bids = list(bids)
    for bid in bids:
        bid.shares_handed = shares.get(bid.pk, 0)
    return render(
        request,
        "web/bids/opening.html",
        {
            "consultation": consultation,
            "bids": bids,
            "readable": set(readable.values_list("pk", flat=True)),
            "opening_refusal": access.opening_refusal(request.user, consultation),
            "can_start": access.can_start_opening(request.user, consultation),
            "can_open": access.can_open_bids(request.user, consultation),
            "opened": BidState.OPENED,
            "sealed": Sealing.AGE,
            "can_share": access.share_refusal(request.user, consultation) is None,
        },
    )


@require_POST
@login_required
def opening_start(request, pk):
    consultation = consultation_for(request.user, pk)
    try:
        actions.start_opening(request.user, consultation)
    except PermissionDenied as refusal:
        return _refused(request, consultation, refusal)
    messages.success(request, _("The opening session has started."))
    return redirect("web:consultation-opening", consultation.pk)


@require_POST
@login_required
def opening_open(request, pk):
    consultation = consultation_for(request.user, pk)
    try:
        actions.open_bids(request.user, consultation)
    except PermissionDenied as refusal:
        return _refused(request, consultation, refusal)
    except OpeningError as error:
        messages.error(request, str(error))
        return redirect("web:consultation-opening", consultation.pk)
    messages.success(request, _("The valid bids are open; late bids were set aside."))
    return redirect("web:consultation-opening", consultation.pk)


@login_required
def opening_shares_json(request, pk):
    """The sealed shares of the opener's keys, to decrypt on their machine."""
    consultation = consultation_for(request.user, pk)
    return shares_download(
        lambda: actions.sealed_shares_for(request.user, consultation)
    )


def shares_download(produce):
    """The JSON document `produce` gives, as shares.json, never cached; 403 in
    JSON if it refuses."""
    try:
        document = produce()
    except PermissionDenied as refusal:
        return JsonResponse({"error": str(refusal)}, status=403)
    response = JsonResponse(document)
    response["Cache-Control"] = "no-store"
    response["Content-Disposition"] = 'attachment; filename="shares.json"'
    return response


@require_POST
@login_required
def opening_shares(request, pk):
    """Take the decrypted shares: a JSON body (the page's script) or a file."""
    consultation = consultation_for(request.user, pk)
    return hand_over_shares(
        request,
        consultation,
        lambda document: actions.submit_shares(request.user, consultation, document),
        reverse("web:consultation-opening", args=[consultation.pk]),
    )


def hand_over_shares(request, consultation, submit, back):
    """Give the posted shares to `submit`; answer the script in JSON, a form by
    going `back` with a message."""
    as_json = request.content_type == "application/json"
    try:
        document = request.body if as_json else _shares_upload(request)
        count = submit(document)
    except PermissionDenied as refusal:
        if as_json:
            return JsonResponse({"error": str(refusal)}, status=403)
        return _refused(request, consultation, refusal)
    except ValueError as error:
        if as_json:
            return JsonResponse({"error": str(error)}, status=400)
        messages.error(request, str(error))
        return redirect(back)
    if as_json:
        return JsonResponse({"accepted": count})
    messages.success(
        request,
        ngettext(
            "%(count)d share was handed over.",
            "%(count)d shares were handed over.",
            count,
        )
        % {"count": count},
    )
    return redirect(back)


MAX_SHARES_UPLOAD = 1024 * 1024


def _shares_upload(request):
    upload = request.FILES.get("shares")
    if upload is None:
        raise ValueError(_("Choose the file of decrypted shares."))
    if upload.size > MAX_SHARES_UPLOAD:
        raise ValueError(_("This file is too large to be a file of shares."))
    return upload.read()


@require_POST
@login_required
def opening_open_bid(request, pk, number):
    consultation = consultation_for(request.user, pk)
    bid = access.sealed_bid_to_open(request.user, consultation, number)
    try:
        actions.open_sealed_bid(request.user, bid)
    except PermissionDenied as refusal:
        return _refused(request, consultation, refusal)
    except OpeningError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("Bid %(number)s is open.") % {"number": bid.receipt_number}
        )
    return redirect("web:consultation-opening", consultation.pk)


@login_required
def opening_register(request, pk):
    consultation = consultation_for(request.user, pk)
    refusal = access.register_refusal(request.user, consultation)
    if refusal:
        return _refused(request, consultation, refusal)
    return render(
        request,
        "web/bids/register.html",
        {
            "consultation": consultation,
            "events": _register_events(request.user, consultation),
            "bid_opened": OpeningAction.BID_OPENED,
            "sealed": Sealing.AGE,
        },
    )


@login_required
def opening_register_pdf(request, pk):
    """The opening register as a PDF sealed by the platform."""
    consultation = consultation_for(request.user, pk)
    refusal = access.register_refusal(request.user, consultation)
    if refusal:
        return _refused(request, consultation, refusal)
    events = _register_events(request.user, consultation)
    pdf = sealed_register_pdf(consultation, events)
    return pdf_attachment(pdf, register_pdf_name(consultation))


def _register_events(user, consultation):
    return (
        access.opening_events(user, consultation)
        .select_related("user", "bid__bidder", "bid__lot", "bid_file")
        .prefetch_related("bid__files")
    )


@login_required
def bid_file_download(request, pk, file_pk):
    consultation = consultation_for(request.user, pk)
    bid_file = access.file_for_reading(request.user, consultation, file_pk)
    content = actions.read_bid_file(request.user, bid_file)
    response = FileResponse(
        content,
        as_attachment=True,
        filename=bid_file.name,
        content_type="application/octet-stream",
    )
    response["Cache-Control"] = "no-store"
    return response


urlpatterns = [
    path("consultations/<int:pk>/bid/", bid_deposit, name="bid-deposit"),
    path("business/bids/", business_bids, name="business-bids"),
    path("business/bids/<str:number>/", bid_receipt, name="bid-receipt"),
    path(
        "buyer/consultations/<int:pk>/opening/",
        consultation_opening,
        name="consultation-opening",
    ),
    path(
        "buyer/consultations/<int:pk>/opening/start/",
        opening_start,
        name="opening-start",
    ),
    path(
        "buyer/consultations/<int:pk>/opening/open/",
        opening_open,
        name="opening-open",
    ),
    path(
        "buyer/consultations/<int:pk>/opening/shares.json",
        opening_shares_json,
        name="opening-shares-json",
    ),
    path(
        "buyer/consultations/<int:pk>/opening/shares/",
        opening_shares,
        name="opening-shares",
    ),
    path(
        "buyer/consultations/<int:pk>/opening/bids/<str:number>/open/",
        opening_open_bid,
        name="opening-open-bid",
    ),
    path(
        "buyer/consultations/<int:pk>/opening/register/",
        opening_register,
        name="opening-register",
    ),
    path(
        "buyer/consultations/<int:pk>/opening/register.pdf",
        opening_register_pdf,
        name="opening-register-pdf",
    ),
    path(
        "buyer/consultations/<int:pk>/opening/files/<int:file_pk>/",
        bid_file_download,
        name="bid-file-download",
    ),
]
