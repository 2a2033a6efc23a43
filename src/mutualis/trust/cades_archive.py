"""CAdES archive timestamps: archive-time-stamp-v3 (ETSI EN 319 122-1, 5.5.3).

An archive timestamp proves that the signature and the validation data it
covers (certificates, CRLs, OCSP answers, earlier timestamps) existed at its
time. Its imprint is recomputed here from the signature and the hash index the
timestamp carries (ats-hash-index-v3); pyHanko then checks the token's own
signature and its authority against the accepted anchors.

TODO(cades-past): the signature itself is judged by the process for signatures
with time; pyHanko has no long-term process for CMS. Judging it in the past
with the archive timestamp as proof of existence (pyHanko's
ades_past_signature_validation) matters for revocation data that is stale
today, such as a 2024 OCSP answer without nextUpdate; on the SiVa B-LTA file it
then stops at the timestamp authority, for which the file has no revocation
data, so it is not wired in until a case shows it passing.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass

from asn1crypto import cms, core
from django.utils.translation import gettext as _
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import ValidationError

from mutualis.trust.timestamps import run

ARCHIVE_TIMESTAMP_V3 = "0.4.0.1733.2.4"
ATS_HASH_INDEX_V3 = "0.4.0.19122.1.5"


class _Hashes(core.SequenceOf):
    _child_spec = core.OctetString


class ATSHashIndexV3(core.Sequence):
    """EN 319 122-1, 5.5.2, its algorithm written out.

    The algorithm is DEFAULT sha256, and a SEQUENCE like the field after it, so
    that a DER index of SHA-256 hashes omits it: `load_index` reads both forms.
    """

    _fields = [
        ("hash_ind_algorithm", cms.DigestAlgorithm),
        ("certificates_hash_index", _Hashes),
        ("crls_hash_index", _Hashes),
        ("unsigned_attrs_hash_index", _Hashes),
    ]


class _DefaultATSHashIndexV3(core.Sequence):
    _fields = ATSHashIndexV3._fields[1:]


class _Index:
    """An ATSHashIndexV3 as read, with its DER encoding as found."""

    def __init__(self, der):
        self.der = der
        children = core.Sequence.load(der)
        if len(children) == 4:
            parsed = ATSHashIndexV3.load(der)
            self.algorithm = parsed["hash_ind_algorithm"]["algorithm"].native
        else:
            parsed = _DefaultATSHashIndexV3.load(der)
            self.algorithm = "sha256"
        self.hashes = {
            field: {h.native for h in parsed[field]}
            for field, _spec in _DefaultATSHashIndexV3._fields
        }

    def dump(self):
        return self.der


class ArchiveError(ValueError):
    """An archive timestamp that proves nothing, and why."""


@dataclass(frozen=True)
class ArchiveTimestamp:
    time: dt.datetime
    trusted: bool  # its authority chains to the accepted anchors


def is_archived(signer_info):
    return any(
        a["type"].dotted == ARCHIVE_TIMESTAMP_V3
        for a in signer_info["unsigned_attrs"] or ()
    )


def verify(signed_data, content, anchors, knowledge):
    """The oldest archive timestamp that holds, or None; and what failed.

    `content` is the signed file's bytes (the detached file, or the eContent).
    """
    signer_info = signed_data["signer_infos"][0]
    verified, problems = [], []
    for attribute in signer_info["unsigned_attrs"] or ():
        if attribute["type"].dotted != ARCHIVE_TIMESTAMP_V3:
            continue
        for value in attribute["values"]:
            try:
                verified.append(
                    _verify_one(signed_data, content, value, anchors, knowledge)
                )
            except ArchiveError as error:
                problems.append(str(error))
    oldest = min(verified, key=lambda stamp: stamp.time, default=None)
    return oldest, problems


def _verify_one(signed_data, content, value, anchors, knowledge):
    try:
        token = cms.ContentInfo.load(value.dump())
        token_data = token["content"]
        info = token_data["encap_content_info"]["content"].parsed
        imprint = info["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        index = hash_index(token_data)
        gen_time = info["gen_time"].native.astimezone(dt.UTC)
    except ArchiveError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise ArchiveError(
            _("archive timestamp unreadable (%(error)s)") % {"error": error}
        ) from None
    check_hash_index(signed_data, index)
    expected = archive_imprint(signed_data, content, algorithm, index)
    if imprint["hashed_message"].native != expected:
        raise ArchiveError(_("archive timestamp does not cover this signature"))
    context = ValidationContext(
        trust_roots=list(anchors.roots),
        other_certs=list(knowledge.known_certs) + _certificates(signed_data),
        crls=[c.crl_data for c in knowledge.known_crls],
        ocsps=[o.ocsp_response_data for o in knowledge.known_ocsps],
        allow_fetching=anchors.fetching,
    )
    try:
        status = run(validate_tst_signed_data(token_data, context, lambda _a: expected))
    except (SignatureValidationError, ValidationError, ValueError) as error:
        raise ArchiveError(
            _("archive timestamp invalid (%(error)s)") % {"error": error}
        ) from None
    if not status["intact"] or not status["valid"]:
        raise ArchiveError(_("archive timestamp's signature is invalid"))
    return ArchiveTimestamp(
        time=gen_time, trusted=status.get("trust_problem_indic") is None
    )


def hash_index(token_data):
    """The ATSHashIndexV3 a timestamp token carries in its unsigned attributes."""
    signer_info = token_data["signer_infos"][0]
    for attribute in signer_info["unsigned_attrs"] or ():
        if attribute["type"].dotted == ATS_HASH_INDEX_V3:
            return _Index(attribute["values"][0].dump())
    raise ArchiveError(_("archive timestamp without its ats-hash-index-v3"))


def index_for(signed_data, algorithm="sha256"):
    """The ATSHashIndexV3 of a signature as it is now, before it is archived."""
    signer_info = signed_data["signer_infos"][0]
    index = ATSHashIndexV3(
        {
            "hash_ind_algorithm": {"algorithm": algorithm},
            "certificates_hash_index": _certificate_hashes(signed_data, algorithm),
            "crls_hash_index": _crl_hashes(signed_data, algorithm),
            "unsigned_attrs_hash_index": _attribute_hashes(signer_info, algorithm),
        }
    )
    return _Index(index.dump())


def check_hash_index(signed_data, index):
    """Every element the index names must still be in the signature.

    Elements added after the archive timestamp (later validation data, later
    archive timestamps) are not in its index, and do not matter to it.
    """
    algorithm = index.algorithm
    signer_info = signed_data["signer_infos"][0]
    present = {
        "certificates_hash_index": _certificate_hashes(signed_data, algorithm),
        "crls_hash_index": _crl_hashes(signed_data, algorithm),
        "unsigned_attrs_hash_index": _attribute_hashes(signer_info, algorithm),
    }
    labels = {
        "certificates_hash_index": _("a certificate"),
        "crls_hash_index": _("revocation data"),
        "unsigned_attrs_hash_index": _("an unsigned attribute"),
    }
    for field, hashes in present.items():
        if not index.hashes[field] <= set(hashes):
            raise ArchiveError(
                _("%(element)s that the archive timestamp covers was removed")
                % {"element": labels[field]}
            )


def archive_imprint(signed_data, content, algorithm, index):
    """The hash an archive-time-stamp-v3 carries (EN 319 122-1, 5.5.3).

    The concatenation of the eContentType, the hash of the signed content, the
    signer's version, sid, digestAlgorithm, signedAttrs, signatureAlgorithm and
    signature, and the ATSHashIndexV3, each in its DER encoding.
    """
    signer_info = signed_data["signer_infos"][0]
    parts = [
        signed_data["encap_content_info"]["content_type"].dump(),
        hashlib.new(algorithm, content).digest(),
    ]
    for field in (
        "version",
        "sid",
        "digest_algorithm",
        "signed_attrs",
        "signature_algorithm",
        "signature",
    ):
        parts.append(signer_info[field].dump())
    parts.append(index.dump())
    return hashlib.new(algorithm, b"".join(parts)).digest()


def _certificates(signed_data):
    return [
        c.chosen for c in signed_data["certificates"] or () if c.name == "certificate"
    ]


def _certificate_hashes(signed_data, algorithm):
    return [
        hashlib.new(algorithm, c.dump()).digest()
        for c in signed_data["certificates"] or ()
    ]


def _crl_hashes(signed_data, algorithm):
    return [
        hashlib.new(algorithm, c.dump()).digest() for c in signed_data["crls"] or ()
    ]


def _attribute_hashes(signer_info, algorithm):
    return [
        hashlib.new(algorithm, a["type"].dump() + value.dump()).digest()
        for a in signer_info["unsigned_attrs"] or ()
        for value in a["values"]
    ]
