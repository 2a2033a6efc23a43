"""Sealed deposits for a business's token (docs/sealing.md), under /api/v1/deposits.

The deposit is always for the token's organisation, which must be a business
the token's person bids for. The sealed files' bytes then go to the tus server
of the uploads app, at the addresses the deposit gives.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from mutualis.api.auth import Error, TokenAuth
from mutualis.bids import access, deposits, receipts
from mutualis.tenders.access import consultation_for

router = Router(auth=TokenAuth(), tags=["bidders"])


class DepositStart(Schema):
    manifest: dict[str, Any]


class DepositFile(Schema):
    name: str
    size: int
    offset: int
    sha256: str
    upload: str


class DepositState(Schema):
    deposit: str
    state: str
    state_label: str
    late: bool
    started_at: str | None
    received_at: str | None
    received: str
    receipt_url: str
    uploads: list[str]
    files: list[DepositFile]


REFUSALS = {401: Error, 403: Error, 404: Error, 409: Error, 422: Error}


@router.post(
    "",
    response={200: DepositState, 201: DepositState, **REFUSALS},
    summary="Start the deposit a sealed manifest declares (or get it back)",
)
def deposit_start(request, start: DepositStart):
    business = depositing_business(request.user, request.auth.organisation)
    manifest = start.manifest
    consultation = consultation_for(
        request.user, consultation_number(manifest.get("consultation"))
    )
    bid, created = deposits.start_deposit(
        request.user, business, consultation, manifest
    )
    return Status(201 if created else 200, deposit_state(request, bid))


@router.get(
    "/{number}",
    response={200: DepositState, **REFUSALS},
    summary="A deposit's state and each file's stored offset, to resume",
)
def deposit_detail(request, number: str):
    bid = access.bid_for_receipt(request.user, number)
    # A deposit whose files are all stored but whose finishing failed (the
    # timestamp authority was down, say) is finished by the next look at it.
    return deposit_state(request, deposits.finish_deposit(bid))


def depositing_business(user, organisation):
    """`organisation` if `user` may deposit for it; else PermissionDenied."""
    business = access.depositing_businesses(user).filter(pk=organisation.pk).first()
    if business is None:
        raise PermissionDenied(
            _("business: you are no company admin or bidder of this business.")
        )
    return business


def consultation_number(value):
    if type(value) is not int:
        raise ValidationError(
            {"consultation": _("consultation: give the consultation's number.")}
        )
    return value


def deposit_state(request, bid):
    files = list(deposits.deposit_files(bid))
    uploads = [
        request.build_absolute_uri(reverse("web:uploads:upload", args=[f.upload_id]))
        for f in files
    ]
    return {
        "deposit": bid.receipt_number,
        "state": bid.state,
        "state_label": str(bid.get_state_display()),
        "late": bid.is_late,
        "started_at": iso(bid.started_at),
        "received_at": iso(bid.received_at),
        "received": receipts.format_instant(
            bid.received_at, bid.consultation.time_zone, milliseconds=True
        ),
        "receipt_url": request.build_absolute_uri(
            reverse("web:bid-receipt", args=[bid.receipt_number])
        ),
        "uploads": uploads,
        "files": [
            {
                "name": f.name,
                "size": f.size,
                "offset": f.upload.offset,
                "sha256": f.sha256,
                "upload": url,
            }
            for f, url in zip(files, uploads, strict=True)
        ],
    }


def iso(instant):
    return instant.isoformat().replace("+00:00", "Z") if instant else None
