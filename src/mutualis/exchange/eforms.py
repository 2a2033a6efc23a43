"""Read one eForms notice (UBL 2.3, SDK 1.x) into plain dataclasses.

Nothing here touches the database. The XML parser resolves no entity, loads no DTD
and reaches no network; a document with a DOCTYPE is refused outright, since no
eForms notice carries one and entity tricks (billion laughs, external entities)
all need it.
"""

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.utils.translation import gettext as _
from lxml import etree

from mutualis.exchange import codes

NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "ext": "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2",
    "efac": "http://data.europa.eu/p27/eforms-ubl-extension-aggregate-components/1",
    "efbc": "http://data.europa.eu/p27/eforms-ubl-extension-basic-components/1",
    "efext": "http://data.europa.eu/p27/eforms-ubl-extensions/1",
}
UBL = "urn:oasis:names:specification:ubl:schema:xsd:"
DOCUMENT_TYPES = {
    f"{UBL}ContractNotice-2": "ContractNotice",
    f"{UBL}ContractAwardNotice-2": "ContractAwardNotice",
    f"{UBL}PriorInformationNotice-2": "PriorInformationNotice",
    "http://data.europa.eu/p27/eforms-business-registration-information-notice/1": (
        "BusinessRegistrationInformationNotice"
    ),
}
# The eForms extension block of the notice itself (lots have their own).
EXT = "ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent/efext:EformsExtension"

# Real notices weigh well under 1 MB; anything far larger is refused unread.
MAX_NOTICE_BYTES = 10 * 1024 * 1024

DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(Z|[+-]\d{2}:\d{2})?")
TIME = re.compile(r"(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?")
LOT_ID = re.compile(r"LOT-(\d{4})")
CURRENCY = re.compile(r"[A-Z]{3}")
WINNER_SELECTED = "selec-w"
NO_WINNER = "clos-nw"


class NoticeError(Exception):
    """A notice that cannot be read or imported; the message names the file and why."""

    def __init__(self, filename, reason):
        super().__init__(f"{filename}: {reason}")
        self.filename = filename
        self.reason = reason


@dataclass(frozen=True)
class Organisation:
    """An organisation of the notice (efac:Company), named by its key (ORG-0001)."""

    key: str
    name: str
    company_id: str = ""
    country: str = ""
    town: str = ""
    postcode: str = ""
    street: str = ""
    nuts: str = ""

    @property
    def country_code(self):
        """ISO 3166-1 alpha-2, as Mutualis keeps countries."""
        return codes.alpha2(self.country)


@dataclass
class Lot:
    identifier: str
    titles: dict = field(default_factory=dict)
    descriptions: dict = field(default_factory=dict)
    internal_id: str = ""
    nature: str = ""
    estimated_value: Decimal | None = None
    currency: str = ""
    main_cpv: str = ""
    additional_cpv: list = field(default_factory=list)
    nuts: list = field(default_factory=list)
    submission_deadline: dt.datetime | None = None
    participation_deadline: dt.datetime | None = None
    questions_deadline: dt.datetime | None = None

    @property
    def number(self):
        """LOT-0003 is lot 3."""
        match = LOT_ID.fullmatch(self.identifier)
        return int(match.group(1)) if match else None


@dataclass(frozen=True)
class Award:
    """One winner of one lot; a joint bid gives one Award per member."""

    lot_identifier: str
    winner: Organisation
    value: Decimal | None = None
    currency: str = ""
    decided_on: dt.date | None = None
    lead: bool = True


@dataclass
class LotResult:
    identifier: str
    lot_identifier: str
    status: str = ""
    awards: list = field(default_factory=list)


@dataclass
class Notice:
    filename: str
    document_type: str
    sdk_version: str
    notice_id: str = ""
    version: str = ""
    notice_type: str = ""
    subtype: str = ""
    language: str = ""
    issued_at: dt.datetime | None = None
    publication_id: str = ""
    published_at: dt.datetime | None = None
    procedure_identifier: str = ""
    internal_reference: str = ""
    changed_notice_id: str = ""
    buyer: Organisation | None = None
    titles: dict = field(default_factory=dict)
    descriptions: dict = field(default_factory=dict)
    nature: str = ""
    procedure_code: str = ""
    estimated_value: Decimal | None = None
    currency: str = ""
    main_cpv: str = ""
    additional_cpv: list = field(default_factory=list)
    nuts: list = field(default_factory=list)
    lots: list = field(default_factory=list)
    results: list = field(default_factory=list)

    @property
    def title(self):
        return in_language(self.titles, self.language)

    @property
    def description(self):
        return in_language(self.descriptions, self.language)

    @property
    def language_code(self):
        """ISO 639-1 code of the notice language ("fr")."""
        return codes.language(self.language)

    @property
    def is_prior_information(self):
        return self.notice_type.startswith("pin-")

    @property
    def submission_deadline(self):
        """The earliest deadline of the lots, so no lot looks open after its own."""
        return _earliest(lot.submission_deadline for lot in self.lots)

    @property
    def participation_deadline(self):
        return _earliest(lot.participation_deadline for lot in self.lots)

    @property
    def questions_deadline(self):
        return _earliest(lot.questions_deadline for lot in self.lots)

    @property
    def all_cpv(self):
        """Every CPV code the notice names, the procedure's and its lots'."""
        found = [self.main_cpv, *self.additional_cpv]
        for lot in self.lots:
            found += [lot.main_cpv, *lot.additional_cpv]
        return list(dict.fromkeys(code for code in found if code))

    @property
    def all_nuts(self):
        found = list(self.nuts)
        for lot in self.lots:
            found += lot.nuts
        return list(dict.fromkeys(found))


def in_language(texts, language):
    """The text in `language`, else the first one given, else ""."""
    return texts.get(language) or next(iter(texts.values()), "")


def _earliest(instants):
    instants = [instant for instant in instants if instant is not None]
    return min(instants) if instants else None


# Reading the document


def read_notice(path_or_bytes, filename=None):
    """Parse a notice given as a path or as bytes; raise NoticeError if it cannot."""
    data, filename = read_bytes(path_or_bytes, filename)
    return parse_notice(data, filename)


def read_bytes(path_or_bytes, filename=None):
    """(content, file name) of a notice given as a path or as bytes."""
    if isinstance(path_or_bytes, bytes | bytearray):
        return bytes(path_or_bytes), filename or "notice.xml"
    path = Path(path_or_bytes)
    filename = filename or path.name
    try:
        if path.stat().st_size > MAX_NOTICE_BYTES:
            raise NoticeError(filename, _too_large())
        return path.read_bytes(), filename
    except OSError as error:
        raise NoticeError(
            filename, _("the file cannot be read (%s)") % error.strerror
        ) from error


def parse_notice(data, filename="notice.xml"):
    """Turn the bytes of one eForms notice into a Notice."""
    root = parse_xml(data, filename)
    try:
        return _notice(root, filename)
    except (ValueError, ArithmeticError) as error:
        # The field readers raise NoticeError themselves; this is the last guard.
        raise NoticeError(filename, _("unreadable value (%s)") % error) from error


def parse_xml(data, filename):
    """The root element of `data`, parsed safely; NoticeError for anything unsafe."""
    if not data.strip():
        raise NoticeError(filename, _("the file is empty"))
    if len(data) > MAX_NOTICE_BYTES:
        raise NoticeError(filename, _too_large())
    # NUL bytes removed, a UTF-16 or UTF-32 DOCTYPE is found by the same search.
    if b"<!DOCTYPE" in data.replace(b"\x00", b""):
        raise NoticeError(filename, _doctype_refused())
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise NoticeError(
            filename,
            _("malformed XML at line %(line)s: %(error)s")
            % {"line": error.lineno or 1, "error": error.msg},
        ) from error
    except ValueError as error:
        raise NoticeError(filename, _("malformed XML: %s") % error) from error
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise NoticeError(filename, _doctype_refused())
    return root


def _too_large():
    return _("the file is larger than %(size)s MB, far more than any notice") % {
        "size": MAX_NOTICE_BYTES // (1024 * 1024)
    }


def _doctype_refused():
    return _("a DOCTYPE declaration is refused (DTDs and entities are not allowed)")


def _notice(root, filename):
    qname = etree.QName(root)
    document_type = DOCUMENT_TYPES.get(qname.namespace)
    if document_type != qname.localname:
        raise NoticeError(
            filename,
            _("not an eForms notice (the root element is %s)") % qname.localname,
        )
    sdk = _text(root, "cbc:CustomizationID")
    if not sdk.startswith("eforms-sdk-"):
        raise NoticeError(
            filename,
            _("not an eForms notice (CustomizationID is %s)") % (repr(sdk) or '""'),
        )
    reader = _Reader(root, filename)
    return reader.notice(document_type, sdk)


class _Reader:
    """Reads the fields of one notice; knows the file name for its errors."""

    def __init__(self, root, filename):
        self.root = root
        self.filename = filename
        self.language = _text(root, "cbc:NoticeLanguageCode").upper()
        self.organisations = self._organisations()

    def error(self, reason):
        return NoticeError(self.filename, reason)

    def notice(self, document_type, sdk):
        root = self.root
        project = root.find("cac:ProcurementProject", NS)
        notice = Notice(
            filename=self.filename,
            document_type=document_type,
            sdk_version=sdk.removeprefix("eforms-sdk-"),
            notice_id=_text(root, "cbc:ID"),
            version=_text(root, "cbc:VersionID"),
            notice_type=_text(root, "cbc:NoticeTypeCode"),
            subtype=_text(root, f"{EXT}/efac:NoticeSubType/cbc:SubTypeCode"),
            language=self.language,
            issued_at=self.instant(root, "cbc:IssueDate", "cbc:IssueTime"),
            publication_id=_text(
                root, f"{EXT}/efac:Publication/efbc:NoticePublicationID"
            ),
            published_at=self.instant(
                root, f"{EXT}/efac:Publication/efbc:PublicationDate", None
            ),
            procedure_identifier=_text(root, "cbc:ContractFolderID"),
            changed_notice_id=self.changed_notice_id(),
            buyer=self.buyer(),
            procedure_code=_text(root, "cac:TenderingProcess/cbc:ProcedureCode"),
            lots=self.lots(),
            results=self.results(),
        )
        if project is not None:
            self.project(notice, project)
        return notice

    def project(self, target, project):
        """Fill the fields that a procedure and a lot share from `project`."""
        target.titles = self.texts(project, "cbc:Name", collapse=True)
        target.descriptions = self.texts(project, "cbc:Description")
        target.nature = _text(project, "cbc:ProcurementTypeCode")
        target.estimated_value, target.currency = self.amount(
            project, "cac:RequestedTenderTotal/cbc:EstimatedOverallContractAmount"
        )
        target.main_cpv = _cpv(project, "cac:MainCommodityClassification")
        target.additional_cpv = _cpv_list(
            project, "cac:AdditionalCommodityClassification"
        )
        target.nuts = _unique(
            _strip(e.text)
            for e in project.iterfind(
                "cac:RealizedLocation/cac:Address/cbc:CountrySubentityCode", NS
            )
            if _strip(e.text)
        )
        if isinstance(target, Notice):
            target.internal_reference = _text(project, "cbc:ID")
        else:
            target.internal_id = _text(project, "cbc:ID")

    def changed_notice_id(self):
        """The notice a change notice changes, without its version suffix."""
        changed = _text(self.root, f"{EXT}/efac:Changes/efbc:ChangedNoticeIdentifier")
        return changed[:36] if is_uuid(changed[:36]) else changed

    def buyer(self):
        key = _text(
            self.root, "cac:ContractingParty/cac:Party/cac:PartyIdentification/cbc:ID"
        )
        return self.organisations.get(key)

    def _organisations(self):
        found = {}
        path = f"{EXT}/efac:Organizations/efac:Organization/efac:Company"
        for company in self.root.iterfind(path, NS):
            key = _text(company, "cac:PartyIdentification/cbc:ID")
            if not key or key in found:
                continue
            address = "cac:PostalAddress/"
            found[key] = Organisation(
                key=key,
                name=in_language(
                    self.texts(company, "cac:PartyName/cbc:Name", collapse=True),
                    self.language,
                ),
                company_id=_text(company, "cac:PartyLegalEntity/cbc:CompanyID"),
                country=_text(company, address + "cac:Country/cbc:IdentificationCode"),
                town=_text(company, address + "cbc:CityName"),
                postcode=_text(company, address + "cbc:PostalZone"),
                street=_text(company, address + "cbc:StreetName"),
                nuts=_text(company, address + "cbc:CountrySubentityCode"),
            )
        return found

    def lots(self):
        lots = []
        for element in self.root.iterfind("cac:ProcurementProjectLot", NS):
            identifier = _text(element, "cbc:ID")
            if not identifier.startswith("LOT-"):
                continue  # groups of lots (GLO-) and PIN parts (PAR-)
            if not LOT_ID.fullmatch(identifier):
                raise self.error(_("invalid lot identifier %r") % identifier)
            lot = Lot(identifier=identifier)
            project = element.find("cac:ProcurementProject", NS)
            if project is not None:
                self.project(lot, project)
            process = "cac:TenderingProcess/"
            lot.submission_deadline = self.deadline(
                element, process + "cac:TenderSubmissionDeadlinePeriod"
            )
            lot.participation_deadline = self.deadline(
                element, process + "cac:ParticipationRequestReceptionPeriod"
            )
            lot.questions_deadline = self.deadline(
                element, process + "cac:AdditionalInformationRequestPeriod"
            )
            lots.append(lot)
        return lots

    def results(self):
        result = self.root.find(f"{EXT}/efac:NoticeResult", NS)
        if result is None:
            return []
        tenders = self._tenders(result)
        parties = {
            _text(party, "cbc:ID"): party
            for party in result.iterfind("efac:TenderingParty", NS)
        }
        contracts = {
            _text(contract, "cbc:ID"): (
                _refs(contract, "efac:LotTender"),
                self.date(contract, "cbc:AwardDate"),
            )
            for contract in result.iterfind("efac:SettledContract", NS)
        }
        return [
            self._lot_result(element, tenders, parties, contracts)
            for element in result.iterfind("efac:LotResult", NS)
        ]

    def _tenders(self, result):
        tenders = {}
        for tender in result.iterfind("efac:LotTender", NS):
            value, currency = self.amount(
                tender, "cac:LegalMonetaryTotal/cbc:PayableAmount"
            )
            tenders[_text(tender, "cbc:ID")] = {
                "lot": _text(tender, "efac:TenderLot/cbc:ID"),
                "party": _text(tender, "efac:TenderingParty/cbc:ID"),
                "rank": _text(tender, "cbc:RankCode"),
                "value": value,
                "currency": currency,
            }
        return tenders

    def _lot_result(self, element, tenders, parties, contracts):
        lot_result = LotResult(
            identifier=_text(element, "cbc:ID"),
            lot_identifier=_text(element, "efac:TenderLot/cbc:ID"),
            status=_text(element, "cbc:TenderResultCode"),
        )
        if lot_result.status not in ("", WINNER_SELECTED):
            return lot_result
        winning = _winning_tenders(
            lot_result.lot_identifier,
            _refs(element, "efac:LotTender"),
            _refs(element, "efac:SettledContract"),
            tenders,
            contracts,
        )
        for tender_id in winning:
            tender = tenders[tender_id]
            decided_on = min(
                (
                    date
                    for refs, date in contracts.values()
                    if tender_id in refs and date is not None
                ),
                default=None,
            )
            lot_result.awards += self._awards(
                lot_result.lot_identifier, tender, parties, decided_on
            )
        return lot_result

    def _awards(self, lot_identifier, tender, parties, decided_on):
        party = parties.get(tender["party"])
        if party is None:
            return []
        members = [
            (
                self.organisations.get(_text(t, "cbc:ID")),
                _text(t, "efbc:GroupLeadIndicator"),
            )
            for t in party.iterfind("efac:Tenderer", NS)
        ]
        members = [(org, lead) for org, lead in members if org is not None]
        has_lead = any(lead == "true" for _org, lead in members)
        awards = []
        for position, (organisation, lead) in enumerate(members):
            is_lead = lead == "true" if has_lead else position == 0
            # The tender value goes to the lead only, so sums stay right.
            awards.append(
                Award(
                    lot_identifier=lot_identifier,
                    winner=organisation,
                    value=tender["value"] if is_lead else None,
                    currency=tender["currency"],
                    decided_on=decided_on,
                    lead=is_lead,
                )
            )
        return awards

    # Field readers

    def texts(self, element, path, collapse=False):
        """{language: text} of the repeated element `path`, in document order."""
        found = {}
        for child in element.iterfind(path, NS):
            text = _clean(child.text or "", collapse)
            language = (child.get("languageID") or self.language).upper()
            if text and language not in found:
                found[language] = text
        return found

    def amount(self, element, path):
        child = element.find(path, NS)
        if child is None or not _strip(child.text):
            return None, ""
        text = _strip(child.text)
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or value < 0:
            raise self.error(
                _("invalid amount %(value)r in %(field)s")
                % {"value": text, "field": _field_name(path)}
            )
        currency = (child.get("currencyID") or "").strip().upper()
        if currency and not CURRENCY.fullmatch(currency):
            raise self.error(
                _("invalid currency %(value)r in %(field)s")
                % {"value": currency, "field": _field_name(path)}
            )
        return value, currency

    def date(self, element, path):
        text = _text(element, path)
        if not text:
            return None
        return self._date(text, path)[0]

    def instant(self, element, date_path, time_path, end_of_day=False):
        """Date and time fields as one aware UTC instant, by their own UTC offsets."""
        date_text = _text(element, date_path)
        if not date_text:
            return None
        day, date_offset = self._date(date_text, date_path)
        time_text = _text(element, time_path) if time_path else ""
        if not time_text:
            moment = dt.time(0)
            offset = date_offset
            if end_of_day:
                day += dt.timedelta(days=1)
        else:
            moment, time_offset, next_day = self._time(time_text, time_path)
            offset = time_offset if time_offset is not None else date_offset
            day += dt.timedelta(days=next_day)
        if offset is None:
            raise self.error(
                _("%(field)s %(value)r has no UTC offset")
                % {
                    "field": _field_name(time_path or date_path),
                    "value": time_text or date_text,
                }
            )
        local = dt.datetime.combine(day, moment, tzinfo=dt.timezone(offset))
        return local.astimezone(dt.UTC)

    def deadline(self, element, period_path):
        # A deadline given as a day alone lasts until that day's end.
        return self.instant(
            element, f"{period_path}/cbc:EndDate", f"{period_path}/cbc:EndTime", True
        )

    def _date(self, text, path):
        match = DATE.fullmatch(text)
        try:
            if match is None:
                raise ValueError(text)
            year, month, day = (int(part) for part in match.group(1, 2, 3))
            return dt.date(year, month, day), _offset(match.group(4))
        except ValueError:
            raise self.error(
                _("invalid date %(value)r in %(field)s")
                % {"value": text, "field": _field_name(path)}
            ) from None

    def _time(self, text, path):
        """(time, UTC offset or None, 1 if the time is 24:00:00 else 0)."""
        match = TIME.fullmatch(text)
        try:
            if match is None:
                raise ValueError(text)
            hour, minute, second = (int(part) for part in match.group(1, 2, 3))
            offset = _offset(match.group(5))
            if (hour, minute, second) == (24, 0, 0):
                return dt.time(0), offset, 1
            micro = int((match.group(4) or ".0")[1:7].ljust(6, "0"))
            return dt.time(hour, minute, second, micro), offset, 0
        except ValueError:
            raise self.error(
                _("invalid time %(value)r in %(field)s")
                % {"value": text, "field": _field_name(path)}
            ) from None


def _winning_tenders(lot_identifier, tender_refs, contract_refs, tenders, contracts):
    """The tenders that won `lot_identifier`.

    eForms names winners through the lot result's contracts, then their tenders
    (those submitted for this lot). Real notices sometimes put a winning tender in
    another contract, or give the tender only: fall back on the lot result's tenders
    that some contract names, then on a single or first-ranked tender.
    """

    def for_lot(refs):
        return [
            ref
            for ref in _unique(refs)
            if ref in tenders and tenders[ref]["lot"] in (lot_identifier, "")
        ]

    in_contracts = [
        ref for c in contract_refs for ref in contracts.get(c, ((), None))[0]
    ]
    winning = for_lot(in_contracts)
    if winning:
        return winning
    candidates = for_lot(tender_refs)
    contracted = {ref for refs, _date in contracts.values() for ref in refs}
    winning = [ref for ref in candidates if ref in contracted]
    if winning:
        return winning
    if len(candidates) == 1:
        return candidates
    return [ref for ref in candidates if tenders[ref]["rank"] == "1"]


def _text(element, path):
    if path is None:
        return ""
    child = element.find(path, NS)
    return _strip(child.text) if child is not None else ""


def _strip(text):
    return (text or "").strip()


def _clean(text, collapse):
    if collapse:
        return " ".join(text.split())
    lines = [line.strip() for line in text.strip().splitlines()]
    return "\n".join(lines)


def _refs(element, path):
    return [
        _strip(e.text) for e in element.iterfind(f"{path}/cbc:ID", NS) if _strip(e.text)
    ]


def _cpv(element, path):
    for code in element.iterfind(f"{path}/cbc:ItemClassificationCode", NS):
        if code.get("listName", "cpv") == "cpv" and _strip(code.text):
            return _strip(code.text)
    return ""


def _cpv_list(element, path):
    return _unique(
        _strip(code.text)
        for code in element.iterfind(f"{path}/cbc:ItemClassificationCode", NS)
        if code.get("listName", "cpv") == "cpv" and _strip(code.text)
    )


def _unique(items):
    return list(dict.fromkeys(items))


def _offset(text):
    if text is None:
        return None
    if text == "Z":
        return dt.timedelta(0)
    hours, minutes = int(text[1:3]), int(text[4:6])
    if hours > 14 or minutes > 59:
        raise ValueError(text)
    sign = -1 if text[0] == "-" else 1
    return sign * dt.timedelta(hours=hours, minutes=minutes)


def _field_name(path):
    """The last element of an XPath, as the notice's reader knows it (cbc:EndTime)."""
    return path.rsplit("/", 1)[-1]


def is_uuid(text):
    """True when `text` is a UUID written the canonical way, as eForms identifiers are."""
    try:
        return str(uuid.UUID(text)) == text.lower()
    except ValueError:
        return False
