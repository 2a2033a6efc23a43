"""PAdES: every signature of a PDF, validated by pyHanko's AdES processes."""

import io

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESPassed
from pyhanko.sign.general import find_unique_cms_attribute
from pyhanko.sign.validation import ades
from pyhanko.sign.validation.generic_cms import extract_tst_data_iter
from pyhanko.sign.validation.policy_decl import (
    LocalKnowledge,
    PdfSignatureValidationSpec,
)

from mutualis.trust import validation as v
from mutualis.trust.timestamps import run


def validate_pdf(name, data, anchors, moment):
    """One report per signature in the PDF (document timestamps excluded)."""
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    signatures = reader.embedded_signatures
    return [
        _validate_one(name, reader, signature, signatures, anchors, moment)
        for signature in signatures
        if signature.sig_object_type != "/DocTimeStamp"
    ]


def _validate_one(name, reader, signature, signatures, anchors, moment):
    try:
        outcome = _outcome(name, reader, signature, signatures, anchors, moment)
    except Exception as error:  # noqa: BLE001
        # One unreadable signature must not hide the others of the same file.
        v.logger.warning("PAdES unreadable file=%s error=%r", name, error)
        return v.format_failure(name, "PAdES", error)
    return v.build_report(outcome, anchors)


def _outcome(name, reader, signature, signatures, anchors, moment):
    timestamped = _has_signature_timestamp(signature)
    embedded = _has_validation_data(reader, signature)
    archived = timestamped and _timestamped_after(signature, signatures)
    archive = None
    if archived:
        spec = PdfSignatureValidationSpec(v.validation_spec(anchors))
        archive = run(ades.ades_lta_validation(signature, spec, v.timing(moment)))
        result = archive
    if archive is None or archive.ades_subindic != AdESPassed.OK:
        # The long-term process begins with the process for signatures with
        # time (EN 319 102-1, 5.6.3.4), whose PASSED stands. pyHanko 0.38's
        # past validation then re-checks a signer revoked after its signature
        # timestamp at the revocation date, with the CRL that lists it (issued
        # later, necessarily), calls that CRL too recent and undoes the PASSED.
        with_time = run(
            _without_archive(reader, signature, anchors, moment, timestamped)
        )
        if archive is None or with_time.ades_subindic == AdESPassed.OK:
            result = with_time
    return v.Outcome(
        name=name,
        format="PAdES",
        result=result,
        signed_data=signature.signed_data,
        level=_level(timestamped, embedded, archived),
        embedded_revocation=embedded,
        timestamp_checked=timestamped and _timestamp_validity(result) is not None,
        claimed_time=signature.self_reported_timestamp,
        document_timestamp_checked=archive is not None
        and archive.oldest_evidence_record_timestamp is not None,
    )


def _timestamp_validity(result):
    return getattr(result.api_status, "timestamp_validity", None)


async def _without_archive(reader, signature, anchors, moment, timestamped):
    """The basic (B-B) or with-time (B-T, B-LT) process, with the DSS's data.

    The long-term process would also demand past proof for every certificate
    of the chain, which only a document timestamp gives.
    """
    # TODO(pyhanko): these two readers are private in pyHanko 0.38; use public
    # ones when it has them.
    dss = ades._dss_to_local_knowledge(reader)
    archival = ades._adobe_revinfo_archival_to_local_knowledge(signature)
    knowledge = LocalKnowledge(
        known_ocsps=dss.known_ocsps + archival.known_ocsps,
        known_crls=dss.known_crls + archival.known_crls,
        known_certs=dss.known_certs,
    )
    process = (
        ades.ades_with_time_validation if timestamped else ades.ades_basic_validation
    )
    return await process(
        signature.signed_data,
        v.validation_spec(anchors, knowledge),
        timing_info=v.timing(moment),
        raw_digest=signature.compute_digest(),
    )


def _has_signature_timestamp(signature):
    return (
        next(extract_tst_data_iter(signature.signer_info, signed=False), None)
        is not None
    )


def _has_validation_data(reader, signature):
    dss = reader.root.get("/DSS")
    dss = dss.get_object() if dss is not None else None
    if dss is not None and ("/CRLs" in dss or "/OCSPs" in dss):
        return True
    try:
        find_unique_cms_attribute(
            signature.signer_info["signed_attrs"], "adobe_revocation_info_archival"
        )
    except Exception:  # noqa: BLE001 - absent or malformed: no embedded data
        return False
    return True


def _timestamped_after(signature, signatures):
    return any(
        s.sig_object_type == "/DocTimeStamp"
        and s.signed_revision > signature.signed_revision
        for s in signatures
    )


def _level(timestamped, embedded, archived):
    if not timestamped:
        return "B-B"
    if not embedded:
        return "B-T"
    return "B-LTA" if archived else "B-LT"
