"""Import eForms notices: the buyer, the consultation, its lots and codes, the awards.

A contract notice creates or updates a published consultation; a contract award
notice finds the consultation of its procedure (or creates it from its own data),
closes it and records the winners. Each notice is imported whole in one
transaction, or refused with a NoticeError naming the file and the reason.
"""

import hashlib
import logging
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import reduce
from operator import or_
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, TextChoices
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from mutualis.accounts import identifiers
from mutualis.accounts.access import is_operator
from mutualis.accounts.models import Organisation, OrganisationKind
from mutualis.core.journal import record
from mutualis.core.time import DEFAULT_TIME_ZONE, now
from mutualis.exchange import codes, eforms
from mutualis.exchange.eforms import NoticeError
from mutualis.exchange.models import ImportedNotice
from mutualis.referential.models import CpvCode, NutsCode
from mutualis.tenders import search_index
from mutualis.tenders.models import (
    Award,
    Consultation,
    InvalidTransition,
    Language,
    Lot,
    Nature,
    Procedure,
    State,
)

logger = logging.getLogger(__name__)

SHIPPED_DIR = Path(__file__).resolve().parent / "data" / "ted"

CONTRACT_NOTICES = {"cn-standard", "cn-social", "cn-desg"}
AWARD_NOTICES = {"can-standard", "can-social", "can-desg"}
REFUSED_TYPES = {
    "veat": gettext_lazy(
        "voluntary ex-ante transparency notices (veat) are not imported"
    ),
    "can-modif": gettext_lazy(
        "contract modification notices (can-modif) are not imported"
    ),
    "can-tran": gettext_lazy(
        "public passenger transport notices (can-tran) are not imported"
    ),
    "qu-sy": gettext_lazy("qualification system notices (qu-sy) are not imported"),
}
# eForms procurement-procedure-type codes; the tenders Procedure values are eForms
# codes, except that "other multiple stage" has no value of its own.
PROCEDURES = {choice.value: choice for choice in Procedure} | {
    "oth-mult": Procedure.OTHER
}
# A design contest is its own procedure here, whatever its stages.
DESIGN_CONTEST = "cn-desg"
NO_ID = {"", "not available", "n/a", "na", "-", "none"}
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("1e14")


class Status(TextChoices):
    IMPORTED = "imported", pgettext_lazy("notice import", "imported")
    UPDATED = "updated", pgettext_lazy("notice import", "updated")
    UNCHANGED = "unchanged", pgettext_lazy("notice import", "unchanged")
    REFUSED = "refused", pgettext_lazy("notice import", "refused")


@dataclass
class ImportResult:
    """What happened to one file; `reason` says why it was refused."""

    filename: str
    status: str
    consultation: Consultation | None = None
    notice_type: str = ""
    reason: str = ""
    warnings: list = field(default_factory=list)


def shipped_notices():
    """The real TED notices shipped with Mutualis, for the demo and the tests."""
    return sorted(SHIPPED_DIR.glob("*.xml"))


def import_notices(paths, actor=None):
    """Import each file in its own transaction; one ImportResult per file."""
    results = []
    for path in paths:
        try:
            results.append(import_notice(path, actor=actor))
        except NoticeError as error:
            results.append(
                ImportResult(
                    filename=error.filename,
                    status=Status.REFUSED,
                    reason=error.reason,
                )
            )
    return results


def import_notice(path_or_bytes, filename=None, actor=None):
    """Import one notice (a path, or bytes with their file name); raise NoticeError.

    Nothing of the notice is written when it is refused. `actor`, when given, must
    be a member of the platform operator's team.
    """
    if actor is not None and not is_operator(actor):
        raise PermissionDenied(_("Only the platform operator imports notices."))
    data, filename = eforms.read_bytes(path_or_bytes, filename)
    notice = eforms.parse_notice(data, filename)
    check_importable(notice)
    try:
        with transaction.atomic(), search_index.batched():
            return _Import(notice, data, actor).run()
    except IntegrityError as error:
        logger.warning("notice import conflict file=%s", notice.filename)
        raise NoticeError(
            notice.filename,
            _("it conflicts with data already stored (%s)") % error,
        ) from error


def check_importable(notice):
    """Refuse notice types that are not imported and notices lacking a vital field."""
    reason = _refusal(notice.notice_type)
    if reason:
        raise NoticeError(notice.filename, reason)
    required = [
        (notice.notice_id, _("notice identifier (cbc:ID)")),
        (notice.language, _("notice language (cbc:NoticeLanguageCode)")),
        (notice.procedure_identifier, _("procedure identifier (cbc:ContractFolderID)")),
        (notice.buyer and notice.buyer.name, _("buyer (cac:ContractingParty)")),
        (notice.title, _("title (cac:ProcurementProject/cbc:Name)")),
        (_nature_code(notice), _("contract nature (cbc:ProcurementTypeCode)")),
        (notice.procedure_code, _("procedure (cbc:ProcedureCode)")),
    ]
    for value, name in required:
        if not value:
            raise NoticeError(notice.filename, _('missing mandatory field "%s"') % name)
    if not eforms.is_uuid(notice.notice_id):
        raise NoticeError(
            notice.filename,
            _('the notice identifier "%s" is not a UUID') % notice.notice_id,
        )
    if len(notice.procedure_identifier) > 64:
        raise NoticeError(
            notice.filename,
            _("the procedure identifier is longer than 64 characters"),
        )


def _refusal(notice_type):
    if notice_type in CONTRACT_NOTICES | AWARD_NOTICES:
        return ""
    if not notice_type:
        return _('missing mandatory field "%s"') % _("notice type (cbc:NoticeTypeCode)")
    if notice_type.startswith("pin-"):
        return (
            _(
                "prior information notices (%s) are not imported: they announce "
                "a procedure, they do not open one"
            )
            % notice_type
        )
    if notice_type in REFUSED_TYPES:
        return str(REFUSED_TYPES[notice_type])
    return _("unsupported notice type %s") % notice_type


def _nature_code(notice):
    return notice.nature or next((lot.nature for lot in notice.lots if lot.nature), "")


class _Import:
    """One notice going into the database, inside the caller's transaction."""

    def __init__(self, notice, data, actor):
        self.notice = notice
        self.sha256 = hashlib.sha256(data).hexdigest()
        self.actor = actor
        self.changes = []
        self.warnings = []
        self.at = now()

    def error(self, reason):
        return NoticeError(self.notice.filename, reason)

    def run(self):
        notice = self.notice
        self.cpv = self._cpv_codes()
        self.nuts = self._nuts_codes()
        buyer = self.organisation(notice.buyer, OrganisationKind.BUYER)
        existing = self._register_entry()
        consultation = self._find_consultation(existing)
        created = consultation is None
        if created:
            consultation = self._create_consultation(buyer)
            self._move(consultation, State.PUBLISHED)
        elif self._is_latest_contract_notice(consultation):
            self._update_consultation(consultation)
        elif notice.notice_type in CONTRACT_NOTICES:
            self.warnings.append(
                _("a later notice of this procedure is already imported; its data stay")
            )
        self._sync_lots(consultation, created)
        if notice.notice_type in AWARD_NOTICES:
            self._award(consultation)
        elif consultation.state == State.DRAFT:
            self._move(consultation, State.PUBLISHED)
        self._register(consultation, existing)
        status = self._status(created, existing)
        if status != Status.UNCHANGED:
            self._journal(consultation, status)
        return ImportResult(
            filename=notice.filename,
            status=status,
            consultation=consultation,
            notice_type=notice.notice_type,
            warnings=self.warnings,
        )

    def _status(self, created, existing):
        if created or existing is None:
            return Status.IMPORTED
        return Status.UPDATED if self.changes else Status.UNCHANGED

    def _journal(self, consultation, status):
        notice = self.notice
        record(
            f"exchange.notice.{status}",
            actor=self.actor,
            obj=consultation,
            at=self.at,
            notice_id=notice.notice_id,
            notice_type=notice.notice_type,
            publication_id=notice.publication_id,
            file=notice.filename,
            sha256=self.sha256,
            changes=sorted(set(self.changes)),
        )

    # Reference codes

    def _cpv_codes(self):
        """{code as in the notice: CpvCode}; an unknown code refuses the notice."""
        given = self.notice.all_cpv
        if not given:
            return {}
        query = reduce(or_, (Q(code__startswith=f"{code[:8]}-") for code in given))
        by_short = {cpv.short_code: cpv for cpv in CpvCode.objects.filter(query)}
        found = {}
        for code in given:
            cpv = by_short.get(code[:8])
            if cpv is None or len(code) not in (8, 10) or not code[:8].isdigit():
                raise self.error(_('unknown CPV code "%s"') % code)
            found[code] = cpv
        return found

    def _nuts_codes(self):
        """{code: NutsCode} for the NUTS codes Mutualis knows; the others are noted."""
        given = set(self.notice.all_nuts)
        if self.notice.buyer and self.notice.buyer.nuts:
            given.add(self.notice.buyer.nuts)
        found = NutsCode.objects.in_bulk(list(given), field_name="code")
        for code in sorted(given - found.keys()):
            self.warnings.append(
                _('NUTS code "%s" is not known; it is left out') % code
            )
        return found

    # Organisations

    def organisation(self, party, kind):
        """The Organisation for `party`, found by its identifiers or created."""
        country = party.country_code
        values = self._organisation_values(party, kind, country)
        organisation = self._find_organisation(values, kind, country)
        if organisation is None:
            organisation = Organisation.objects.create(**values)
            self.changes.append(f"organisation:{organisation.pk}")
            return organisation
        # A known organisation keeps what the platform holds; blanks are filled in.
        blanks = {
            name: value
            for name, value in values.items()
            if value
            and getattr(organisation, name) in ("", None)
            and name not in ("siret", "siren", "national_id")
        }
        if blanks:
            for name, value in blanks.items():
                setattr(organisation, name, value)
            organisation.save(update_fields=list(blanks))
            self.changes.append(f"organisation:{organisation.pk}")
        return organisation

    def _organisation_values(self, party, kind, country):
        siret, siren, national_id = _company_ids(party.company_id, country)
        nuts = self.nuts.get(party.nuts)
        return {
            "kind": kind,
            "name": _fit(party.name, 300),
            "country": country,
            "siret": siret,
            "siren": siren,
            "national_id": national_id,
            "address": _fit(party.street, 300),
            "postcode": party.postcode[:16],
            "town": _fit(party.town, 200),
            "nuts_id": nuts.pk if nuts else None,
            "time_zone": codes.TIME_ZONES.get(country, DEFAULT_TIME_ZONE),
        }

    def _find_organisation(self, values, kind, country):
        if values["siret"]:
            # A SIRET names one establishment, whatever its kind.
            found = Organisation.objects.filter(siret=values["siret"]).first()
            if found:
                return found
        candidates = Organisation.objects.filter(kind=kind, country=country)
        if values["siren"] and not values["siret"]:
            found = candidates.filter(siren=values["siren"]).order_by("pk").first()
            if found:
                return found
        if values["national_id"]:
            found = candidates.filter(national_id=values["national_id"]).first()
            if found:
                return found
        return candidates.filter(name=values["name"]).order_by("pk").first()

    # The consultation

    def _register_entry(self):
        return (
            ImportedNotice.objects.select_related("consultation")
            .filter(notice_id=self.notice.notice_id)
            .first()
        )

    def _find_consultation(self, existing):
        """The consultation this notice belongs to, locked, if Mutualis has it."""
        found = self._known_consultation(existing)
        if found is None:
            return None
        # A buyer's action may be moving the same consultation right now.
        return Consultation.objects.select_for_update().get(pk=found.pk)

    def _known_consultation(self, existing):
        notice = self.notice
        if existing is not None:
            return existing.consultation
        if notice.changed_notice_id:
            changed = ImportedNotice.objects.filter(notice_id=notice.changed_notice_id)
            if changed.exists():
                return changed.first().consultation
        keys = [key for key in (notice.notice_id, notice.changed_notice_id) if key]
        return (
            Consultation.objects.filter(notice_id__in=keys).first()
            or Consultation.objects.filter(
                procedure_identifier=notice.procedure_identifier
            )
            .order_by("pk")
            .first()
        )

    def _create_consultation(self, buyer):
        notice = self.notice
        values = self._consultation_values(buyer)
        consultation = Consultation(
            buyer=buyer,
            state=State.DRAFT,
            # The consultation is known by its contract notice; a change notice
            # coming first stands in for the notice it changes.
            notice_id=notice.changed_notice_id or notice.notice_id,
            **values,
        )
        consultation.reference = self._free_reference(consultation)
        consultation.save()
        self._set_codes(consultation)
        self._sync_texts(consultation)
        self.changes.append("consultation")
        return consultation

    def _update_consultation(self, consultation):
        values = self._consultation_values(consultation.buyer)
        if (
            self.notice.notice_type in CONTRACT_NOTICES
            and not self.notice.changed_notice_id
        ):
            values["notice_id"] = self.notice.notice_id
        changed = [
            name
            for name, value in values.items()
            if getattr(consultation, name) != value
        ]
        for name in changed:
            setattr(consultation, name, values[name])
        if changed:
            consultation.save(update_fields=[*changed, "updated_at"])
            self.changes += changed
        self._set_codes(consultation)
        self._sync_texts(consultation)

    def _sync_texts(self, consultation):
        """The title and description in the notice's other languages, as it gives
        them: a language the notice no longer has goes."""
        wanted = {}
        for code, title in self.notice.titles.items():
            language = codes.language(code)
            if language in Language.values and language != consultation.language:
                description = self.notice.descriptions.get(code, "")
                wanted[language] = {
                    "title": _fit(title, 500),
                    "description": description,
                }
        existing = {text.language: text for text in consultation.texts.all()}
        for language, row in existing.items():
            if language not in wanted:
                row.delete()
                self.changes.append(f"text:{language}")
        for language, values in wanted.items():
            row = existing.get(language)
            if row is None:
                consultation.texts.create(language=language, **values)
                self.changes.append(f"text:{language}")
            else:
                self._update_row(row, values, f"text:{language}")

    def _is_latest_contract_notice(self, consultation):
        """Whether this notice's data should replace what the consultation holds."""
        notice = self.notice
        if notice.notice_type not in CONTRACT_NOTICES:
            # An award notice fills in a consultation it creates, nothing more.
            return False
        others = ImportedNotice.objects.filter(
            consultation=consultation, notice_type__in=CONTRACT_NOTICES
        ).exclude(notice_id=notice.notice_id)
        latest = max(
            (other.issued_at for other in others if other.issued_at), default=None
        )
        return latest is None or notice.issued_at is None or notice.issued_at >= latest

    def _consultation_values(self, buyer):
        notice = self.notice
        lots = notice.lots
        single = lots[0] if len(lots) == 1 else None
        value, currency = notice.estimated_value, notice.currency
        if value is None and single is not None:
            value, currency = single.estimated_value, single.currency
        main = notice.main_cpv or next(
            (lot.main_cpv for lot in lots if lot.main_cpv), ""
        )
        values = {
            "title": _fit(notice.title, 500),
            "description": notice.description,
            "language": notice.language_code or notice.language.lower()[:3],
            "nature": self._nature(),
            "procedure": self._procedure(),
            "estimated_value": self._amount(value),
            "currency": currency or "EUR",
            "main_cpv_id": self.cpv[main].pk if main else None,
            "time_zone": buyer.time_zone or DEFAULT_TIME_ZONE,
            "questions_deadline": notice.questions_deadline,
            "submission_deadline": notice.submission_deadline,
            "participation_deadline": notice.participation_deadline,
            "procedure_identifier": notice.procedure_identifier,
            "notice_publication_id": notice.publication_id[:32],
        }
        if notice.notice_type in CONTRACT_NOTICES and not notice.changed_notice_id:
            values["published_at"] = notice.published_at or notice.issued_at
        return values

    def _set_codes(self, consultation):
        notice = self.notice
        main_id = consultation.main_cpv_id
        extra = {cpv.pk for cpv in self.cpv.values()} - {main_id}
        nuts = {self.nuts[code].pk for code in notice.all_nuts if code in self.nuts}
        if set(consultation.extra_cpv.values_list("pk", flat=True)) != extra:
            consultation.extra_cpv.set(extra)
            self.changes.append("extra_cpv")
        if set(consultation.nuts.values_list("pk", flat=True)) != nuts:
            consultation.nuts.set(nuts)
            self.changes.append("nuts")

    def _free_reference(self, consultation):
        """The buyer's own reference, unless another of its procedures holds it."""
        reference = self.notice.internal_reference
        taken = Consultation.objects.filter(
            buyer=consultation.buyer, reference=reference
        ).exists()
        if not reference or len(reference) > 100 or taken:
            return self.notice.procedure_identifier
        return reference

    def _nature(self):
        code = _nature_code(self.notice)
        if code not in Nature.values:
            raise self.error(_('unknown contract nature "%s"') % code)
        return code

    def _procedure(self):
        if self.notice.notice_type == DESIGN_CONTEST:
            return Procedure.DESIGN_CONTEST
        code = self.notice.procedure_code
        if code not in PROCEDURES:
            raise self.error(_('unknown procedure "%s"') % code)
        return PROCEDURES[code]

    def _amount(self, value):
        if value is None:
            return None
        if value >= MAX_AMOUNT:
            raise self.error(_("the amount %s is too large") % value)
        return value.quantize(CENT, rounding=ROUND_HALF_UP)

    # Lots

    def _sync_lots(self, consultation, created):
        """Add the notice's lots; the latest contract notice also updates them.

        A procedure in one lot has no Lot rows: the consultation is the lot.
        """
        lots = self.notice.lots
        existing = {lot.identifier: lot for lot in consultation.lots.all()}
        if len(lots) < 2 and not existing:
            return
        update = created or self._is_latest_contract_notice(consultation)
        numbers = {lot.number for lot in existing.values()}
        for position, lot in enumerate(lots, start=1):
            row = existing.get(lot.identifier)
            values = self._lot_values(lot, position)
            if row is None:
                if values["number"] in numbers:
                    values["number"] = max(numbers) + 1
                row = Lot.objects.create(
                    consultation=consultation, identifier=lot.identifier, **values
                )
                numbers.add(row.number)
                self.changes.append(f"lot:{lot.identifier}")
            elif update:
                values.pop("number")
                self._update_row(row, values, f"lot:{lot.identifier}")

    def _lot_values(self, lot, position):
        number = lot.number if lot.number is not None else position
        title = eforms.in_language(lot.titles, self.notice.language)
        return {
            "number": number,
            "title": _fit(title or _("Lot %s") % number, 500),
            "description": eforms.in_language(lot.descriptions, self.notice.language),
            "estimated_value": self._amount(lot.estimated_value),
            "main_cpv_id": self.cpv[lot.main_cpv].pk if lot.main_cpv else None,
        }

    def _update_row(self, row, values, label):
        changed = [
            name for name, value in values.items() if getattr(row, name) != value
        ]
        for name in changed:
            setattr(row, name, values[name])
        if changed:
            row.save(update_fields=changed)
            self.changes.append(label)

    # Awards

    def _award(self, consultation):
        results = self.notice.results
        if any(result.awards for result in results):
            self._sync_awards(consultation)
            if consultation.state != State.AWARDED:
                self._move(consultation, State.AWARDED)
        elif results and all(r.status == eforms.NO_WINNER for r in results):
            # Every lot closed without a winner: the procedure ended unsuccessful.
            if consultation.state not in (State.CANCELLED, State.AWARDED):
                self._move(consultation, State.CANCELLED)
            self.warnings.append(_("no lot was awarded"))

    def _sync_awards(self, consultation):
        """Make the consultation's awards for the notice's lots those of the notice."""
        lots = {lot.identifier: lot for lot in consultation.lots.all()}
        covered = set()
        for result in self.notice.results:
            lot = lots.get(result.lot_identifier)
            covered.add(lot.pk if lot else None)
        wanted = {}
        for result in self.notice.results:
            for award in result.awards:
                lot = lots.get(award.lot_identifier)
                winner = self.organisation(award.winner, OrganisationKind.BUSINESS)
                wanted[(lot.pk if lot else None, winner.pk)] = {
                    "value": self._amount(award.value),
                    "currency": award.currency or consultation.currency,
                    "decided_on": award.decided_on,
                }
        current = {
            (award.lot_id, award.winner_id): award
            for award in consultation.awards.all()
            if award.lot_id in covered
        }
        for key, values in wanted.items():
            award = current.pop(key, None)
            if award is None:
                Award.objects.create(
                    consultation=consultation, lot_id=key[0], winner_id=key[1], **values
                )
                self.changes.append("awards")
            else:
                self._update_row(award, values, "awards")
        for award in current.values():
            award.delete()
            self.changes.append("awards")

    def _move(self, consultation, state):
        before = consultation.state
        try:
            consultation.move_to(state)
        except InvalidTransition as error:
            raise self.error(str(error)) from error
        instant = self.notice.published_at or self.notice.issued_at or self.at
        fields = ["state", "updated_at"]
        if state == State.PUBLISHED and consultation.published_at is None:
            consultation.published_at = instant
            fields.append("published_at")
        if state == State.AWARDED and consultation.awarded_at is None:
            consultation.awarded_at = instant
            fields.append("awarded_at")
        if state == State.AWARDED and consultation.published_at is None:
            consultation.published_at = instant
            fields.append("published_at")
        consultation.save(update_fields=fields)
        self.changes.append(f"state:{before}->{state}")

    # The register

    def _register(self, consultation, existing):
        notice = self.notice
        values = {
            "version": notice.version[:8],
            "notice_type": notice.notice_type,
            "subtype": notice.subtype[:8],
            "publication_id": notice.publication_id[:32],
            "changes_notice_id": notice.changed_notice_id[:64],
            "issued_at": notice.issued_at,
            "published_at": notice.published_at,
            "consultation": consultation,
            "titles": notice.titles,
            "descriptions": notice.descriptions,
        }
        if existing is None:
            ImportedNotice.objects.create(
                notice_id=notice.notice_id,
                filename=_fit(notice.filename, 255),
                sha256=self.sha256,
                imported_at=self.at,
                updated_at=self.at,
                **values,
            )
            return
        changed = [
            name for name, value in values.items() if getattr(existing, name) != value
        ]
        if changed or self.changes:
            for name in changed:
                setattr(existing, name, values[name])
            existing.filename = _fit(notice.filename, 255)
            existing.sha256 = self.sha256
            existing.updated_at = self.at
            existing.save()
            self.changes += [f"register:{name}" for name in changed]


def _company_ids(company_id, country):
    """(SIRET, SIREN, national identifier) from the notice's company identifier."""
    given = " ".join((company_id or "").split())
    if given.lower() in NO_ID:
        return "", "", ""
    if country == "FR":
        for validate, is_siret in (
            (identifiers.validate_siret, True),
            (identifiers.validate_siren, False),
        ):
            try:
                number = validate(given)
            except ValidationError:
                continue
            return (number, number[:9], "") if is_siret else ("", number, "")
    return "", "", given[:64]


def _fit(text, length):
    """`text` cut to `length` characters, with an ellipsis when it was longer."""
    text = text or ""
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
