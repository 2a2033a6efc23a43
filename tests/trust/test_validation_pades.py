import pytest

from mutualis.trust.report import FAILED, INDETERMINATE, PASSED
from mutualis.trust.validation import validate
from tests import pki


@pytest.fixture(scope="module")
def ca():
    return pki.test_pki()


@pytest.fixture(scope="module")
def pdf():
    return pki.blank_pdf()


def only(reports):
    assert len(reports) == 1
    return reports[0]


@pytest.mark.parametrize("level", ["B-B", "B-T", "B-LT"])
def test_valid_signature_passes_at_its_level(ca, pdf, level):
    signed = pki.sign_pdf(pdf, ca.valid, level)

    report = only(validate("bid.pdf", signed, anchors=pki.anchors()))

    assert (report.indication, report.level) == (PASSED, level)
    assert report.signer == "Valérie Valid, Mutualis Test Bidders"
    assert report.issuer == "Mutualis Test Issuing CA, Mutualis Test CA"
    assert report.trusted_by == "test PKI"


def test_b_t_is_judged_at_its_timestamp(ca, pdf):
    report = only(
        validate("bid.pdf", pki.sign_pdf(pdf, ca.valid, "B-T"), anchors=pki.anchors())
    )

    assert report.time_source == "timestamp"
    assert "signature timestamp" in report.checked


def test_b_lt_uses_the_embedded_revocation_data(ca, pdf):
    report = only(
        validate("bid.pdf", pki.sign_pdf(pdf, ca.valid, "B-LT"), anchors=pki.anchors())
    )

    assert "revocation status from the embedded data" in report.checked


def test_b_lta_passes_with_its_document_timestamp(ca, pdf):
    signed = pki.sign_pdf(pdf, ca.valid, "B-LTA")

    report = only(validate("bid.pdf", signed, anchors=pki.anchors()))

    assert (report.indication, report.level) == (PASSED, "B-LTA")
    assert "document timestamp" in report.checked
    assert report.time_source == "timestamp"


def test_b_lta_of_a_signer_revoked_later_passes(ca, pdf):
    before = ca.now - pki.BEFORE_REVOCATION
    signed = pki.sign_pdf(pdf, ca.revoked, "B-LTA", timestamp_at=before)

    report = only(validate("bid.pdf", signed, anchors=pki.anchors()))

    assert (report.indication, report.level) == (PASSED, "B-LTA")
    assert report.signing_time == before


def test_b_lta_of_a_signer_revoked_before_its_timestamp_is_not_passed(ca, pdf):
    signed = pki.sign_pdf(pdf, ca.revoked, "B-LTA")

    report = only(validate("bid.pdf", signed, anchors=pki.anchors()))

    assert report.level == "B-LTA"
    assert report.indication != PASSED


def test_b_lta_under_an_untrusted_root_is_indeterminate(ca, pdf):
    signed = pki.sign_pdf(pdf, ca.untrusted, "B-LTA")

    report = only(validate("bid.pdf", signed, anchors=pki.anchors()))

    assert (report.indication, report.subindication) == (
        INDETERMINATE,
        "NO_CERTIFICATE_CHAIN_FOUND",
    )


def test_revoked_without_timestamp_has_no_proof_of_existence(ca, pdf):
    signed = pki.sign_pdf(pdf, ca.revoked, "B-B", revocation=True)

    report = only(validate("bid.pdf", signed, anchors=pki.anchors()))

    assert (report.indication, report.subindication) == (
        INDETERMINATE,
        "REVOKED_NO_POE",
    )
    assert report.time_source == "claimed"


def test_revoked_after_a_timestamp_passes(ca, pdf):
    before = ca.now - pki.BEFORE_REVOCATION
    signed = pki.sign_pdf(pdf, ca.revoked, "B-LT", timestamp_at=before)

    report = only(validate("bid.pdf", signed, anchors=pki.anchors()))

    assert report.indication == PASSED
    assert report.signing_time == before


def test_expired_certificate_is_indeterminate(ca, pdf):
    signed = pki.sign_pdf(pdf, ca.expired, "B-B")

    report = only(validate("bid.pdf", signed, anchors=pki.anchors()))

    assert (report.indication, report.subindication) == (
        INDETERMINATE,
        "OUT_OF_BOUNDS_NO_POE",
    )


def test_expired_certificate_with_a_later_timestamp_is_indeterminate(ca, pdf):
    signed = pki.sign_pdf(pdf, ca.expired, "B-T")

    report = only(validate("bid.pdf", signed, anchors=pki.anchors()))

    assert (report.indication, report.subindication) == (
        INDETERMINATE,
        "OUT_OF_BOUNDS_NO_POE",
    )


def test_untrusted_root_is_indeterminate(ca, pdf):
    signed = pki.sign_pdf(pdf, ca.untrusted, "B-T")

    report = only(validate("bid.pdf", signed, anchors=pki.anchors()))

    assert (report.indication, report.subindication) == (
        INDETERMINATE,
        "NO_CERTIFICATE_CHAIN_FOUND",
    )
    assert report.trusted_by is None


def test_qualified_signer_is_qualified_with_the_registry(ca, pdf):
    signed = pki.sign_pdf(pdf, ca.qualified, "B-T")

    report = only(
        validate("bid.pdf", signed, anchors=pki.anchors(registry=pki.registry()))
    )

    assert (report.indication, report.qualified) == (PASSED, True)


def test_other_signer_is_not_qualified_with_the_registry(ca, pdf):
    signed = pki.sign_pdf(pdf, ca.valid, "B-T")

    report = only(
        validate("bid.pdf", signed, anchors=pki.anchors(registry=pki.registry()))
    )

    assert report.qualified is False


def test_qualification_is_unknown_without_registry(ca, pdf):
    signed = pki.sign_pdf(pdf, ca.qualified, "B-T")

    assert only(validate("bid.pdf", signed, anchors=pki.anchors())).qualified is None


def test_changed_signed_bytes_fail(ca, pdf):
    signed = pki.sign_pdf(pdf, ca.valid, "B-B")
    changed = signed.replace(b"842", b"843", 1)
    assert changed != signed

    report = only(validate("bid.pdf", changed, anchors=pki.anchors()))

    assert (report.indication, report.subindication) == (FAILED, "HASH_FAILURE")
    assert "bid.pdf" in report.reason


def test_pdf_without_signature_has_no_report(pdf):
    assert validate("plain.pdf", pdf, anchors=pki.anchors()) == []


def test_garbage_is_a_format_failure():
    report = only(validate("bid.bin", b"\x00garbage", anchors=pki.anchors()))

    assert (report.indication, report.subindication) == (FAILED, "FORMAT_FAILURE")
    assert "bid.bin" in report.reason


def test_truncated_pdf_is_a_format_failure(ca, pdf):
    signed = pki.sign_pdf(pdf, ca.valid, "B-B")

    reports = validate("bid.pdf", signed[: len(signed) // 2], anchors=pki.anchors())

    assert [(r.indication, r.subindication) for r in reports] == [
        (FAILED, "FORMAT_FAILURE")
    ]
