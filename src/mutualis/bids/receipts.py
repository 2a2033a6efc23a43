"""Receipts: their numbers, how their instants and sizes read, and the e-mail."""

import re
import secrets

from django.conf import settings
from django.core.mail import send_mail
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mutualis.core.time import to_local

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
        "receipt_url": settings.MUTUALIS_BASE_URL.rstrip("/")
        + reverse("web:bid-receipt", args=[bid.receipt_number]),
    }


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
    send_mail(subject, body, None, [user.email])
