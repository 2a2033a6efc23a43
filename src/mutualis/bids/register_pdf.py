"""The opening register as a PDF sealed by the platform: who did what, and when."""

import io
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from mutualis.bids import receipts, signatures
from mutualis.bids.models import OpeningAction, Sealing
from mutualis.bids.receipt_pdf import _fonts, _styles


def register_pdf(consultation, events):
    """The register of `consultation` as PDF bytes, in the active language, unsealed."""
    styles = _styles(*_fonts())
    title = _("Opening register of %(reference)s") % {
        "reference": consultation.reference
    }
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        title=title,
        author=settings.MUTUALIS_PLATFORM_NAME,
    )
    document.build(
        [
            Paragraph(escape(title), styles["title"]),
            Paragraph(
                escape(f"{consultation.title} — {consultation.buyer}"), styles["body"]
            ),
            Spacer(1, 4 * mm),
            _table(consultation, events, styles),
        ]
    )
    return buffer.getvalue()


def sealed_register_pdf(consultation, events):
    return receipts.seal(
        register_pdf(consultation, events),
        reason=_("Opening register of %(reference)s")
        % {"reference": consultation.reference},
    )


def register_pdf_name(consultation):
    return f"opening-register-{consultation.pk}.pdf"


def _what(event):
    if event.detail:
        return f"{event.get_action_display()} — {event.detail}"
    return event.get_action_display()


def _table(consultation, events, styles):
    cell, label = styles["cell"], styles["label"]
    header = [_("When"), _("Who"), _("What"), _("Bid"), _("Files")]
    rows = [[Paragraph(escape(text), label) for text in header]]
    for event in events:
        rows.append(
            [
                Paragraph(escape(_when(consultation, event)), cell),
                Paragraph(escape(str(event.user)), cell),
                Paragraph(escape(_what(event)), cell),
                Paragraph(escape(_bid(event)), cell),
                Paragraph(_files(event), styles["hash"]),
            ]
        )
    table = Table(rows, colWidths=[38 * mm, 40 * mm, 42 * mm, 60 * mm, 93 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2f5f8")),
            ]
        )
    )
    return table


def _when(consultation, event):
    return receipts.format_instant(event.at, consultation.time_zone, milliseconds=True)


def _bid(event):
    if event.bid is None:
        return ""
    lot = str(event.bid.lot) if event.bid.lot else _("Whole consultation")
    return f"{event.bid.bidder} — {lot} — {event.bid.receipt_number}"


def _files(event):
    if event.bid_file is not None:
        return escape(event.bid_file.name)
    opened_sealed = (
        event.action == OpeningAction.BID_OPENED
        and event.bid is not None
        and event.bid.sealing == Sealing.AGE
    )
    if not opened_sealed:
        return ""
    lines = []
    for bid_file in event.bid.files.all():
        scan = _("Malware scan: %(status)s") % {"status": bid_file.scan_status}
        if bid_file.scan_detail:
            scan = f"{scan} ({bid_file.scan_detail})"
        lines.append(escape(f"{bid_file.name} — {bid_file.plain_sha256} — {scan}"))
        for report in bid_file.signatures or []:
            line = signatures.summary(report, event.consultation.time_zone)
            lines.append(escape(_("Signature: %(line)s") % {"line": line}))
        if bid_file.signatures == []:
            lines.append(escape(_("No electronic signature.")))
    return "<br/>".join(lines)
