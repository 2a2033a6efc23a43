"""The platform's trust store: imported trusted lists and accepted authorities.

Imports verify every list first and write them all in one transaction, or none.
current_anchors() builds the Anchors validators take from what is stored, and
keeps it for the process until a list or an authority changes.
"""

import logging
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pyhanko.sign.validation.qualified import eutl_parse
from pyhanko.sign.validation.qualified.tsp import TSPRegistry

from mutualis.core.journal import record
from mutualis.core.time import now
from mutualis.trust import lists
from mutualis.trust.anchors import Anchors
from mutualis.trust.lists import TrustedListError
from mutualis.trust.models import LOTL_TERRITORY, AcceptedAuthority, TrustedList

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Document:
    """A trusted list to import: its bytes, a name for messages, where it came from."""

    name: str
    data: bytes
    location: str = ""


@dataclass(frozen=True)
class Outcome:
    """What an import did with one list: imported, or left as it was and why."""

    file_name: str
    territory: str
    sequence: int
    trusted_list: TrustedList | None = None
    skipped: str = ""

    @property
    def imported(self):
        return self.trusted_list is not None


# --- Import -----------------------------------------------------------------


def documents_from_paths(paths):
    """The XML files named, folders giving their *.xml files, as Documents."""
    files = []
    for path in map(Path, paths):
        if path.is_dir():
            files.extend(sorted(path.glob("*.xml")))
        else:
            files.append(path)
    documents = []
    for file in files:
        try:
            documents.append(Document(file.name, file.read_bytes()))
        except OSError as error:
            raise TrustedListError(file.name, error.strerror or str(error)) from error
    return documents


def import_trusted_lists(documents, *, lotl_signers=None, actor=None):
    """Verify `documents` (LOTLs and national lists) and store them, all or none.

    The national lists are checked against the newest LOTL, of this import or
    stored. Raises TrustedListError, naming the file, for the first that fails.
    """
    headers = [(doc, lists.read_header(doc.data, doc.name)) for doc in documents]
    lotls = [
        lists.verify_lotl(doc.data, doc.name, lotl_signers, location=doc.location)
        for doc, header in sorted(headers, key=lambda item: item[1].sequence)
        if header.is_lotl
    ]
    nationals = [(doc, header) for doc, header in headers if not header.is_lotl]
    verified = list(lotls)
    if nationals:
        references = lists.lotl_references(_newest_lotl_xml(lotls, nationals[0][0]))
        for doc, _header in sorted(
            nationals, key=lambda item: (item[1].territory, item[1].sequence)
        ):
            verified.append(
                lists.verify_national(
                    doc.data, doc.name, references, location=doc.location
                )
            )
    with transaction.atomic():
        outcomes = [_store(entry, actor) for entry in verified]
        transaction.on_commit(invalidate)
    return outcomes


def _newest_lotl_xml(lotls, first_national):
    stored = current_lists().filter(territory=LOTL_TERRITORY).first()
    newest = max(lotls, key=lambda entry: entry.header.sequence, default=None)
    if newest is not None and (
        stored is None or newest.header.sequence >= stored.sequence
    ):
        return newest.signed_xml
    if stored is None:
        raise TrustedListError(
            first_national.name,
            _(
                "No EU list of trusted lists is imported yet: import it first, or "
                "with this list."
            ),
        )
    return signed_content(stored)


def _store(entry, actor):
    header = entry.header
    outcome = {
        "file_name": entry.file_name,
        "territory": header.territory,
        "sequence": header.sequence,
    }
    held = TrustedList.objects.filter(territory=header.territory).aggregate(
        newest=Max("sequence")
    )["newest"]
    if TrustedList.objects.filter(sha256=entry.sha256).exists():
        return Outcome(**outcome, skipped=_("already imported"))
    if held is not None and header.sequence < held:
        return Outcome(
            **outcome,
            skipped=_("older than sequence %(held)s, already imported")
            % {"held": held},
        )
    if header.issued_at is None:
        raise TrustedListError(entry.file_name, _("It gives no issue date."))
    trusted_list = TrustedList(
        territory=header.territory,
        sequence=header.sequence,
        issued_at=header.issued_at,
        next_update=header.next_update,
        sha256=entry.sha256,
        xml=entry.data,
        file_name=entry.file_name,
        location=entry.location,
        imported_at=now(),
        signer_der=entry.signer.dump(),
        signer_subject=entry.signer.subject.human_friendly,
        signer_sha256=entry.signer.sha256.hex(),
    )
    try:
        with transaction.atomic():
            trusted_list.save()
    except IntegrityError as error:
        raise TrustedListError(
            entry.file_name,
            _(
                "Sequence %(sequence)s of %(territory)s is already imported with "
                "other content."
            )
            % {"sequence": header.sequence, "territory": header.territory},
        ) from error
    record(
        "trust.list-imported",
        actor=actor,
        obj=trusted_list,
        territory=trusted_list.territory,
        sequence=trusted_list.sequence,
        sha256=trusted_list.sha256,
        file=trusted_list.file_name,
        signer=trusted_list.signer_sha256,
    )
    return Outcome(**outcome, trusted_list=trusted_list)


def current_lists():
    """The list in force for each territory: its newest sequence imported."""
    newest = TrustedList.objects.values("territory").annotate(newest=Max("sequence"))
    wanted = Q(pk__in=[])
    for row in newest:
        wanted |= Q(territory=row["territory"], sequence=row["newest"])
    return TrustedList.objects.filter(wanted).defer("xml").order_by("territory")


def signed_content(trusted_list):
    """The signed content of a stored list, verified again with its recorded signer.

    The signer must have been valid when the list was imported, not now: a list
    stays usable after its signer's certificate expires.
    """
    signer = asn1_x509.Certificate.load(bytes(trusted_list.signer_der))
    data = bytes(
        TrustedList.objects.values_list("xml", flat=True).get(pk=trusted_list.pk)
    )
    signed, _signer = lists.verify_signature(
        data, trusted_list.file_name, [signer], at=trusted_list.imported_at
    )
    return signed


# --- Refresh from the official addresses ------------------------------------

MAX_LIST_SIZE = 32 * 1024 * 1024


def fetch(url, timeout=30):
    """The bytes at `url` (http or https only), at most MAX_LIST_SIZE of them."""
    if not url.startswith(("https://", "http://")):
        raise TrustedListError(url, _("Only http and https addresses are fetched."))
    # Only http(s), checked above.
    request = urllib.request.Request(url, headers={"User-Agent": "Mutualis"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            data = response.read(MAX_LIST_SIZE + 1)
    except OSError as error:
        raise TrustedListError(url, str(getattr(error, "reason", error))) from error
    if len(data) > MAX_LIST_SIZE:
        raise TrustedListError(url, _("The list is larger than allowed."))
    return data


def refresh_trusted_lists(url, *, lotl_signers=None, actor=None, on_failure=None):
    """Fetch the LOTL at `url` and the national lists it points to, then import.

    A national list that cannot be fetched is reported to `on_failure` and left
    as stored; one that does not verify refuses the whole import.
    """
    lotl = Document(url.rsplit("/", 1)[-1] or url, fetch(url), url)
    verified = lists.verify_lotl(lotl.data, lotl.name, lotl_signers, location=url)
    documents = [lotl]
    for territory, references in sorted(
        lists.lotl_references(verified.signed_xml).items()
    ):
        reference = references[0]
        try:
            data = fetch(reference.location_uri)
        except TrustedListError as error:
            if on_failure:
                on_failure(territory, error)
            continue
        name = reference.location_uri.rsplit("/", 1)[-1] or territory
        documents.append(Document(name, data, reference.location_uri))
    return import_trusted_lists(documents, lotl_signers=lotl_signers, actor=actor)


# --- Accepted authorities ---------------------------------------------------


def load_certificate(data):
    """An asn1crypto Certificate from PEM or DER bytes; ValidationError if neither."""
    try:
        if pem.detect(data):
            _type, _headers, data = pem.unarmor(data)
        certificate = asn1_x509.Certificate.load(data)
        certificate.native  # noqa: B018 (parses the whole structure now)
    except (ValueError, TypeError) as error:
        raise ValidationError(
            _("This file is not a certificate in PEM or DER form.")
        ) from error
    return certificate


def accept_authority(user, data, note):
    """Add the CA certificate in `data` (PEM or DER) to the accepted authorities."""
    certificate = load_certificate(data)
    if not certificate.ca:
        raise ValidationError(
            _("This certificate is not a certification authority's (no CA flag).")
        )
    fingerprint = certificate.sha256.hex()
    if AcceptedAuthority.objects.active().filter(sha256=fingerprint).exists():
        raise ValidationError(_("This authority is already accepted."))
    with transaction.atomic():
        authority = AcceptedAuthority.objects.create(
            certificate_der=certificate.dump(),
            subject=certificate.subject.human_friendly[:500],
            sha256=fingerprint,
            note=note,
            added_by=user,
            added_at=now(),
        )
        record(
            "trust.authority-accepted",
            actor=user,
            obj=authority,
            sha256=fingerprint,
            subject=authority.subject,
            note=note,
        )
        transaction.on_commit(invalidate)
    return authority


def withdraw_authority(user, authority):
    """Stop accepting `authority`; it stays listed with the time it was withdrawn."""
    if authority.withdrawn_at is not None:
        raise ValidationError(_("This authority was already withdrawn."))
    with transaction.atomic():
        authority.withdrawn_at = now()
        authority.save(update_fields=["withdrawn_at"])
        record(
            "trust.authority-withdrawn",
            actor=user,
            obj=authority,
            sha256=authority.sha256,
            subject=authority.subject,
        )
        transaction.on_commit(invalidate)
    return authority


# --- Anchors ----------------------------------------------------------------

_cache_lock = threading.Lock()
_cache = {"generation": None, "anchors": None}


def invalidate():
    with _cache_lock:
        _cache["generation"] = _cache["anchors"] = None


def _generation():
    """What changes whenever a list is imported or an authority added or withdrawn.

    Another process's change shows here too, so its cache is rebuilt as well.
    Fingerprints, not only keys: a key may be given again after a rollback.
    """
    return (
        tuple(TrustedList.objects.order_by("pk").values_list("pk", "sha256")),
        tuple(
            AcceptedAuthority.objects.order_by("pk").values_list(
                "pk", "sha256", "withdrawn_at"
            )
        ),
    )


def current_anchors():
    """The trust anchors of the platform, from what the store holds now."""
    generation = _generation()
    with _cache_lock:
        if _cache["generation"] == generation:
            return _cache["anchors"]
    anchors = build_anchors()
    with _cache_lock:
        _cache["generation"], _cache["anchors"] = generation, anchors
    return anchors


def _list_source(trusted_list):
    return format_lazy(
        gettext_lazy("Trusted list {territory} (sequence {sequence})"),
        territory=trusted_list.territory,
        sequence=trusted_list.sequence,
    )


def build_anchors():
    started = time.monotonic()
    registry = TSPRegistry()
    roots, sources = {}, {}
    for trusted_list in current_lists().exclude(territory=LOTL_TERRITORY):
        known = set(registry.known_certificate_authorities)
        _registry, errors = eutl_parse.trust_list_to_registry_unsafe(
            signed_content(trusted_list), registry
        )
        if errors:
            logger.info(
                "trusted list territory=%s sequence=%s skipped_services=%s",
                trusted_list.territory,
                trusted_list.sequence,
                len(errors),
            )
        source = _list_source(trusted_list)
        for authority in set(registry.known_certificate_authorities) - known:
            fingerprint = authority.certificate.sha256.hex()
            roots.setdefault(fingerprint, authority.certificate)
            sources.setdefault(fingerprint, source)
    for authority in AcceptedAuthority.objects.active().order_by("added_at", "pk"):
        certificate = asn1_x509.Certificate.load(bytes(authority.certificate_der))
        roots.setdefault(authority.sha256, certificate)
        sources.setdefault(
            authority.sha256,
            format_lazy(
                gettext_lazy("Accepted by the operator: {note}"), note=authority.note
            ),
        )
    logger.info(
        "trust anchors built roots=%s seconds=%.2f",
        len(roots),
        time.monotonic() - started,
    )
    return Anchors(
        roots=tuple(roots.values()),
        registry=registry if registry.known_certificate_authorities else None,
        sources=sources,
        fetching=settings.MUTUALIS_REVOCATION_FETCHING,
    )
