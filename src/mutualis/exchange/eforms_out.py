"""Write a consultation as an eForms notice (UBL 2.3, SDK 1.15).

A published consultation becomes a contract notice, an awarded one a contract award
notice. The codes are those the importer reads (exchange.eforms, exchange.codes,
exchange.importer), taken the other way round, so that an exported notice imported
again gives back the same consultation. Nothing here needs the eForms schemas: the
tests validate the output against them.
"""

import datetime as dt
import re
import uuid
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _
from lxml import etree

from mutualis.accounts.models import BuyerType
from mutualis.core.addresses import portal_url
from mutualis.core.time import now as current_time
from mutualis.core.time import to_local
from mutualis.exchange import codes
from mutualis.exchange.eforms import NS, is_uuid
from mutualis.exchange.importer import PROCEDURES
from mutualis.tenders.models import Procedure, State

SDK_VERSION = "eforms-sdk-1.15"
ROOTS = {
    "ContractNotice": "urn:oasis:names:specification:ubl:schema:xsd:ContractNotice-2",
    "ContractAwardNotice": (
        "urn:oasis:names:specification:ubl:schema:xsd:ContractAwardNotice-2"
    ),
}
GENERAL = "32014L0024"
UTILITIES = "32014L0025"
# eForms notice subtypes by (notice type, legal basis).
SUBTYPES = {
    ("cn-standard", GENERAL): "16",
    ("cn-standard", UTILITIES): "17",
    ("cn-desg", GENERAL): "23",
    ("cn-desg", UTILITIES): "24",
    ("can-standard", GENERAL): "29",
    ("can-standard", UTILITIES): "30",
    ("can-desg", GENERAL): "36",
    ("can-desg", UTILITIES): "37",
}
# The eForms procedure code of each Mutualis procedure: the importer's table read
# backwards, for the procedures that are eForms codes.
PROCEDURE_CODES = {
    procedure: code for code, procedure in PROCEDURES.items() if code == procedure
}
# TODO(eforms-adapted): an adapted procedure (below the EU thresholds) has no eForms
# code; it goes out as "other single stage" and comes back as Procedure.OTHER. It
# can go when Mutualis records the legal basis of a consultation.
PROCEDURE_CODES[Procedure.ADAPTED] = "oth-single"
# A design contest is known by its notice type; its procedure is an open contest.
PROCEDURE_CODES[Procedure.DESIGN_CONTEST] = "open"
BUYER_LEGAL_TYPES = {
    BuyerType.COMMUNE: "la",
    BuyerType.EPCI: "la",
    BuyerType.DEPARTEMENT: "la",
    BuyerType.REGION: "ra",
    BuyerType.HOSPITAL: "body-pl-la",
    BuyerType.CENTRAL_GOVERNMENT: "cga",
    BuyerType.BODY_PUBLIC_LAW: "body-pl",
    BuyerType.UTILITY: "pub-undert",
    BuyerType.OTHER: "body-pl",
}
ALPHA3 = {alpha2: alpha3 for alpha3, alpha2 in codes.ALPHA2.items()}
LANGUAGE_CODES = {iso: eforms for eforms, iso in codes.LANGUAGES.items()}
# NUTS names Greece EL where ISO names it GR.
NUTS_COUNTRIES = {"EL": "GR"}
# Characters XML 1.0 cannot carry at all; a pasted title sometimes holds one.
NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# The notices Mutualis writes are named in this namespace: changing it would give
# every notice exported before a new identifier, and TED would see new notices.
NAMESPACE = uuid.UUID("5b0f2a52-7b1c-4c59-9a54-0c0e4b8a8f11")


class NotExportable(ValueError):
    """The consultation cannot go out as the notice asked for (draft, not awarded)."""


def contract_notice(consultation):
    """The contract notice of a published consultation, as UTF-8 XML bytes."""
    if not consultation.is_public:
        raise NotExportable(
            _("Consultation %s is not public: it has no contract notice.")
            % consultation.reference
        )
    return _Writer(consultation, award=False).document()


def award_notice(consultation):
    """The contract award notice of an awarded consultation, as UTF-8 XML bytes."""
    if consultation.state != State.AWARDED:
        raise NotExportable(
            _("Consultation %s is not awarded: it has no award notice.")
            % consultation.reference
        )
    return _Writer(consultation, award=True).document()


def notice_identifier(consultation, kind):
    """The notice's UUID: the imported notice's own, else one stable per platform."""
    if kind == "cn" and is_uuid(consultation.notice_id):
        return consultation.notice_id
    name = f"{settings.MUTUALIS_BASE_URL}/consultations/{consultation.pk}/{kind}"
    return str(uuid.uuid5(NAMESPACE, name))


def procedure_identifier(consultation):
    return consultation.procedure_identifier or notice_identifier(
        consultation, "procedure"
    )


class _Writer:
    """Builds one notice; organisations get their keys (ORG-0001...) as they come."""

    def __init__(self, consultation, award):
        self.consultation = consultation
        self.award = award
        self.language = LANGUAGE_CODES.get(consultation.language, "FRA")
        self.legal_basis = (
            UTILITIES if consultation.buyer.buyer_type == BuyerType.UTILITY else GENERAL
        )
        self.organisations = {}
        self.lots = list(consultation.lots.select_related("main_cpv"))
        self.nuts = list(consultation.nuts.all())
        self.extra_cpv = list(consultation.extra_cpv.all())
        # The notice's other languages (codes.LANGUAGES knows the 24 of the EU); one
        # that the main language stands in for (an unknown code is sent as FRA) is
        # left out, as eForms gives each language once.
        self.texts = [
            (LANGUAGE_CODES[t.language], t.title, t.description)
            for t in consultation.texts.all()
            if LANGUAGE_CODES.get(t.language, self.language) != self.language
        ]

    @property
    def notice_type(self):
        design = self.consultation.procedure == Procedure.DESIGN_CONTEST
        if self.award:
            return "can-desg" if design else "can-standard"
        return "cn-desg" if design else "cn-standard"

    def document(self):
        kind = "ContractAwardNotice" if self.award else "ContractNotice"
        root = etree.Element(
            f"{{{ROOTS[kind]}}}{kind}", nsmap={None: ROOTS[kind], **NS}
        )
        awards = self.awards()
        self.extension(root, awards)
        self.header(root)
        self.contracting_party(root)
        self.procedure(root)
        for identifier, lot in self.lot_list():
            self.lot(root, identifier, lot)
        decided = [award.decided_on for award in awards if award.decided_on]
        if decided:
            day = _day(min(decided), self.consultation.time_zone)
            _sub(root, "cac:TenderResult/cbc:AwardDate", day)
        return etree.tostring(
            root, xml_declaration=True, encoding="UTF-8", pretty_print=True
        )

    def awards(self):
        """The awards, in lot order; a contract notice names no winner."""
        self.organisation(self.consultation.buyer)
        if not self.award:
            return []
        awards = list(
            self.consultation.awards.select_related("winner__nuts", "lot").order_by(
                "lot__number", "pk"
            )
        )
        for award in awards:
            self.organisation(award.winner)
        return awards

    def extension(self, root, awards):
        extension = _sub(
            root,
            "ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent/"
            "efext:EformsExtension",
        )
        if self.award:
            self.notice_result(extension, awards)
        _sub(
            extension,
            "efac:NoticeSubType/cbc:SubTypeCode",
            self.subtype(),
            listName="notice-subtype",
        )
        organizations = _sub(extension, "efac:Organizations")
        for organisation, key in self.organisations.items():
            self.company(organizations, organisation, key)

    def header(self, root):
        consultation = self.consultation
        issued = self.issued_at()
        _sub(root, "cbc:UBLVersionID", "2.3")
        _sub(root, "cbc:CustomizationID", SDK_VERSION)
        _sub(
            root,
            "cbc:ID",
            notice_identifier(consultation, "can" if self.award else "cn"),
            schemeName="notice-id",
        )
        _sub(root, "cbc:ContractFolderID", procedure_identifier(consultation))
        _sub(root, "cbc:IssueDate", _date(issued))
        _sub(root, "cbc:IssueTime", _time(issued))
        _sub(root, "cbc:VersionID", "01")
        _sub(root, "cbc:RegulatoryDomain", self.legal_basis)
        _sub(
            root,
            "cbc:NoticeTypeCode",
            self.notice_type,
            listName="result" if self.award else "competition",
        )
        _sub(root, "cbc:NoticeLanguageCode", self.language)
        for language, _title, _description in self.texts:
            _sub(root, "cac:AdditionalNoticeLanguage/cbc:ID", language)

    def procedure(self, root):
        consultation = self.consultation
        _sub(
            root,
            "cac:TenderingProcess/cbc:ProcedureCode",
            PROCEDURE_CODES.get(consultation.procedure, "oth-single"),
            listName="procurement-procedure-type",
        )
        self.project(
            _sub(root, "cac:ProcurementProject"),
            consultation.reference,
            consultation.title,
            consultation.description,
            consultation.estimated_value,
            consultation.main_cpv,
            self.extra_cpv,
            self.texts,
        )

    def subtype(self):
        return SUBTYPES[(self.notice_type, self.legal_basis)]

    def issued_at(self):
        consultation = self.consultation
        if self.award:
            instant = consultation.awarded_at or consultation.published_at
        else:
            instant = consultation.published_at
        return self.local(instant or current_time())

    def local(self, instant):
        return to_local(instant, self.consultation.time_zone).replace(microsecond=0)

    def lot_list(self):
        """(identifier, Lot or None); a consultation without lots is LOT-0001."""
        if not self.lots:
            return [("LOT-0001", None)]
        return [(_lot_identifier(lot), lot) for lot in self.lots]

    # Parties

    def organisation(self, organisation):
        if organisation not in self.organisations:
            self.organisations[organisation] = f"ORG-{len(self.organisations) + 1:04d}"
        return self.organisations[organisation]

    def company(self, parent, organisation, key):
        company = _sub(parent, "efac:Organization/efac:Company")
        _sub(company, "cac:PartyIdentification/cbc:ID", key, schemeName="organization")
        _sub(
            company,
            "cac:PartyName/cbc:Name",
            organisation.name,
            languageID=self.language,
        )
        address = _sub(company, "cac:PostalAddress")
        _optional(address, "cbc:StreetName", organisation.address)
        _optional(address, "cbc:CityName", organisation.town)
        _optional(address, "cbc:PostalZone", organisation.postcode)
        if organisation.nuts_id:
            _sub(
                address,
                "cbc:CountrySubentityCode",
                organisation.nuts.code,
                listName="nuts",
            )
        _sub(
            address,
            "cac:Country/cbc:IdentificationCode",
            ALPHA3.get(organisation.country, organisation.country),
            listName="country",
        )
        company_id = (
            organisation.siret or organisation.siren or organisation.national_id
        )
        if company_id:
            _sub(company, "cac:PartyLegalEntity/cbc:CompanyID", company_id)

    def contracting_party(self, root):
        buyer = self.consultation.buyer
        party = _sub(root, "cac:ContractingParty")
        _sub(
            party,
            "cac:ContractingPartyType/cbc:PartyTypeCode",
            BUYER_LEGAL_TYPES.get(buyer.buyer_type, "body-pl"),
            listName="buyer-legal-type",
        )
        if self.legal_basis == GENERAL:
            _sub(
                party,
                "cac:ContractingActivity/cbc:ActivityTypeCode",
                "gen-pub",
                listName="authority-activity",
            )
        _sub(
            party,
            "cac:Party/cac:PartyIdentification/cbc:ID",
            self.organisations[buyer],
            schemeName="organization",
        )

    # The object

    def project(
        self, project, reference, title, description, value, main, extra, texts=()
    ):
        """The fields a procedure and a lot share, in the schema's order; `texts`
        gives the title and description in the other languages."""
        consultation = self.consultation
        _optional(project, "cbc:ID", reference, schemeName="InternalID")
        _sub(project, "cbc:Name", title, languageID=self.language)
        for language, other_title, _description in texts:
            _sub(project, "cbc:Name", other_title, languageID=language)
        _optional(project, "cbc:Description", description, languageID=self.language)
        for language, _title, other_description in texts:
            _optional(
                project, "cbc:Description", other_description, languageID=language
            )
        _sub(
            project,
            "cbc:ProcurementTypeCode",
            consultation.nature,
            listName="contract-nature",
        )
        if value is not None:
            _sub(
                project,
                "cac:RequestedTenderTotal/cbc:EstimatedOverallContractAmount",
                f"{value:f}",
                currencyID=consultation.currency or "EUR",
            )
        if main is not None:
            _sub(
                project,
                "cac:MainCommodityClassification/cbc:ItemClassificationCode",
                main.short_code,
                listName="cpv",
            )
        for cpv in extra:
            _sub(
                project,
                "cac:AdditionalCommodityClassification/cbc:ItemClassificationCode",
                cpv.short_code,
                listName="cpv",
            )
        for nuts in self.nuts:
            address = _sub(project, "cac:RealizedLocation/cac:Address")
            _sub(address, "cbc:CountrySubentityCode", nuts.code, listName="nuts")
            _sub(
                address,
                "cac:Country/cbc:IdentificationCode",
                nuts.country or ALPHA3.get(_nuts_country(nuts.code), ""),
                listName="country",
            )

    def lot(self, root, identifier, lot):
        consultation = self.consultation
        element = _sub(root, "cac:ProcurementProjectLot")
        _sub(element, "cbc:ID", identifier, schemeName="Lot")
        if not self.award:
            self.lot_terms(element)
            self.lot_process(element)
        project = _sub(element, "cac:ProcurementProject")
        if lot is None:
            self.project(
                project,
                "1",
                consultation.title,
                consultation.description,
                consultation.estimated_value,
                consultation.main_cpv,
                [],
                self.texts,
            )
        else:
            # TODO(lot-texts): a lot's title and description exist in the main
            # language only; they go out in it alone until lots get other languages.
            self.project(
                project,
                str(lot.number),
                lot.title,
                lot.description,
                lot.estimated_value,
                lot.main_cpv or consultation.main_cpv,
                [],
            )

    def lot_terms(self, element):
        url = portal_url(self.consultation)
        terms = _sub(element, "cac:TenderingTerms")
        documents = _sub(terms, "cac:CallForTendersDocumentReference")
        _sub(documents, "cbc:ID", "DCE")
        _sub(documents, "cbc:DocumentType", "non-restricted-document")
        _sub(documents, "cac:Attachment/cac:ExternalReference/cbc:URI", url)
        recipient = _sub(terms, "cac:TenderRecipientParty")
        _sub(recipient, "cbc:EndpointID", url)
        _sub(terms, "cac:Language/cbc:ID", self.language)

    def lot_process(self, element):
        consultation = self.consultation
        process = _sub(element, "cac:TenderingProcess")
        _sub(process, "cbc:SubmissionMethodCode", "required", listName="esubmission")
        for path, instant in (
            ("cac:TenderSubmissionDeadlinePeriod", consultation.submission_deadline),
            (
                "cac:ParticipationRequestReceptionPeriod",
                consultation.participation_deadline,
            ),
            (
                "cac:AdditionalInformationRequestPeriod",
                consultation.questions_deadline,
            ),
        ):
            if instant is not None:
                local = self.local(instant)
                period = _sub(process, path)
                _sub(period, "cbc:EndDate", _date(local))
                _sub(period, "cbc:EndTime", _time(local))

    # The results

    def notice_result(self, extension, awards):
        """Lot results, tenders, contracts and tendering parties, one per award."""
        result = _sub(extension, "efac:NoticeResult")
        values = [award.value for award in awards if award.value is not None]
        if values:
            _sub(
                result,
                "cbc:TotalAmount",
                f"{sum(values):f}",
                currencyID=self._currency(awards),
            )
        numbered = list(enumerate(awards, start=1))
        for position, (identifier, _lot) in enumerate(self.lot_list(), start=1):
            won = [(n, a) for n, a in numbered if self._lot_of(a) == identifier]
            lot_result = _sub(result, "efac:LotResult")
            _sub(lot_result, "cbc:ID", f"RES-{position:04d}", schemeName="result")
            _sub(
                lot_result,
                "cbc:TenderResultCode",
                "selec-w" if won else "open-nw",
                listName="winner-selection-status",
            )
            for number, _award in won:
                _sub(
                    lot_result,
                    "efac:LotTender/cbc:ID",
                    f"TEN-{number:04d}",
                    schemeName="tender",
                )
            for number, _award in won:
                _sub(
                    lot_result,
                    "efac:SettledContract/cbc:ID",
                    f"CON-{number:04d}",
                    schemeName="contract",
                )
            _sub(lot_result, "efac:TenderLot/cbc:ID", identifier, schemeName="Lot")
        for number, award in numbered:
            tender = _sub(result, "efac:LotTender")
            _sub(tender, "cbc:ID", f"TEN-{number:04d}", schemeName="tender")
            if award.value is not None:
                _sub(
                    tender,
                    "cac:LegalMonetaryTotal/cbc:PayableAmount",
                    f"{award.value:f}",
                    currencyID=award.currency or "EUR",
                )
            _sub(
                tender,
                "efac:TenderingParty/cbc:ID",
                f"TPA-{number:04d}",
                schemeName="tendering-party",
            )
            _sub(tender, "efac:TenderLot/cbc:ID", self._lot_of(award), schemeName="Lot")
        for number, award in numbered:
            contract = _sub(result, "efac:SettledContract")
            _sub(contract, "cbc:ID", f"CON-{number:04d}", schemeName="contract")
            if award.decided_on:
                _sub(
                    contract,
                    "cbc:AwardDate",
                    _day(award.decided_on, self.consultation.time_zone),
                )
            _sub(
                contract,
                "efac:LotTender/cbc:ID",
                f"TEN-{number:04d}",
                schemeName="tender",
            )
        for number, award in numbered:
            party = _sub(result, "efac:TenderingParty")
            _sub(party, "cbc:ID", f"TPA-{number:04d}", schemeName="tendering-party")
            _sub(
                party,
                "efac:Tenderer/cbc:ID",
                self.organisations[award.winner],
                schemeName="organization",
            )

    def _lot_of(self, award):
        if award.lot is None or not self.lots:
            return self.lot_list()[0][0]
        return _lot_identifier(award.lot)

    def _currency(self, awards):
        return next((a.currency for a in awards if a.currency), "EUR")


def _lot_identifier(lot):
    return lot.identifier or f"LOT-{lot.number:04d}"


def _sub(parent, path, text=None, **attributes):
    """Append the elements of `path` to `parent`; the last one gets the text."""
    element = parent
    for step in path.split("/"):
        prefix, name = step.split(":")
        element = etree.SubElement(element, f"{{{NS[prefix]}}}{name}")
    if text is not None:
        element.text = NOT_XML.sub("", str(text))
    for name, value in attributes.items():
        element.set(name, value)
    return element


def _optional(parent, path, text, **attributes):
    if text:
        _sub(parent, path, text, **attributes)


def _offset(local):
    minutes = int(local.utcoffset().total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _date(local):
    return f"{local:%Y-%m-%d}{_offset(local)}"


def _time(local):
    return f"{local:%H:%M:%S}{_offset(local)}"


def _day(day, zone_name):
    """A day alone, with the offset it has at noon in the buyer's time zone."""
    noon = dt.datetime.combine(day, dt.time(12), tzinfo=ZoneInfo(zone_name))
    return f"{day:%Y-%m-%d}{_offset(noon)}"


def _nuts_country(code):
    country = code[:2]
    return NUTS_COUNTRIES.get(country, country)
