"""Reading OCDS 1.1 from other platforms: a compiled release, as a consultation.

Only what the portal shows is read: the tender's title and description, its buyer,
category and method, value, CPV and NUTS codes, deadlines, lots and the links to its
documents. The call stays the other platform's: bids go there, so its page there is
the one link that matters (a `tenderNotice` document, as Mutualis publishes it).
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from mutualis.tenders.models import Nature, Procedure, State

CATEGORIES = {
    "works": Nature.WORKS,
    "goods": Nature.SUPPLIES,
    "services": Nature.SERVICES,
}
METHODS = {
    "open": Procedure.OPEN,
    "selective": Procedure.RESTRICTED,
    "limited": Procedure.NEGOTIATED_WITHOUT_CALL,
    "direct": Procedure.NEGOTIATED_WITHOUT_CALL,
}
# tender.status (OCDS tenderStatus codelist). A planned tender is shown as the
# prior information it is; the calls that ended without a contract leave the portal.
STATES = {
    "planning": State.PUBLISHED,
    "planned": State.PUBLISHED,
    "active": State.PUBLISHED,
    "complete": State.AWARDED,
    "cancelled": State.CANCELLED,
    "unsuccessful": State.CANCELLED,
    "withdrawn": State.CANCELLED,
}
CPV_ID = re.compile(r"^(\d{8})(-\d)?$")
LOT_ITEM = re.compile(r"^lot-(\d{1,4})$")
LOT_LABEL = re.compile(r"^Lot \d+: ")
# OCDS multilingual fields: the field's name, an underscore, a language (title_it).
TRANSLATED = re.compile(r"^(title|description)_([a-z]{2})(?:-[A-Za-z]{2})?$")
MAX_AMOUNT = Decimal("1e14")


class ProcessRefused(ValueError):
    """A process that cannot be shown; the message says why."""


class NoTender(ProcessRefused):
    """A process with no tender yet (planning, or contracts only): not a call to
    show, and not an error of its publisher."""


@dataclass
class IncomingLot:
    number: int
    title: str
    description: str = ""
    cpv: str = ""


@dataclass
class IncomingAward:
    supplier_name: str
    supplier_key: str
    lot_number: int | None = None
    value: Decimal | None = None
    currency: str = "EUR"
    decided_on: dt.date | None = None


@dataclass
class Incoming:
    """What the portal keeps of one contracting process of another platform."""

    ocid: str
    title: str
    buyer_name: str
    buyer_key: str
    description: str = ""
    reference: str = ""
    language: str = ""
    nature: str = Nature.SERVICES
    procedure: str = Procedure.OTHER
    state: str = State.PUBLISHED
    estimated_value: Decimal | None = None
    currency: str = "EUR"
    cpv: list = field(default_factory=list)
    nuts: list = field(default_factory=list)
    submission_deadline: dt.datetime | None = None
    questions_deadline: dt.datetime | None = None
    lots: list = field(default_factory=list)
    documents: list = field(default_factory=list)
    awards: list = field(default_factory=list)
    # {language: {"title": ..., "description": ...}}, the main language left out.
    texts: dict = field(default_factory=dict)
    notice_url: str = ""


def parse_date(value, time_zone):
    """An OCDS date-time as an aware instant; a date without offset is read in the
    source's time zone. Raises ValueError for anything else."""
    if not isinstance(value, str):
        raise ValueError(value)
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(time_zone))
    return parsed


def read(compiled, time_zone):
    """The Incoming of a compiled release; raises ProcessRefused."""
    tender = _object(compiled.get("tender"))
    if not tender:
        raise NoTender(_("it has no tender"))
    title = _text(tender.get("title"))
    if not title:
        raise ProcessRefused(_("it has no tender title"))
    buyer_name, buyer_key = _buyer(compiled, tender)
    if not buyer_name:
        raise ProcessRefused(_("it names no buyer"))
    ocid = compiled["ocid"]
    cpv = _cpv_codes(tender)
    incoming = Incoming(
        ocid=ocid,
        title=title[:500],
        description=_text(tender.get("description")),
        reference=(_identifier(tender.get("id")) or ocid)[:100],
        language=_language(compiled.get("language")),
        buyer_name=buyer_name[:300],
        buyer_key=buyer_key[:64],
        nature=_nature(tender, cpv),
        procedure=METHODS.get(tender.get("procurementMethod"), Procedure.OTHER),
        state=STATES.get(tender.get("status"), State.PUBLISHED),
        cpv=cpv,
        nuts=_nuts_codes(tender),
        lots=_lots(tender),
        documents=_documents(tender),
    )
    incoming.estimated_value, incoming.currency = _money(tender.get("value"))
    incoming.submission_deadline = _end(tender, "tenderPeriod", ocid, time_zone)
    incoming.questions_deadline = _end(tender, "enquiryPeriod", ocid, time_zone)
    incoming.notice_url = _notice_url(incoming.documents)
    incoming.awards = _awards(compiled, tender, time_zone)
    incoming.texts = _texts(tender, incoming.language)
    return incoming


def _texts(tender, main_language):
    found = {}
    for key, value in tender.items():
        match = TRANSLATED.match(key)
        text = _text(value)
        if match and text and match.group(2) != main_language:
            found.setdefault(match.group(2), {"title": "", "description": ""})
            found[match.group(2)][match.group(1)] = text
    # A language needs its title; the title is a consultation text's one rule.
    return {
        language: {"title": t["title"][:500], "description": t["description"]}
        for language, t in found.items()
        if t["title"]
    }


def _object(value):
    return value if isinstance(value, dict) else {}


def _list(value):
    return (
        [item for item in value if isinstance(item, dict)]
        if isinstance(value, list)
        else []
    )


def _text(value):
    return value.strip() if isinstance(value, str) else ""


def _identifier(value):
    # OCDS identifiers are strings or integers.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _text(value)


def _language(value):
    # OCDS gives BCP 47 ("en-GB"); Mutualis keeps the language alone.
    language = _text(value).split("-")[0].lower()
    return language if re.fullmatch(r"[a-z]{2,3}", language) else ""


def _buyer(compiled, tender):
    """The buyer's name and the key it is known by on its platform."""
    buyer = _object(compiled.get("buyer")) or _object(tender.get("procuringEntity"))
    party = next(
        (
            p
            for p in _list(compiled.get("parties"))
            if (buyer.get("id") and p.get("id") == buyer.get("id"))
            or (not buyer and "buyer" in (p.get("roles") or []))
        ),
        {},
    )
    name = _text(buyer.get("name")) or _text(party.get("name"))
    identifier = _object(party.get("identifier")) or _object(buyer.get("identifier"))
    scheme = _text(identifier.get("scheme"))
    number = _identifier(identifier.get("id"))
    key = f"{scheme}-{number}" if scheme and number else number
    fallback = _identifier(buyer.get("id")) or _identifier(party.get("id"))
    return name, key or fallback or name


def _items(tender):
    return _list(tender.get("items"))


def _cpv_codes(tender):
    """The CPV codes of the items, main ones first, each once (8 digits)."""
    found = []
    for item in _items(tender):
        classifications = [_object(item.get("classification"))]
        classifications += _list(item.get("additionalClassifications"))
        for classification in classifications:
            if _text(classification.get("scheme")).upper() != "CPV":
                continue
            match = CPV_ID.match(_text(str(classification.get("id", ""))))
            if match and match.group(1) not in found:
                found.append(match.group(1))
    return found


def _nuts_codes(tender):
    found = []
    for item in _items(tender):
        region = _text(_object(item.get("deliveryAddress")).get("region")).upper()
        if re.fullmatch(r"[A-Z]{2}[0-9A-Z]{0,3}", region) and region not in found:
            found.append(region)
    return found


def _nature(tender, cpv):
    category = CATEGORIES.get(tender.get("mainProcurementCategory"))
    if category:
        return category
    # The CPV says it where the publisher did not: division 45 is works, 03 to 44
    # and 48 are supplies, the rest services (Regulation 213/2008, annex I).
    if not cpv:
        return Nature.SERVICES
    division = int(cpv[0][:2])
    if division == 45:
        return Nature.WORKS
    return Nature.SUPPLIES if division < 45 or division == 48 else Nature.SERVICES


def _money(value):
    value = _object(value)
    currency = _text(value.get("currency")).upper()
    amount = value.get("amount")
    if not re.fullmatch(r"[A-Z]{3}", currency) or isinstance(amount, bool):
        return None, "EUR"
    try:
        amount = Decimal(str(amount)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None, currency
    if not 0 <= amount < MAX_AMOUNT:
        return None, currency
    return amount, currency


def _end(tender, period, ocid, time_zone):
    end = _object(tender.get(period)).get("endDate")
    if end in (None, ""):
        return None
    try:
        return parse_date(end, time_zone)
    except ValueError as error:
        raise ProcessRefused(
            _("its %(field)s is not a date-time: %(value)r")
            % {"field": f"tender.{period}.endDate", "value": end}
        ) from error


def _lots(tender):
    """Lots of the OCDS lots extension, else Mutualis's own (one item per lot)."""
    lots = _list(tender.get("lots"))
    if lots:
        return [
            IncomingLot(
                number=position,
                title=(_text(lot.get("title")) or str(lot.get("id", position)))[:500],
                description=_text(lot.get("description")),
            )
            for position, lot in enumerate(lots, start=1)
        ]
    found = []
    for item in _items(tender):
        match = LOT_ITEM.match(str(item.get("id", "")))
        if match:
            title = LOT_LABEL.sub("", _text(item.get("description")))
            cpv = _cpv_codes({"items": [item]})
            found.append(
                IncomingLot(int(match.group(1)), title[:500], cpv=cpv[0] if cpv else "")
            )
    return found


def _awards(compiled, tender, time_zone):
    """The winners of the active awards, one per supplier and lot."""
    lot_ids = [str(lot.get("id")) for lot in _list(tender.get("lots"))]
    found = []
    for award in _list(compiled.get("awards")):
        if award.get("status") not in (None, "active"):
            continue
        value, currency = _money(award.get("value"))
        lot = _award_lot(award, lot_ids)
        decided = _award_date(award.get("date"), time_zone)
        for supplier in _list(award.get("suppliers")):
            name = _text(supplier.get("name"))
            if name:
                key = _identifier(supplier.get("id")) or name
                found.append(
                    IncomingAward(name[:300], key[:64], lot, value, currency, decided)
                )
    return found


def _award_lot(award, lot_ids):
    """The lot of an award: the lots extension's relatedLots, else Mutualis's item
    of the lot."""
    for related in award.get("relatedLots") or []:
        if str(related) in lot_ids:
            return lot_ids.index(str(related)) + 1
    for item in _list(award.get("items")):
        match = LOT_ITEM.match(str(item.get("id", "")))
        if match:
            return int(match.group(1))
    return None


def _award_date(value, time_zone):
    try:
        return parse_date(value, time_zone).date() if value else None
    except ValueError:
        return None


def _documents(tender):
    """Links to the documents on the other platform: web addresses only."""
    found = []
    for document in _list(tender.get("documents")):
        url = _text(document.get("url"))
        if not re.match(r"^https?://", url, re.IGNORECASE) or len(url) > 2000:
            continue
        found.append(
            {
                "title": (_text(document.get("title")) or url.rsplit("/", 1)[-1])[:300],
                "url": url,
                "type": _text(document.get("documentType")),
            }
        )
    return found


def _notice_url(documents):
    return next((d["url"] for d in documents if d["type"] == "tenderNotice"), "")
