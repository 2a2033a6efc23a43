import pytest
from asn1crypto import cms

from mutualis.trust.report import FAILED, INDETERMINATE, PASSED
from mutualis.trust.validation import validate
from tests import pki

CONTENT = b"Offre technique du lot 2\n"


@pytest.fixture(scope="module")
def ca():
    return pki.test_pki()


def check(signature, content=CONTENT, **anchors):
    (report,) = validate(
        "offre.pdf.p7s", signature, detached=content, anchors=pki.anchors(**anchors)
    )
    return report


@pytest.mark.parametrize("level", ["B-B", "B-T", "B-LT"])
def test_valid_detached_signature_passes_at_its_level(ca, level):
    report = check(pki.sign_detached(CONTENT, ca.valid, level))

    assert (report.indication, report.level, report.format) == (PASSED, level, "CAdES")
    assert report.signer == "Valérie Valid, Mutualis Test Bidders"


def test_revoked_without_timestamp_has_no_proof_of_existence(ca):
    signature = pki.sign_detached(CONTENT, ca.revoked, "B-B", revocation=True)

    report = check(signature)

    assert (report.indication, report.subindication) == (
        INDETERMINATE,
        "REVOKED_NO_POE",
    )


def test_revoked_after_a_timestamp_passes(ca):
    before = ca.now - pki.BEFORE_REVOCATION
    signature = pki.sign_detached(CONTENT, ca.revoked, "B-LT", timestamp_at=before)

    report = check(signature)

    assert (report.indication, report.time_source) == (PASSED, "timestamp")


def test_expired_certificate_is_indeterminate(ca):
    report = check(pki.sign_detached(CONTENT, ca.expired, "B-B"))

    assert (report.indication, report.subindication) == (
        INDETERMINATE,
        "OUT_OF_BOUNDS_NO_POE",
    )


def test_untrusted_root_is_indeterminate(ca):
    report = check(pki.sign_detached(CONTENT, ca.untrusted, "B-T"))

    assert (report.indication, report.subindication) == (
        INDETERMINATE,
        "NO_CERTIFICATE_CHAIN_FOUND",
    )


def test_qualified_only_for_the_qualified_signer(ca):
    registry = pki.registry()

    qualified = check(
        pki.sign_detached(CONTENT, ca.qualified, "B-T"), registry=registry
    )
    other = check(pki.sign_detached(CONTENT, ca.valid, "B-T"), registry=registry)

    assert (qualified.qualified, other.qualified) == (True, False)


def test_signature_over_another_file_fails(ca):
    report = check(pki.sign_detached(CONTENT, ca.valid, "B-T"), b"another file")

    assert (report.indication, report.subindication) == (FAILED, "HASH_FAILURE")
    assert "offre.pdf.p7s" in report.reason


def test_missing_content_is_signed_data_not_found(ca):
    report = check(pki.sign_detached(CONTENT, ca.valid, "B-B"), None)

    assert (report.indication, report.subindication) == (
        INDETERMINATE,
        "SIGNED_DATA_NOT_FOUND",
    )


def test_truncated_signature_is_a_format_failure(ca):
    signature = pki.sign_detached(CONTENT, ca.valid, "B-T")

    report = check(signature[: len(signature) // 3])

    assert (report.indication, report.subindication) == (FAILED, "FORMAT_FAILURE")
    assert "offre.pdf.p7s" in report.reason


def test_b_lta_passes_with_its_archive_timestamp(ca):
    report = check(pki.sign_detached(CONTENT, ca.valid, "B-LTA"))

    assert (report.indication, report.level) == (PASSED, "B-LTA")
    assert "archive timestamp" in report.checked


def test_b_lta_of_a_signer_revoked_after_its_timestamp_passes(ca):
    before = ca.now - pki.BEFORE_REVOCATION
    signature = pki.sign_detached(CONTENT, ca.revoked, "B-LTA", timestamp_at=before)

    report = check(signature)

    assert (report.indication, report.level, report.signing_time) == (
        PASSED,
        "B-LTA",
        before,
    )


def test_archive_timestamp_over_another_file_is_not_counted(ca):
    signature = _signed_data(pki.sign_detached(CONTENT, ca.valid, "B-LT"))
    archived = pki.with_archive_timestamp(signature, b"another file")

    report = check(archived.dump())

    assert report.level == "B-LTA"
    assert "archive timestamp" not in report.checked
    assert "archive timestamp does not cover this signature" in report.checked


def test_archive_timestamp_is_broken_by_removing_what_it_covers(ca):
    archived = _signed_data(pki.sign_detached(CONTENT, ca.valid, "B-LTA"))
    archived["content"]["crls"] = list(archived["content"]["crls"])[:1]

    report = check(cms.ContentInfo.load(archived.dump(force=True)).dump())

    assert "archive timestamp" not in report.checked
    assert (
        "revocation data that the archive timestamp covers was removed"
        in report.checked
    )


def test_data_added_after_the_archive_timestamp_does_not_break_it(ca):
    archived = _signed_data(pki.sign_detached(CONTENT, ca.valid, "B-LTA"))
    certificates = list(archived["content"]["certificates"])
    extra = cms.CertificateChoices(name="certificate", value=ca.root.cert)
    archived["content"]["certificates"] = [*certificates, extra]

    report = check(cms.ContentInfo.load(archived.dump(force=True)).dump())

    assert (report.indication, report.level) == (PASSED, "B-LTA")
    assert "archive timestamp" in report.checked


def _signed_data(der):
    return cms.ContentInfo.load(der)
