from pathlib import Path

import pytest
from asn1crypto import cms

from mutualis.trust.anchors import Anchors
from mutualis.trust.validation import validate
from tests.shared_data import TRUST_DATA, needs_shared_trust

DATA = TRUST_DATA
pytestmark = needs_shared_trust
NO_CHAIN = ("INDETERMINATE", "NO_CERTIFICATE_CHAIN_FOUND")
INDETERMINATE = "INDETERMINATE"

# (file, detached content, the verdict of each signature with no trusted root)
CASES = [
    ("pades/TEST_ESTEID2018_PAdES_B_enveloped.pdf", None, [NO_CHAIN]),
    ("pades/TEST_ESTEID2018_PAdES_T_enveloped.pdf", None, [NO_CHAIN]),
    ("pades/TEST_ESTEID2018_PAdES_LT_enveloped.pdf", None, [NO_CHAIN]),
    ("pades/TEST_ESTEID2018_PAdES_LTA_enveloped.pdf", None, [NO_CHAIN]),
    ("pades/pades_lt_revoked.pdf", None, [NO_CHAIN]),
    ("pades/pdf-signed-original.pdf", None, [NO_CHAIN]),
    (
        "pades/hellopades-pades-b-sha256-auth.pdf",
        None,
        [("TOTAL-FAILED", "FORMAT_FAILURE")],
    ),
    (
        "pades/hellopades-lt1-lt2-wrongDigestValue.pdf",
        None,
        [
            NO_CHAIN,
            ("TOTAL-FAILED", "FORMAT_FAILURE"),
            ("TOTAL-FAILED", "HASH_FAILURE"),
            ("TOTAL-FAILED", "FORMAT_FAILURE"),
        ],
    ),
    (
        "cades/siva/TEST_ESTEID2018_CAdES_B_detached.p7s",
        "cades/siva/test.txt",
        [NO_CHAIN],
    ),
    (
        "cades/siva/TEST_ESTEID2018_CAdES_T_detached.p7s",
        "cades/siva/test.txt",
        [NO_CHAIN],
    ),
    (
        "cades/siva/TEST_ESTEID2018_CAdES_LT_detached.p7s",
        "cades/siva/test.txt",
        [NO_CHAIN],
    ),
    (
        "cades/siva/TEST_ESTEID2018_CAdES_LTA_detached.p7s",
        "cades/siva/test.txt",
        [NO_CHAIN],
    ),
    ("cades/siva/hellocades.p7s", None, [NO_CHAIN]),
    ("cades/dss-1220/CAdES-BpB_revoked_signingCertificate.p7m", None, [NO_CHAIN]),
    (
        "cades/dss-1892/detached_with_counter_sig.p7m",
        "cades/dss-1892/signed_content.bin",
        [NO_CHAIN],
    ),
]


@pytest.mark.parametrize(("name", "content", "expected"), CASES)
def test_real_file_is_never_passed_without_trusted_roots(name, content, expected):
    detached = (DATA / content).read_bytes() if content else None

    reports = validate(
        Path(name).name,
        (DATA / name).read_bytes(),
        detached=detached,
        anchors=Anchors(),
    )

    assert [(r.indication, r.subindication) for r in reports] == expected


def test_detached_real_signature_over_nothing_is_not_found():
    name = "cades/siva/TEST_ESTEID2018_CAdES_B_detached.p7s"

    (report,) = validate("b.p7s", (DATA / name).read_bytes(), anchors=Anchors())

    assert report.subindication == "SIGNED_DATA_NOT_FOUND"


def test_real_cades_b_lta_archive_timestamp_holds_under_its_test_roots():
    name = "cades/siva/TEST_ESTEID2018_CAdES_LTA_detached.p7s"
    signature = (DATA / name).read_bytes()
    certificates = cms.ContentInfo.load(signature)["content"]["certificates"]
    roots = tuple(c.chosen for c in certificates if c.chosen.subject == c.chosen.issuer)
    anchors = Anchors(roots=roots, sources={c.sha256.hex(): "SK test" for c in roots})

    (report,) = validate(
        "test.txt.p7s",
        signature,
        detached=(DATA / "cades/siva/test.txt").read_bytes(),
        anchors=anchors,
    )

    # The imprint recomputed from the real ats-hash-index-v3 matches its token.
    assert report.level == "B-LTA"
    assert "archive timestamp" in report.checked
    # Its 2024 OCSP answer has no nextUpdate: too old today for the process
    # for signatures with time (TODO(cades-past)).
    assert report.indication == INDETERMINATE
