"""Receipts: their numbers, how their instants and sizes read, and the e-mail."""

import datetime as dt
import hashlib
import json
import re
import secrets

from django.core.mail import EmailMessage
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mutualis.bids.models import Sealing
from mutualis.core.addresses import absolute_url
from mutualis.core.time import to_local
from mutualis.trust import platform, timestamps

# Crockford's base 32: no I, L, O or U, so that a number read aloud or copied by
# hand cannot be misread.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECEIPT_PATTERN = re.compile(r"MUT-\d{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}")


def new_receipt_number(year):
    """A fresh receipt number such as MUT-2027-7K3Q-9XHD: 40 random bits."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"MUT-{year}-{body[:4]}-{body[4:]}"


def format_instant(instant, zone, milliseconds=False):
    """An instant as a person reads it in `zone`, with seconds and the zone named.

    Milliseconds show on deposit instants, where 17:00:00.001 is already late.
    """
    if instant is None:
        return ""
    local = to_local(instant, zone)
    text = date_format(local, "j F Y, H:i:s")
    if milliseconds:
        text += f".{local.microsecond // 1000:03d}"
    offset = local.strftime("%z")
    return f"{text} ({zone}, UTC{offset[:3]}:{offset[3:]})"


def format_size(size):
    """A size in bytes, exact and then rounded, e.g. "1,536 bytes (1.5 KB)"."""
    exact = ngettext("%(count)s byte", "%(count)s bytes", size) % {
        "count": number_format(size, force_grouping=True)
    }
    return f"{exact} ({filesizeformat(size)})" if size >= 1024 else exact


def receipt_context(bid):
    """What the receipt page and e-mail show, computed once for both."""
    consultation = bid.consultation
    zone = consultation.time_zone
    return {
        "bid": bid,
        "consultation": consultation,
        "lot_label": str(bid.lot) if bid.lot else _("Whole consultation (no lots)"),
        "received": format_instant(bid.received_at, zone, milliseconds=True),
        "deadline": format_instant(bid.deadline, zone),
        "files": [
            {"name": f.name, "size": format_size(f.size), "sha256": f.sha256}
            for f in bid.files.all()
        ],
        "receipt_url": absolute_url(
            reverse("web:bid-receipt", args=[bid.receipt_number])
        ),
        **timestamp_context(bid),
    }


# The stamped receipt of a sealed deposit (docs/sealing.md)

RECEIPT_FORMAT = "mutualis-receipt/1"


def receipt_document(bid):
    """What the receipt's timestamp vouches for, as a JSON-ready dictionary."""
    return {
        "format": RECEIPT_FORMAT,
        "consultation": bid.consultation_id,
        "lot": bid.lot_id,
        "business": bid.bidder_id,
        "receipt": bid.receipt_number,
        "received_at": bid.received_at.astimezone(dt.UTC).isoformat(
            timespec="microseconds"
        ),
        "files": [
            {"name": f.name, "size": f.size, "sha256": f.sha256}
            for f in bid.files.order_by("position")
        ],
        "manifest_sha256": bid.manifest_sha256,
    }


def receipt_json(bid):
    """The canonical bytes of the receipt: sorted keys, no spaces, UTF-8."""
    return json.dumps(
        receipt_document(bid), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()


def receipt_digest(bid):
    return hashlib.sha256(receipt_json(bid)).digest()


def stamp(digest):
    """An RFC 3161 token over `digest`, from the configured timestamp authority."""
    return timestamps.stamp(digest)


def timestamp_context(bid):
    """The time the receipt's token proves and the token's hash, for the page."""
    token = bytes(bid.receipt_timestamp or b"")
    if not token:
        return {"timestamp_time": "", "timestamp_sha256": ""}
    try:
        time = format_instant(
            timestamps.verify(token, receipt_digest(bid)),
            bid.consultation.time_zone,
            milliseconds=True,
        )
    except timestamps.TimestampError as error:
        time = _("The timestamp does not check: %(error)s") % {"error": error}
    return {
        "timestamp_time": time,
        "timestamp_sha256": hashlib.sha256(token).hexdigest(),
    }


def seal(pdf, reason):
    """The PDF sealed by the platform (PAdES B-T)."""
    return platform.seal_pdf(pdf, reason=reason)


def receipt_pdf_name(bid):
    return f"{bid.receipt_number}.pdf"


def send_receipt(bid):
    """E-mail the receipt to the person who deposited, in their language."""
    user = bid.deposited_by
    with translation.override(user.language):
        context = receipt_context(bid)
        subject = _("Receipt %(number)s: your bid for %(reference)s") % {
            "number": bid.receipt_number,
            "reference": bid.consultation.reference,
        }
        body = render_to_string("bids/receipt_email.txt", context)
        message = EmailMessage(subject, body, None, [user.email])
        if bid.sealing == Sealing.AGE:
            # Imported here: the PDF module builds on this one.
            from mutualis.bids.receipt_pdf import sealed_receipt_pdf

            message.attach(
                receipt_pdf_name(bid), sealed_receipt_pdf(bid), "application/pdf"
            )
    message.send()
