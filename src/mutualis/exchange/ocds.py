"""Open Contracting Data Standard 1.1.5: a release per event of a consultation.

Each consultation is one contracting process (an `ocid`). Its releases are the
tender as published, each amendment, the award and the cancellation; each release
gives the whole tender as it stood at that moment (deadlines and DCE files as the
amendments moved them). Only the core schema is used, with the Location extension
for the place of performance (NUTS in `deliveryAddress.region`, as the OCDS
guidance for EU notices does). Lots have no place in the core schema: each lot is
one item, and an award names the item of its lot.
"""

import copy
import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import translation

from mutualis.core.addresses import absolute_url as absolute
from mutualis.core.time import to_local, to_utc
from mutualis.tenders.models import (
    PUBLIC_STATES,
    Consultation,
    Nature,
    Procedure,
    State,
)

VERSION = "1.1"
LOCATION_EXTENSION = (
    "https://raw.githubusercontent.com/open-contracting-extensions/"
    "ocds_location_extension/v1.1.5/extension.json"
)
CATEGORIES = {
    Nature.WORKS: "works",
    Nature.SUPPLIES: "goods",
    Nature.SERVICES: "services",
}
METHODS = {
    Procedure.OPEN: "open",
    Procedure.ADAPTED: "open",
    Procedure.DESIGN_CONTEST: "open",
    Procedure.RESTRICTED: "selective",
    Procedure.NEGOTIATED_WITH_CALL: "selective",
    Procedure.COMPETITIVE_DIALOGUE: "selective",
    Procedure.INNOVATION_PARTNERSHIP: "selective",
    Procedure.NEGOTIATED_WITHOUT_CALL: "limited",
}
# Event kinds in the order their releases sort when they share a date.
TENDER, AMENDMENT, AWARD, CANCELLATION = 0, 1, 2, 3
KIND_NAMES = {
    TENDER: "tender",
    AMENDMENT: "amendment",
    AWARD: "award",
    CANCELLATION: "cancellation",
}
TAGS = {
    TENDER: "tender",
    AMENDMENT: "tenderAmendment",
    AWARD: "award",
    CANCELLATION: "tenderCancellation",
}


PREFETCH = [
    "amendments",
    "lots__main_cpv",
    "nuts",
    "extra_cpv",
    "documents",
    "previous_documents__superseded_by",
    "awards__winner__nuts",
    "awards__lot__main_cpv",
    "texts",
]


def by_number(row):
    return row.number


def by_name(row):
    return row.name


def with_everything(consultations):
    """`consultations` with all their releases read, in a fixed number of queries."""
    return consultations.select_related("buyer__nuts", "main_cpv").prefetch_related(
        *PREFETCH
    )


def public_consultations():
    """The consultations in the open data: the public ones, and those cancelled
    after publication (a reader who saw the tender must learn that it ended).
    Drafts, and drafts that were cancelled, never appear; nor do the calls of the
    platforms the portal follows: they are their publishers' to publish, and two
    platforms following each other would otherwise echo them back for ever."""
    return Consultation.objects.filter(
        Q(state__in=PUBLIC_STATES) | Q(state=State.CANCELLED),
        published_at__isnull=False,
        followed__isnull=True,
    )


def ocid(consultation):
    return f"{settings.MUTUALIS_OCID_PREFIX}-{consultation.pk}"


@dataclass(frozen=True)
class Event:
    """One release: `kind` of consultation `cid` at `at`; `number` counts
    amendments (1 for the other kinds)."""

    at: dt.datetime
    cid: int
    kind: int
    number: int

    @property
    def key(self):
        return (self.at, self.cid, self.kind, self.number)


def events(consultation):
    """The releases of `consultation`, oldest first."""
    found = [Event(consultation.published_at, consultation.pk, TENDER, 1)]
    for amendment in consultation.amendments.all():
        found.append(
            Event(amendment.published_at, consultation.pk, AMENDMENT, amendment.number)
        )
    if award_date(consultation):
        found.append(Event(award_date(consultation), consultation.pk, AWARD, 1))
    if consultation.state == State.CANCELLED:
        found.append(
            Event(cancellation_date(consultation), consultation.pk, CANCELLATION, 1)
        )
    return sorted(found, key=lambda event: event.key)


def award_date(consultation):
    if consultation.state != State.AWARDED:
        return None
    return consultation.awarded_at or consultation.updated_at


def cancellation_date(consultation):
    # TODO(ocds-cancel-date): tenders keeps no cancellation instant; the last change
    # of the row stands for it until a `cancelled_at` field exists.
    return consultation.updated_at


def release_id(consultation, event):
    return f"{ocid(consultation)}-{KIND_NAMES[event.kind]}-{event.number}"


def iso(consultation, instant):
    """ISO 8601 with the offset of the consultation's time zone."""
    if instant is None:
        return None
    return to_local(instant, consultation.time_zone).isoformat(timespec="seconds")


def build_release(consultation, event, context=None):
    """The OCDS release of `event`; `context` carries what several releases share."""
    context = context or Context(consultation)
    amended = context.amendments_until(event)
    release = {
        "ocid": ocid(consultation),
        "id": release_id(consultation, event),
        "date": iso(consultation, event.at),
        "tag": [TAGS[event.kind]],
        "initiationType": "tender",
        "parties": context.parties(with_suppliers=event.kind == AWARD),
        "buyer": context.buyer_reference(),
        "tender": context.tender(event, amended),
    }
    # OCDS asks for an ISO 639-1 code; a notice may have given a three-letter one.
    if len(consultation.language) == 2:
        release["language"] = consultation.language
    if event.kind == AWARD and context.award_rows():
        release["awards"] = context.awards()
    return release


def releases(consultation):
    context = Context(consultation)
    return [build_release(consultation, e, context) for e in events(consultation)]


class Context:
    """What the releases of one consultation read, fetched once."""

    def __init__(self, consultation):
        self.consultation = consultation
        # .all() everywhere, so that a prefetched page (ocds_feed) asks nothing more.
        self.amendments = sorted(consultation.amendments.all(), key=by_number)
        self.lots = sorted(consultation.lots.all(), key=by_number)
        self.nuts = sorted(code.code for code in consultation.nuts.all())
        self.documents = sorted(consultation.documents.all(), key=by_name)
        self.previous = list(consultation.previous_documents.all())
        self.texts = sorted(consultation.texts.all(), key=lambda t: t.language)

    def amendments_until(self, event):
        if event.kind == TENDER:
            return []
        if event.kind == AMENDMENT:
            return [a for a in self.amendments if a.number <= event.number]
        return self.amendments

    # Parties

    def buyer_reference(self):
        buyer = self.consultation.buyer
        return {"id": party_id(buyer), "name": buyer.name}

    def parties(self, with_suppliers=False):
        buyer = organisation(self.consultation.buyer, ["buyer", "procuringEntity"])
        found = [buyer]
        if with_suppliers:
            seen = {buyer["id"]}
            for award in self.award_rows():
                party = organisation(award.winner, ["supplier"])
                if party["id"] not in seen:
                    seen.add(party["id"])
                    found.append(party)
        return found

    # Tender

    def tender(self, event, amended):
        consultation = self.consultation
        tender = {
            "id": consultation.reference,
            "title": consultation.title,
            "status": tender_status(event.kind),
            "procuringEntity": self.buyer_reference(),
            "procurementMethodDetails": in_language(
                consultation, Procedure(consultation.procedure).label
            ),
            "mainProcurementCategory": CATEGORIES[consultation.nature],
            "items": self.items(),
        }
        if consultation.procedure in METHODS:
            tender["procurementMethod"] = METHODS[consultation.procedure]
        if consultation.description:
            tender["description"] = consultation.description
        tender.update(self.translations())
        if consultation.estimated_value is not None:
            tender["value"] = money(consultation.estimated_value, consultation.currency)
        questions, submission = deadlines(consultation, self.amendments, amended)
        if submission:
            tender["tenderPeriod"] = {
                "startDate": iso(consultation, consultation.published_at),
                "endDate": iso(consultation, submission),
            }
        if questions:
            tender["enquiryPeriod"] = {
                "startDate": iso(consultation, consultation.published_at),
                "endDate": iso(consultation, questions),
            }
        tender["documents"] = [self.notice(), *self.documents_after(len(amended))]
        if amended:
            tender["amendments"] = [self.amendment(a) for a in amended]
        return tender

    def translations(self):
        """The other languages' texts, as OCDS gives a multilingual field: its name,
        an underscore and the language code (title_it)."""
        found = {}
        for text in self.texts:
            found[f"title_{text.language}"] = text.title
            if text.description:
                found[f"description_{text.language}"] = text.description
        return found

    def items(self):
        consultation = self.consultation
        if not self.lots:
            item = {"id": "1", "description": consultation.title}
            item.update(classifications(consultation.all_cpv))
            return [self.located(item)]
        return [self.lot_item(lot) for lot in self.lots]

    def lot_item(self, lot):
        main = lot.main_cpv or self.consultation.main_cpv
        item = {"id": f"lot-{lot.number}", "description": lot_label(lot)}
        item.update(classifications([main] if main else []))
        return self.located(item)

    def located(self, item):
        if self.nuts:
            # TODO(ocds-nuts): the Location extension of OCDS 1.1 holds one address
            # per item; the other NUTS codes wait for `deliveryAddresses` (OCDS 1.2).
            item["deliveryAddress"] = {"region": self.nuts[0]}
        return item

    def amendment(self, amendment):
        consultation, number = self.consultation, amendment.number
        before = Event(None, consultation.pk, AMENDMENT, number - 1)
        if number == 1:
            before = Event(None, consultation.pk, TENDER, 1)
        return {
            "id": str(number),
            "date": iso(consultation, amendment.published_at),
            "rationale": amendment.reason,
            "description": amendment_description(amendment),
            "amendsReleaseID": release_id(consultation, before),
            "releaseID": release_id(
                consultation, Event(None, consultation.pk, AMENDMENT, number)
            ),
        }

    def notice(self):
        """The consultation's page, where bidders read, ask and answer: another
        platform's portal links to it (exchange.ocds_in)."""
        consultation = self.consultation
        path = reverse("web:consultation-detail", args=[consultation.pk])
        return {
            "id": "notice",
            "documentType": "tenderNotice",
            "title": consultation.title,
            "url": absolute(path),
            "datePublished": iso(consultation, consultation.published_at),
            "format": "text/html",
        }

    def documents_after(self, count):
        """The DCE as it stood after `count` amendments: files then current, and
        files already replaced or withdrawn, marked so (a merge keeps them)."""
        found = []
        for document in self.documents:
            if self.added_by(document) <= count:
                found.append(self.document(document, "web:document-download"))
        for previous in self.previous:
            if self.added_by(previous) > count:
                continue
            entry = self.document(previous, "web:previous-document-download")
            if previous.superseded_by.number <= count:
                entry["description"] = superseded_text(previous)
            found.append(entry)
        return found

    def added_by(self, document):
        """How many amendments were out when `document` was uploaded: the files of
        a draft count 0, a file an amendment attached counts its number."""
        return sum(1 for a in self.amendments if a.published_at <= document.uploaded_at)

    def document(self, document, url_name):
        consultation = self.consultation
        path = reverse(url_name, args=[consultation.pk, document.pk])
        entry = {
            "id": f"{document.name}#{document.sha256[:16]}",
            "documentType": "biddingDocuments",
            "title": document.name,
            "url": absolute(path),
            "datePublished": iso(
                consultation, max(document.uploaded_at, consultation.published_at)
            ),
        }
        if document.content_type:
            entry["format"] = document.content_type
        return entry

    # Awards

    def award_rows(self):
        if not hasattr(self, "_awards"):
            self._awards = list(self.consultation.awards.all())
        return self._awards

    def awards(self):
        return [self.award(row) for row in self.award_rows()]

    def award(self, row):
        # Not the row's pk: a later award notice may re-create the rows.
        lot = f"lot-{row.lot.number}-" if row.lot else ""
        award = {
            "id": f"{lot}{party_id(row.winner)}",
            "status": "active",
            "suppliers": [{"id": party_id(row.winner), "name": row.winner.name}],
        }
        if row.lot:
            award["title"] = lot_label(row.lot)
            award["items"] = [self.lot_item(row.lot)]
        if row.value is not None:
            award["value"] = money(row.value, row.currency)
        if row.decided_on:
            zone = self.consultation.time_zone
            midnight = to_utc(dt.datetime.combine(row.decided_on, dt.time()), zone)
            award["date"] = iso(self.consultation, midnight)
        return award


def in_language(consultation, text):
    """`text` in the consultation's language, which the release declares."""
    with translation.override(consultation.language or "fr"):
        return str(text)


def tender_status(kind):
    return {AWARD: "complete", CANCELLATION: "cancelled"}.get(kind, "active")


def deadlines(consultation, every, amended):
    """The deadlines for questions and for bids once `amended` (the first of
    `every` amendment) were published."""
    if every:
        questions = every[0].questions_deadline_before
        submission = every[0].submission_deadline_before
    else:
        questions = consultation.questions_deadline
        submission = consultation.submission_deadline
    for amendment in amended:
        questions = amendment.questions_deadline_after or questions
        submission = amendment.submission_deadline_after or submission
    return questions, submission


def amendment_description(amendment):
    parts = []
    for label, names in (
        ("added", amendment.documents_added),
        ("replaced", amendment.documents_replaced),
        ("withdrawn", amendment.documents_withdrawn),
    ):
        if names:
            parts.append(f"Documents {label}: {', '.join(names)}.")
    if amendment.questions_deadline_after:
        parts.append("Deadline for questions moved.")
    if amendment.submission_deadline_after:
        parts.append("Deadline for bids moved.")
    return " ".join(parts) or "Amendment."


def superseded_text(previous):
    return (
        f"Version {previous.version}, replaced or withdrawn by amendment "
        f"{previous.superseded_by.number}."
    )


def lot_label(lot):
    return f"Lot {lot.number}: {lot.title}"


def classifications(cpv_codes):
    """`classification` and `additionalClassifications` of an item, CPV scheme."""
    if not cpv_codes:
        return {}
    main, *more = [cpv_classification(code) for code in cpv_codes]
    found = {"classification": main}
    if more:
        found["additionalClassifications"] = more
    return found


def cpv_classification(code):
    return {"scheme": "CPV", "id": code.code[:8], "description": code.label("en")}


def money(amount, currency):
    # JSON numbers: OCDS `amount` is a number; two decimals survive a float.
    return {"amount": float(amount), "currency": currency}


def party_id(organisation):
    if organisation.siret:
        return f"FR-SIRET-{organisation.siret}"
    return f"mutualis-{organisation.pk}"


def organisation(org, roles):
    # OCDS 1.1 wants a country's name, where Mutualis keeps its ISO code: left out.
    party = {"id": party_id(org), "name": org.name, "roles": roles}
    if org.siret:
        party["identifier"] = {
            "scheme": "FR-SIRET",
            "id": org.siret,
            "legalName": org.name,
        }
    address = {
        key: value
        for key, value in (
            ("streetAddress", org.address),
            ("locality", org.town),
            ("postalCode", org.postcode),
            ("region", org.nuts.code if org.nuts_id else ""),
        )
        if value
    }
    if address:
        party["address"] = address
    return party


# Compiling


def compile_releases(ocds_releases):
    """The compiled release: the releases merged oldest first, by the OCDS merge
    rules for what Mutualis emits (objects merge key by key, arrays of objects
    merge by `id`, other values and arrays are replaced, null removes)."""
    ordered = sorted(ocds_releases, key=release_instant)
    compiled = {}
    for release in ordered:
        body = {k: v for k, v in release.items() if k not in ("id", "tag")}
        merge_into(compiled, body)
    last = ordered[-1]
    compiled["id"] = f"{last['ocid']}-compiled-{last['date']}"
    compiled["tag"] = ["compiled"]
    return compiled


def release_instant(release):
    return dt.datetime.fromisoformat(release["date"])


def merge_into(target, source):
    for key, value in source.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict):
            current = target.get(key)
            if not isinstance(current, dict):
                current = target[key] = {}
            merge_into(current, value)
        elif is_identified_list(value):
            target[key] = merge_by_id(target.get(key), value)
        else:
            target[key] = copy.deepcopy(value)


def is_identified_list(value):
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(item, dict) and "id" in item for item in value)
    )


def merge_by_id(current, items):
    merged = {}
    for item in current if is_identified_list(current) else []:
        merged[item["id"]] = item
    for item in items:
        entry = merged.setdefault(item["id"], {})
        merge_into(entry, item)
    return list(merged.values())


def record(consultation):
    found = releases(consultation)
    return {
        "ocid": ocid(consultation),
        "releases": found,
        "compiledRelease": compile_releases(found),
    }


# Packages


def package_metadata(uri, published):
    publisher = {"name": settings.MUTUALIS_PLATFORM_NAME}
    if settings.MUTUALIS_OCDS_PUBLISHER_SIRET:
        publisher["scheme"] = "FR-SIRET"
        publisher["uid"] = settings.MUTUALIS_OCDS_PUBLISHER_SIRET
    return {
        "uri": uri,
        "version": VERSION,
        "extensions": [LOCATION_EXTENSION],
        "publishedDate": published,
        "publisher": publisher,
        "license": settings.MUTUALIS_OCDS_LICENSE,
        "publicationPolicy": absolute(reverse("web:ocds-policy")),
    }


def release_package(ocds_releases, uri):
    """A release package of `ocds_releases` (at least one); its date is that of the
    newest release, as the standard asks of packages built on demand."""
    published = max(ocds_releases, key=release_instant)["date"]
    return {**package_metadata(uri, published), "releases": ocds_releases}


def record_package(records, uri):
    published = max((r["compiledRelease"] for r in records), key=release_instant)
    published = published["date"]
    return {**package_metadata(uri, published), "records": records}
