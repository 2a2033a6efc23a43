"""Real XAdES files (see shared/data/trust/SOURCES.md): with no trust anchor, none passes."""

import zipfile
from io import BytesIO

import pytest

from mutualis.trust.anchors import Anchors
from mutualis.trust.report import INDETERMINATE
from mutualis.trust.xades import validate_xades
from tests.shared_data import TRUST_DATA, needs_shared_trust

DATA = TRUST_DATA
pytestmark = needs_shared_trust
NO_CHAIN = (INDETERMINATE, "NO_CERTIFICATE_CHAIN_FOUND")
LTA_SEEN = "B-LTA archive timestamp present, not verified"

# file: (indication, sub-indication, level reached)
EXPECTED = {
    # SiVa: XAdES_BASELINE_B/LT/LTA, test PKI unknown here.
    "TEST_ESTEID2018_XAdES_B_enveloped.xml": (*NO_CHAIN, "B-B"),
    "TEST_ESTEID2018_XAdES_LT_enveloped.xml": (*NO_CHAIN, "B-LT"),
    # The archive timestamp is not recomputed: B-LT at most.
    "TEST_ESTEID2018_XAdES_LTA_enveloped.xml": (*NO_CHAIN, "B-LT"),
    # DSS: real BE eID signer with CRL and OCSP values.
    "Signature-X-BE_ECON-3.xml": (*NO_CHAIN, "B-LT"),
    # DSS: a ds:Manifest signature with a signature timestamp.
    "Signature-X-CZ_SEF-4.xml": (*NO_CHAIN, "B-T"),
    # DSS: intact and valid, but XAdES 1.2.2, which is not read here.
    "Signature-X-FR_NOT-3.xml": (INDETERMINATE, "FORMAT_FAILURE", None),
}


def validate(name, **kwargs):
    data = (DATA / "xades" / name).read_bytes()
    return validate_xades(name, data, anchors=Anchors(), **kwargs)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_real_file_without_anchors_is_indeterminate(name):
    (report,) = validate(name)

    assert (report.indication, report.subindication, report.level) == EXPECTED[name]
    assert not report.passed


def test_the_lta_file_says_its_archive_timestamp_was_not_verified():
    (report,) = validate("TEST_ESTEID2018_XAdES_LTA_enveloped.xml")

    assert LTA_SEEN in report.checked
    assert "JÕEORG" in report.signer


def test_the_real_detached_signature_with_its_file():
    content = (DATA / "cades" / "siva" / "test.txt").read_bytes()

    (report,) = validate(
        "TEST_ESTEID2018_XAdES_LT_detached.xml", detached={"test.txt": content}
    )

    assert (report.indication, report.subindication, report.level) == (
        *NO_CHAIN,
        "B-LT",
    )


def test_the_real_detached_signature_with_a_changed_file():
    content = (DATA / "cades" / "siva" / "test.txt").read_bytes() + b"!"

    (report,) = validate(
        "TEST_ESTEID2018_XAdES_LT_detached.xml", detached={"test.txt": content}
    )

    assert (report.indication, report.subindication) == ("TOTAL-FAILED", "HASH_FAILURE")


def test_the_real_detached_signature_without_its_file():
    (report,) = validate("TEST_ESTEID2018_XAdES_LT_detached.xml")

    assert (report.indication, report.subindication) == (
        INDETERMINATE,
        "SIGNED_DATA_NOT_FOUND",
    )


def asic_reports(name):
    """Each signature of an ASiC-E container, its other files as detached data."""
    with zipfile.ZipFile(BytesIO((DATA / "asic" / name).read_bytes())) as container:
        files = {n: container.read(n) for n in container.namelist()}
    signatures = [n for n in files if n.startswith("META-INF/signatures")]
    assert signatures
    detached = {n: v for n, v in files.items() if not n.startswith("META-INF/")}
    return [
        report
        for signature in signatures
        for report in validate_xades(
            signature, files[signature], detached=detached, anchors=Anchors()
        )
    ]


@pytest.mark.parametrize(
    ("name", "level"),
    [
        ("TEST_ESTEID2018_ASiC-E_XAdES_LT.sce", "B-LT"),
        ("TEST_ESTEID2018_ASiC-E_XAdES_LTA.sce", "B-LT"),
        ("EE_SER-AEX-B-LTA-V-24.asice", "B-LT"),
    ],
)
def test_asic_e_signatures_without_anchors_are_indeterminate(name, level):
    reports = asic_reports(name)

    assert [(r.indication, r.subindication, r.level) for r in reports] == [
        (*NO_CHAIN, level)
    ]
