"""Validation of the electronic signatures on bid files, as ETSI EN 319 102-1 says.

`validate(name, data, ...)` answers one SignatureReport per signature: every
PAdES signature of a PDF, or the detached or enveloping CAdES signature of a
.p7s/.p7m. The verdicts come from pyHanko's AdES validation; this module
chooses the process (basic, with time, long-term) by what the signature
carries and words the outcome for the reader.
"""

import dataclasses
import datetime as dt
import logging
from dataclasses import dataclass

from django.utils.translation import gettext as _
from pyhanko.sign.ades.report import AdESIndeterminate, AdESPassed, AdESStatus
from pyhanko.sign.validation.policy_decl import (
    CertificateFetchingRule,
    LocalKnowledge,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko.sign.validation.qualified.assess import QualificationAssessor
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)
from pyhanko_certvalidator.registry import SimpleTrustManager

from mutualis.trust import report as r

logger = logging.getLogger(__name__)

# A certificate that names a CRL or OCSP responder must be checked against it;
# one that names none is taken as its issuer declares it.
REVOCATION_POLICY = CertRevTrustPolicy(
    RevocationCheckingPolicy(
        ee_certificate_rule=RevocationCheckingRule.CHECK_IF_DECLARED,
        intermediate_ca_cert_rule=RevocationCheckingRule.CHECK_IF_DECLARED,
    )
)
STATUS_INDICATIONS = {
    AdESStatus.PASSED: r.PASSED,
    AdESStatus.INDETERMINATE: r.INDETERMINATE,
    AdESStatus.FAILED: r.FAILED,
}


def validate(name, data, *, detached=None, anchors, moment=None):
    """The reports on every signature in `data`, the bytes of the file `name`.

    `detached` is the content a detached CAdES signature covers; `moment` the
    time to validate at (default: now). Malformed input gives a report, never
    an exception.
    """
    from mutualis.trust import cades, pades

    try:
        if data[:1024].lstrip().startswith(b"%PDF"):
            return pades.validate_pdf(name, data, anchors, moment)
        if cades.is_cms(name, data):
            return [cades.validate_cms(name, data, detached, anchors, moment)]
    except Exception as error:  # noqa: BLE001
        # pyHanko and asn1crypto parse untrusted bytes and may raise anything
        # (even ValueError "math domain error" on a malformed RSA key).
        logger.warning("signature unreadable file=%s error=%r", name, error)
        return [format_failure(name, "PAdES" if _is_pdf(data) else "CAdES", error)]
    return [format_failure(name, "CAdES", _("neither a PDF nor a CMS signature"))]


def _is_pdf(data):
    return data[:1024].lstrip().startswith(b"%PDF")


def format_failure(name, format, detail):
    return r.SignatureReport(
        file=name,
        format=format,
        indication=r.FAILED,
        subindication="FORMAT_FAILURE",
        reason=_("%(file)s cannot be read as a signature: %(detail)s.")
        % {"file": name, "detail": detail},
    )


def timing(moment):
    moment = moment or dt.datetime.now(dt.UTC)
    return ValidationTimingInfo(
        validation_time=moment,
        best_signature_time=moment,
        point_in_time_validation=False,
    )


def validation_spec(anchors, knowledge=None):
    """pyHanko's validation settings for `anchors`, with what the file carries."""
    fetching = (
        RevinfoOnlineFetchingRule.NO_HISTORICAL_FETCH
        if anchors.fetching
        else RevinfoOnlineFetchingRule.LOCAL_ONLY
    )
    certificates = (
        CertificateFetchingRule.FOLLOW_ONLINE_RULE
        if anchors.fetching
        else CertificateFetchingRule.NEVER_FETCH
    )
    return SignatureValidationSpec(
        cert_validation_policy=CertValidationPolicySpec(
            trust_manager=SimpleTrustManager.build(trust_roots=list(anchors.roots)),
            revinfo_policy=REVOCATION_POLICY,
        ),
        revinfo_gathering_policy=RevocationInfoGatheringSpec(
            online_fetching_rule=fetching, certificate_fetching_rule=certificates
        ),
        local_knowledge=_with_roots(knowledge or LocalKnowledge(), anchors),
    )


def _with_roots(knowledge, anchors):
    """`knowledge` and the trusted roots, as certificates that may issue CRLs.

    The long-term process looks for a CRL's issuer among the known certificates
    only, never among the trust roots: without them a root's CRL for an
    intermediate is not found, and the time slide ends in NO_POE.
    """
    roots = [*knowledge.known_certs, *anchors.roots]
    return dataclasses.replace(knowledge, known_certs=roots)


@dataclass(frozen=True)
class Outcome:
    """What a format module learnt of one signature, for `build_report`."""

    name: str
    format: str
    result: object  # an AdES*ValidationResult
    signed_data: object
    level: str
    embedded_revocation: bool
    timestamp_checked: bool = False
    document_timestamp_checked: bool = False
    archive_timestamp_checked: bool = False
    claimed_time: object = None  # a PDF says it in its signature dictionary
    problems: tuple = ()  # what was found and did not hold, worded for the reader


def build_report(outcome, anchors):
    """The SignatureReport of `outcome`, worded for the reader."""
    result = outcome.result
    status = result.api_status
    path = getattr(status, "validation_path", None)
    subindication = result.ades_subindic
    signing_time, time_source = _signing_time(outcome)
    signer = _signer_certificate(outcome.signed_data)
    if subindication == AdESPassed.OK and _out_of_bounds(signer, signing_time):
        # pyHanko's with-time process leaves expiry to the long-term one: a
        # timestamp after the certificate's end proves nothing of its validity.
        subindication = AdESIndeterminate.OUT_OF_BOUNDS_NO_POE
    passed = subindication == AdESPassed.OK
    return r.SignatureReport(
        file=outcome.name,
        format=outcome.format,
        indication=STATUS_INDICATIONS[subindication.status],
        subindication=None if passed else subindication.standard_name,
        reason=reason(outcome.name, subindication, result.failure_msg),
        level=outcome.level,
        signer=_person(signer.subject) if signer else None,
        issuer=_person(signer.issuer) if signer else None,
        qualified=_qualified(anchors, path, signing_time),
        signing_time=signing_time,
        time_source=time_source,
        trusted_by=anchors.source_of(path.trust_anchor.authority.certificate)
        if path
        else None,
        checked=_checked(outcome, status, path, anchors),
    )


def _out_of_bounds(certificate, moment):
    if certificate is None or moment is None:
        return False
    validity = certificate["tbs_certificate"]["validity"]
    start, end = validity["not_before"].native, validity["not_after"].native
    return not start <= moment <= end


def _signing_time(outcome):
    status = outcome.result.api_status
    stamp = getattr(status, "timestamp_validity", None)
    if outcome.timestamp_checked and stamp is not None:
        return stamp.timestamp, r.TIME_FROM_TIMESTAMP
    claimed = getattr(status, "signer_reported_dt", None) or outcome.claimed_time
    if claimed is None:
        claimed = _claimed_time(outcome.signed_data)
    if claimed is None:
        return None, r.TIME_NONE
    return claimed, r.TIME_CLAIMED


def _claimed_time(signed_data):
    try:
        attributes = signed_data["signer_infos"][0]["signed_attrs"]
        for attribute in attributes:
            if attribute["type"].native == "signing_time":
                return attribute["values"][0].native
    except (KeyError, IndexError, ValueError, TypeError):
        return None
    return None


def _signer_certificate(signed_data):
    from pyhanko.sign.general import CMSExtractionError, extract_certificate_info

    try:
        return extract_certificate_info(signed_data).signer_cert
    except (CMSExtractionError, KeyError, ValueError):
        return None


def _person(name):
    """The common name and organisation of an X.509 name, as a reader says them."""
    values = name.native
    parts = [values.get("common_name"), values.get("organization_name")]
    parts = [p if isinstance(p, str) else ", ".join(p or ()) for p in parts]
    return ", ".join(p for p in parts if p) or name.human_friendly


def _qualified(anchors, path, moment):
    if anchors.registry is None or path is None:
        return None
    assessor = QualificationAssessor(anchors.registry)
    return assessor.check_entity_cert_qualified(path, moment).status.qualified


def _checked(outcome, status, path, anchors):
    checked = []
    if status is not None and status.intact and status.valid:
        checked.append(_("integrity of the signed content"))
    if path is not None:
        checked.append(_("certificate chain to a trusted authority"))
        if outcome.embedded_revocation:
            checked.append(_("revocation status from the embedded data"))
        if anchors.fetching:
            checked.append(_("revocation status fetched from the issuer"))
    if outcome.timestamp_checked:
        checked.append(_("signature timestamp"))
    if outcome.document_timestamp_checked:
        checked.append(_("document timestamp"))
    if outcome.archive_timestamp_checked:
        checked.append(_("archive timestamp"))
    checked.extend(outcome.problems)
    return tuple(checked)


def reason(name, subindication, detail=None):
    """One plain sentence saying why the signature got its indication."""
    code = subindication.standard_name
    template = REASONS.get(code)
    if subindication == AdESPassed.OK:
        template = _(
            "The signature on %(file)s is valid: the file is intact and the "
            "signer's certificate was valid and trusted when it was signed."
        )
    elif template is None:
        template = _("The signature on %(file)s could not be confirmed (%(code)s).")
    text = template() if callable(template) else template
    sentence = text % {"file": name, "code": code}
    if detail and subindication != AdESPassed.OK:
        logger.info("signature not passed file=%s detail=%s", name, detail)
    return sentence


# Lazily worded, so that each report is in the language of its reader.
REASONS = {
    "HASH_FAILURE": lambda: _("%(file)s was changed after it was signed."),
    "SIG_CRYPTO_FAILURE": lambda: _(
        "The signature value on %(file)s does not match the signer's key."
    ),
    "FORMAT_FAILURE": lambda: _("The signature on %(file)s is malformed."),
    "NO_CERTIFICATE_CHAIN_FOUND": lambda: _(
        "The signer's certificate on %(file)s does not chain to a trusted authority."
    ),
    "NO_SIGNING_CERTIFICATE_FOUND": lambda: _(
        "The signature on %(file)s does not carry the signer's certificate."
    ),
    "REVOKED_NO_POE": lambda: _(
        "The signer's certificate on %(file)s is revoked, and nothing proves the "
        "signature was made before the revocation."
    ),
    "REVOKED": lambda: _(
        "The signer's certificate on %(file)s was revoked before it was signed."
    ),
    "REVOKED_CA_NO_POE": lambda: _(
        "An authority in the chain of %(file)s is revoked, and nothing proves "
        "the signature was made before the revocation."
    ),
    "OUT_OF_BOUNDS_NO_POE": lambda: _(
        "The signer's certificate on %(file)s is expired or not yet valid, and "
        "nothing proves the signature was made while it was valid."
    ),
    "OUT_OF_BOUNDS_NOT_REVOKED": lambda: _(
        "The signer's certificate on %(file)s is expired, and nothing proves the "
        "signature was made while it was valid."
    ),
    "NO_POE": lambda: _(
        "Nothing proves that the signature on %(file)s was made while the "
        "signer's certificate was valid."
    ),
    "EXPIRED": lambda: _(
        "The signer's certificate on %(file)s had expired when it was signed."
    ),
    "NOT_YET_VALID": lambda: _(
        "The signer's certificate on %(file)s was not yet valid when it was signed."
    ),
    "TRY_LATER": lambda: _(
        "No revocation status could be had for the signer's certificate on %(file)s."
    ),
    "SIGNED_DATA_NOT_FOUND": lambda: _(
        "The file that %(file)s signs was not given, so the signature cannot be "
        "checked."
    ),
    "CRYPTO_CONSTRAINTS_FAILURE": lambda: _(
        "The signature on %(file)s uses an algorithm or key too weak to trust."
    ),
    "CRYPTO_CONSTRAINTS_FAILURE_NO_POE": lambda: _(
        "The signature on %(file)s uses an algorithm or key now too weak to "
        "trust, and nothing proves it was made before."
    ),
    "TIMESTAMP_ORDER_FAILURE": lambda: _(
        "The timestamps on %(file)s are in an impossible order."
    ),
}
