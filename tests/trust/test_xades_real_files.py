"""Real XAdES files (see shared/data/trust/SOURCES.md): with no trust anchor, none passes."""

import base64
import zipfile
from io import BytesIO

import pytest
from asn1crypto import x509
from lxml import etree

from mutualis.trust.anchors import Anchors
from mutualis.trust.report import INDETERMINATE
from mutualis.trust.xades import validate_xades
from tests.shared_data import TRUST_DATA, needs_shared_trust

DATA = TRUST_DATA
pytestmark = needs_shared_trust
NO_CHAIN = (INDETERMINATE, "NO_CERTIFICATE_CHAIN_FOUND")
XADES = "http://uri.etsi.org/01903/v1.3.2#"
# Without anchors the timestamp authority is not trusted; its imprint, recomputed
# from the signature, still matches.
LTA_SEEN = (
    "B-LTA archive timestamp verified (imprint, signature); "
    "its authority is not accepted"
)

# file: (indication, sub-indication, level reached)
EXPECTED = {
    # SiVa: XAdES_BASELINE_B/LT/LTA, test PKI unknown here.
    "TEST_ESTEID2018_XAdES_B_enveloped.xml": (*NO_CHAIN, "B-B"),
    "TEST_ESTEID2018_XAdES_LT_enveloped.xml": (*NO_CHAIN, "B-LT"),
    # Its archive timestamp's authority is not trusted here: B-LT.
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


def test_the_lta_file_archive_timestamp_covers_the_signature():
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
    if "LTA" in name:
        assert LTA_SEEN in reports[0].checked


def test_the_lta_file_reaches_b_lta_under_its_test_authorities():
    name = "TEST_ESTEID2018_XAdES_LTA_enveloped.xml"
    document = etree.fromstring((DATA / "xades" / name).read_bytes())
    carried = [
        x509.Certificate.load(base64.b64decode(node.text))
        for node in document.iter(f"{{{XADES}}}EncapsulatedX509Certificate")
    ]
    # As the Estonian test trusted list does: the issuing CA and the TSA's CA.
    listed = {"TEST of ESTEID2018", "TEST of SK TSA CA 2023E"}
    roots = tuple(c for c in carried if c.subject.native["common_name"] in listed)
    anchors = Anchors(roots=roots, sources={c.sha256.hex(): "SK test" for c in roots})

    (report,) = validate_xades(name, etree.tostring(document), anchors=anchors)

    assert len(roots) == 2
    assert report.level == "B-LTA"
    assert (
        "B-LTA archive timestamp verified (imprint, signature, trusted authority)"
        in report.checked
    )
