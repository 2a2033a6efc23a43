"""CAdES: a CMS SignedData signature, detached or enveloping, by pyHanko's AdES."""

import hashlib

from asn1crypto import cms, core, ocsp
from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from django.utils.translation import gettext as _
from pyhanko.sign.ades.report import AdESIndeterminate
from pyhanko.sign.validation import ades
from pyhanko.sign.validation.generic_cms import extract_tst_data_iter
from pyhanko.sign.validation.policy_decl import LocalKnowledge
from pyhanko_certvalidator.revinfo.archival import CRLContainer, OCSPContainer

from mutualis.trust import cades_archive
from mutualis.trust import report as r
from mutualis.trust import validation as v
from mutualis.trust.timestamps import run

SUFFIXES = (".p7s", ".p7m", ".csig")
# ETSI EN 319 122-1, 5.5: unsigned attributes carrying validation data.
REVOCATION_VALUES = "1.2.840.113549.1.9.16.2.24"
CERTIFICATE_VALUES = "1.2.840.113549.1.9.16.2.23"


class _CRLs(core.SequenceOf):
    _child_spec = asn1_crl.CertificateList


class _BasicOCSPResponses(core.SequenceOf):
    _child_spec = ocsp.BasicOCSPResponse


class _Certificates(core.SequenceOf):
    _child_spec = asn1_x509.Certificate


class RevocationValues(core.Sequence):
    """RFC 5126, 6.3.4."""

    _fields = [
        ("crl_vals", _CRLs, {"explicit": 0, "optional": True}),
        ("ocsp_vals", _BasicOCSPResponses, {"explicit": 1, "optional": True}),
        ("other_rev_vals", core.Any, {"explicit": 2, "optional": True}),
    ]


def is_cms(name, data):
    """Whether the file is to be read as a CMS signature."""
    if name.lower().endswith(SUFFIXES):
        return True
    try:
        return cms.ContentInfo.load(data)["content_type"].native == "signed_data"
    except (ValueError, TypeError, KeyError):
        return False


def validate_cms(name, data, detached, anchors, moment):
    signed_data = _signed_data(data)
    content = signed_data["encap_content_info"]["content"]
    if content.native is None and detached is None:
        return _content_missing(name)
    signer_info = signed_data["signer_infos"][0]
    raw_digest = None
    if content.native is None:
        algorithm = signer_info["digest_algorithm"]["algorithm"].native
        raw_digest = hashlib.new(algorithm, detached).digest()
    knowledge = _validation_data(signed_data, signer_info)
    signed_bytes = detached if content.native is None else content.native
    outcome = _outcome(
        name, signed_data, raw_digest, signed_bytes, knowledge, anchors, moment
    )
    return v.build_report(outcome, anchors)


def _signed_data(data):
    info = cms.ContentInfo.load(data)
    if info["content_type"].native != "signed_data":
        raise ValueError("not a CMS SignedData")
    signed_data = info["content"]
    if len(signed_data["signer_infos"]) != 1:
        raise ValueError("expected exactly one signer")
    return signed_data


def _content_missing(name):
    return r.SignatureReport(
        file=name,
        format="CAdES",
        indication=r.INDETERMINATE,
        subindication="SIGNED_DATA_NOT_FOUND",
        reason=v.reason(name, AdESIndeterminate.SIGNED_DATA_NOT_FOUND),
    )


def _outcome(name, signed_data, raw_digest, signed_bytes, knowledge, anchors, moment):
    signer_info = signed_data["signer_infos"][0]
    timestamped = next(extract_tst_data_iter(signer_info, signed=False), None)
    embedded = bool(knowledge.known_crls or knowledge.known_ocsps)
    process = (
        ades.ades_with_time_validation if timestamped else ades.ades_basic_validation
    )
    spec = v.validation_spec(anchors, knowledge)
    result = run(
        process(signed_data, spec, timing_info=v.timing(moment), raw_digest=raw_digest)
    )
    stamp = getattr(result.api_status, "timestamp_validity", None)
    level = "B-B" if not timestamped else ("B-LT" if embedded else "B-T")
    archive, problems = None, []
    if timestamped and embedded and cades_archive.is_archived(signer_info):
        level = "B-LTA"
        archive, problems = cades_archive.verify(
            signed_data, signed_bytes, anchors, knowledge
        )
        if archive is not None and not archive.trusted:
            problems.append(_("archive timestamp by an authority not accepted"))
    return v.Outcome(
        name=name,
        format="CAdES",
        result=result,
        signed_data=signed_data,
        level=level,
        embedded_revocation=embedded,
        timestamp_checked=timestamped is not None and stamp is not None,
        archive_timestamp_checked=archive is not None and archive.trusted,
        problems=tuple(problems),
    )


def _validation_data(signed_data, signer_info):
    """The CRLs, OCSP answers and certificates the signature carries."""
    crls, ocsps, certs = [], [], []
    for choice in signed_data["crls"] or ():
        if choice.name == "crl":
            crls.append(CRLContainer(choice.chosen))
        elif choice.chosen["other_rev_info_format"].native == "ocsp_response":
            ocsps.extend(OCSPContainer.load_multi(choice.chosen["other_rev_info"]))
    for attribute in signer_info["unsigned_attrs"] or ():
        kind = attribute["type"].dotted
        try:
            if kind == REVOCATION_VALUES:
                _add_revocation_values(attribute["values"][0].dump(), crls, ocsps)
            elif kind == CERTIFICATE_VALUES:
                certs.extend(_Certificates.load(attribute["values"][0].dump()))
        except (ValueError, TypeError, KeyError) as error:
            # Unreadable validation data is as good as none: the chain is then
            # judged without it.
            v.logger.info("CAdES validation data unreadable error=%r", error)
    return LocalKnowledge(known_crls=crls, known_ocsps=ocsps, known_certs=certs)


def _add_revocation_values(der, crls, ocsps):
    values = RevocationValues.load(der)
    crls.extend(CRLContainer(c) for c in values["crl_vals"] or ())
    for basic in values["ocsp_vals"] or ():
        response = ocsp.OCSPResponse(
            {
                "response_status": "successful",
                "response_bytes": {
                    "response_type": "basic_ocsp_response",
                    "response": basic,
                },
            }
        )
        ocsps.extend(OCSPContainer.load_multi(response))
