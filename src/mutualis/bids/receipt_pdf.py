"""The receipt of a deposit as a PDF, sealed by the platform (PAdES)."""

import io
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from mutualis.bids import receipts

# Debian's DejaVu covers every Latin, Greek and Cyrillic name; without it the PDF
# falls back on Helvetica, which shows Western European names only.
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


def _fonts():
    try:
        pdfmetrics.getFont("DejaVuSans")
    except KeyError:
        if not (DEJAVU / "DejaVuSans.ttf").exists():
            return "Helvetica", "Helvetica-Bold", "Courier"
        pdfmetrics.registerFont(TTFont("DejaVuSans", DEJAVU / "DejaVuSans.ttf"))
        pdfmetrics.registerFont(
            TTFont("DejaVuSans-Bold", DEJAVU / "DejaVuSans-Bold.ttf")
        )
        pdfmetrics.registerFont(TTFont("DejaVuSansMono", DEJAVU / "DejaVuSansMono.ttf"))
    return "DejaVuSans", "DejaVuSans-Bold", "DejaVuSansMono"


def receipt_pdf(bid):
    """The receipt of `bid` as PDF bytes, in the active language, unsealed."""
    regular, bold, mono = _fonts()
    styles = _styles(regular, bold, mono)
    context = receipts.receipt_context(bid)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        title=_("Receipt %(number)s") % {"number": bid.receipt_number},
        author=settings.MUTUALIS_PLATFORM_NAME,
    )
    document.build(
        [
            Paragraph(
                escape(_("Receipt %(number)s") % {"number": bid.receipt_number}),
                styles["title"],
            ),
            Paragraph(escape(settings.MUTUALIS_PLATFORM_NAME), styles["body"]),
            Spacer(1, 4 * mm),
            _facts_table(bid, context, styles),
            Spacer(1, 6 * mm),
            Paragraph(escape(_("Files received")), styles["heading"]),
            _files_table(context, styles),
        ]
    )
    return buffer.getvalue()


def sealed_receipt_pdf(bid):
    return receipts.seal(
        receipt_pdf(bid),
        reason=_("Receipt %(number)s of a bid") % {"number": bid.receipt_number},
    )


def _styles(regular, bold, mono):
    base = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("title", parent=base["Title"], fontName=bold),
        "heading": ParagraphStyle("heading", parent=base["Heading2"], fontName=bold),
        "body": ParagraphStyle("body", parent=base["BodyText"], fontName=regular),
        "label": ParagraphStyle(
            "label", parent=base["BodyText"], fontName=bold, fontSize=9
        ),
        "cell": ParagraphStyle(
            "cell", parent=base["BodyText"], fontName=regular, fontSize=9
        ),
        "hash": ParagraphStyle(
            "hash", parent=base["BodyText"], fontName=mono, fontSize=7, leading=9
        ),
    }


def _facts(bid, context):
    consultation = context["consultation"]
    zone = consultation.time_zone
    rows = [
        (_("Receipt number"), bid.receipt_number, False),
        (_("Consultation"), f"{consultation.reference} — {consultation.title}", False),
        (_("Buyer"), str(consultation.buyer), False),
        (_("Lot"), context["lot_label"], False),
        (_("Business"), str(bid.bidder), False),
        (_("Deposited by"), str(bid.deposited_by), False),
        (
            _("Deposit started"),
            receipts.format_instant(bid.started_at, zone, milliseconds=True),
            False,
        ),
        (_("Deposit completed"), context["received"], False),
        (_("Deadline for bids"), context["deadline"], False),
        (_("On time"), _("No: late") if bid.is_late else _("Yes"), False),
    ]
    if bid.replaces:
        rows.append((_("Replaces"), bid.replaces.receipt_number, False))
    if bid.manifest_sha256:
        rows.append((_("Manifest SHA-256"), bid.manifest_sha256, True))
    if context["timestamp_sha256"]:
        rows.append((_("Timestamp"), context["timestamp_time"], False))
        rows.append((_("Timestamp token SHA-256"), context["timestamp_sha256"], True))
    return rows


def _facts_table(bid, context, styles):
    data = [
        [
            Paragraph(escape(label), styles["label"]),
            Paragraph(escape(value), styles["hash" if is_hash else "cell"]),
        ]
        for label, value, is_hash in _facts(bid, context)
    ]
    table = Table(data, colWidths=[45 * mm, 129 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def _files_table(context, styles):
    header = [
        Paragraph(escape(text), styles["label"])
        for text in ("#", _("File"), _("Size"), "SHA-256")
    ]
    rows = [header]
    for number, item in enumerate(context["files"], start=1):
        rows.append(
            [
                Paragraph(str(number), styles["cell"]),
                Paragraph(escape(item["name"]), styles["cell"]),
                Paragraph(escape(item["size"]), styles["cell"]),
                Paragraph(item["sha256"], styles["hash"]),
            ]
        )
    table = Table(rows, colWidths=[8 * mm, 55 * mm, 36 * mm, 75 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
                ("GRID", (0, 1), (-1, -1), 0.25, colors.grey),
            ]
        )
    )
    return table
