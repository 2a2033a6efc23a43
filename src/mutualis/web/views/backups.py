"""The page of one backup copy at the opening: the case that applies, its shares, opening."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mutualis.bids import access, backup
from mutualis.bids.models import BidState, Sealing, SubmittedShare
from mutualis.bids.opening import OpeningError
from mutualis.tenders.access import consultation_for
from mutualis.web.views.bids import _refused, hand_over_shares, shares_download


def _backup_for(user, pk, number):
    consultation = consultation_for(user, pk)
    copy = (
        access.consultation_bids(user, consultation)
        .filter(receipt_number=number, is_backup_copy=True)
        .select_related("bidder", "lot")
        .first()
    )
    if copy is None or not access.is_opener(user, consultation):
        raise Http404(_("No such backup copy."))
    return consultation, copy


@login_required
def backup_page(request, pk, number):
    consultation, copy = _backup_for(request.user, pk, number)
    electronic = backup.electronic_bid_of(copy)
    allowed, case = backup.may_open_backup(electronic, copy)
    handed = SubmittedShare.objects.filter(bid=copy).count()
    sealed = copy.sealing == Sealing.AGE
    needed = copy.manifest["threshold"] if sealed and copy.manifest else 0
    return render(
        request,
        "web/bids/backup.html",
        {
            "consultation": consultation,
            "copy": copy,
            "electronic": electronic,
            "allowed": allowed,
            "case": case if allowed else None,
            "case_label": backup.BackupCase(case).label if allowed else None,
            "refusal": None if allowed else case,
            "sealed": sealed,
            "handed": handed,
            "needed": needed,
            "can_open": allowed and (not sealed or handed >= needed),
            "opened": copy.state == BidState.OPENED,
        },
    )


@login_required
def backup_shares_json(request, pk, number):
    _consultation, copy = _backup_for(request.user, pk, number)
    return shares_download(lambda: backup.backup_shares_for(request.user, copy))


@require_POST
@login_required
def backup_shares(request, pk, number):
    consultation, copy = _backup_for(request.user, pk, number)
    return hand_over_shares(
        request,
        consultation,
        lambda document: backup.submit_backup_shares(request.user, copy, document),
        reverse("web:opening-backup", args=[consultation.pk, copy.receipt_number]),
    )


@require_POST
@login_required
def backup_open(request, pk, number):
    consultation, copy = _backup_for(request.user, pk, number)
    try:
        backup.open_backup(request.user, copy, request.POST.get("case", ""))
    except PermissionDenied as refusal:
        return _refused(request, consultation, refusal)
    except OpeningError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Backup copy %(number)s is open.") % {"number": copy.receipt_number},
        )
    return redirect("web:opening-backup", consultation.pk, copy.receipt_number)


PREFIX = "buyer/consultations/<int:pk>/opening/backups/<str:number>/"

urlpatterns = [
    path(PREFIX, backup_page, name="opening-backup"),
    path(f"{PREFIX}shares.json", backup_shares_json, name="opening-backup-shares-json"),
    path(f"{PREFIX}shares/", backup_shares, name="opening-backup-shares"),
    path(f"{PREFIX}open/", backup_open, name="opening-backup-open"),
]
