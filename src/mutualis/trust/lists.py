"""Reading and verifying EU trusted lists (ETSI TS 119 612) with pyHanko.

The EU list of trusted lists (LOTL) is verified against the LOTL signer
certificates pyHanko ships; each national list against the certificates the LOTL
names for its territory. Nothing here writes: the store does, once every list of
an import has verified.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.utils.translation import gettext as _
from lxml import etree
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.qualified import eutl_parse

from mutualis.trust.models import LOTL_TERRITORY

TSL_NAMESPACE = "http://uri.etsi.org/02231/v2#"
LOTL_TYPE = "http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUlistofthelists"


class TrustedListError(Exception):
    """A trusted list that cannot be used, with the file it came from and why."""

    def __init__(self, file_name, reason):
        super().__init__(f"{file_name}: {reason}")
        self.file_name = file_name
        self.reason = reason


@dataclass(frozen=True)
class Header:
    territory: str
    sequence: int
    is_lotl: bool
    issued_at: dt.datetime | None = None
    next_update: dt.datetime | None = None


@dataclass(frozen=True)
class VerifiedList:
    """A trusted list whose signature verified, with what the store records of it."""

    file_name: str
    data: bytes
    header: Header
    signer: object  # asn1crypto Certificate
    signed_xml: str
    location: str = ""

    @property
    def sha256(self):
        return hashlib.sha256(self.data).hexdigest()


def _parser():
    # No entities, no DTD, no network: a trusted list is data from outside.
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )


def _text(scheme, tag):
    element = scheme.find(f"{{{TSL_NAMESPACE}}}{tag}")
    return element.text.strip() if element is not None and element.text else None


def _instant(text):
    if not text:
        return None
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def read_header(data, file_name):
    """The territory, sequence and dates a trusted list claims (not yet verified)."""
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as error:
        raise TrustedListError(
            file_name, _("This is not well-formed XML: %(error)s") % {"error": error}
        ) from error
    scheme = root.find(f"{{{TSL_NAMESPACE}}}SchemeInformation")
    if root.tag != f"{{{TSL_NAMESPACE}}}TrustServiceStatusList" or scheme is None:
        raise TrustedListError(
            file_name, _("This is not an ETSI TS 119 612 trusted list.")
        )
    territory = _text(scheme, "SchemeTerritory")
    sequence = _text(scheme, "TSLSequenceNumber")
    next_update = scheme.find(f"{{{TSL_NAMESPACE}}}NextUpdate")
    try:
        return Header(
            territory=territory or "",
            sequence=int(sequence),
            is_lotl=_text(scheme, "TSLType") == LOTL_TYPE,
            issued_at=_instant(_text(scheme, "ListIssueDateTime")),
            next_update=(
                _instant(_text(next_update, "dateTime"))
                if next_update is not None
                else None
            ),
        )
    except (TypeError, ValueError) as error:
        raise TrustedListError(
            file_name,
            _("Its sequence number or dates cannot be read: %(error)s")
            % {"error": error},
        ) from error


def _as_text(data, file_name):
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise TrustedListError(
            file_name, _("This file is not UTF-8 text: %(error)s") % {"error": error}
        ) from error


def _why_not(candidate, error, at):
    """Why `candidate` did not verify a list, in a few words."""
    message = getattr(error, "failure_message", None) or str(error)
    moment = at or dt.datetime.now(dt.UTC)
    if candidate.not_valid_after < moment:
        return _("expired on %(date)s") % {
            "date": f"{candidate.not_valid_after:%Y-%m-%d}"
        }
    if candidate.not_valid_before > moment:
        return _("not valid before %(date)s") % {
            "date": f"{candidate.not_valid_before:%Y-%m-%d}"
        }
    if "InvalidSignature" in message or "InvalidDigest" in message:
        return _("the signature was not made with this certificate's key")
    return message.splitlines()[0].replace(
        "Invalid XML signature on trusted list: ", ""
    )


def _described(candidate):
    subject = candidate.subject.native
    name = subject.get("common_name") or candidate.subject.human_friendly
    return _("“%(name)s” (serial %(serial)s)") % {
        "name": name,
        "serial": candidate.serial_number,
    }


def verify_signature(data, file_name, candidates, *, at=None):
    """The signed content of a list and the candidate certificate that verified it.

    The newest candidate is tried first; `at` is the instant at which the signer
    must be valid (now if None).
    """
    text = _as_text(data, file_name)
    failures = []
    for candidate in sorted(
        candidates, key=lambda cert: cert.not_valid_before, reverse=True
    ):
        try:
            # pyHanko's public trust_list_to_registry does not tell which
            # certificate verified the list, which the store records.
            signed = eutl_parse._validate_and_extract_tl_data(text, candidate, at)
        except SignatureValidationError as error:
            failures.append(
                f"{_described(candidate)}: {_why_not(candidate, error, at)}"
            )
        else:
            return signed, candidate
    if not failures:
        raise TrustedListError(file_name, _("No certificate may sign this list."))
    raise TrustedListError(
        file_name,
        _(
            "Its signature does not verify with any of the %(count)s certificates "
            "allowed to sign it: %(details)s."
        )
        % {"count": len(failures), "details": "; ".join(failures)},
    )


def verify_lotl(data, file_name, signers=None, *, location=""):
    """Verify the EU list of trusted lists against `signers` (pyHanko's by default)."""
    header = read_header(data, file_name)
    if not header.is_lotl:
        raise TrustedListError(
            file_name, _("This is not the EU list of trusted lists.")
        )
    signers = signers or eutl_parse.latest_known_lotl_tlso_certs()
    signed, signer = verify_signature(data, file_name, signers)
    return VerifiedList(
        file_name,
        data,
        read_header(signed.encode(), file_name),
        signer,
        signed,
        location,
    )


def lotl_references(signed_lotl_xml):
    """The national lists a verified LOTL points to, by territory."""
    references = {}
    for reference in eutl_parse.parse_lotl_unsafe(signed_lotl_xml).references:
        if reference.territory == LOTL_TERRITORY:
            continue
        references.setdefault(reference.territory, []).append(reference)
    return references


def verify_national(data, file_name, references, *, location=""):
    """Verify a national list against the signers the LOTL names for its territory."""
    claimed = read_header(data, file_name)
    if claimed.is_lotl:
        raise TrustedListError(file_name, _("This is a list of trusted lists."))
    pointers = references.get(claimed.territory)
    if not pointers:
        raise TrustedListError(
            file_name,
            _("The list of trusted lists names no list for territory “%(territory)s”.")
            % {"territory": claimed.territory},
        )
    candidates = [cert for pointer in pointers for cert in pointer.tlso_certs]
    signed, signer = verify_signature(data, file_name, candidates)
    header = read_header(signed.encode(), file_name)
    if header.territory != claimed.territory:
        raise TrustedListError(
            file_name, _("The signed content names another territory.")
        )
    return VerifiedList(file_name, data, header, signer, signed, location)
