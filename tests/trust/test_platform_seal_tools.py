"""The platform's seal, checked by tools that are not Mutualis: poppler's pdfsig with
NSS, and Mutualis's own signature validation as a bidder's PDF would be."""

import subprocess

import pytest

from mutualis.trust.anchors import Anchors
from mutualis.trust.platform import asn1_certificate, platform_keys, root_pem, seal_pdf
from mutualis.trust.report import PASSED
from mutualis.trust.validation import validate
from tests.trust.test_platform import receipt_pdf


@pytest.fixture
def nss_db(tmp_path):
    """An NSS database trusting the platform's root, as a reader would set one up."""
    directory = tmp_path / "nss"
    directory.mkdir()
    subprocess.run(
        ["certutil", "-N", "-d", f"sql:{directory}", "--empty-password"], check=True
    )
    root = tmp_path / "root.pem"
    root.write_bytes(root_pem())
    subprocess.run(
        [
            "certutil",
            "-A",
            "-d",
            f"sql:{directory}",
            "-n",
            "Mutualis root",
            "-t",
            "C,C,C",
            "-a",
            "-i",
            str(root),
        ],
        check=True,
    )
    return directory


def pdfsig(path, nss_db):
    done = subprocess.run(
        ["pdfsig", "-nssdir", f"sql:{nss_db}", str(path)],
        capture_output=True,
        text=True,
    )
    return done.stdout


def test_pdfsig_finds_the_seal_valid_and_its_root_trusted(tmp_path, nss_db):
    sealed = tmp_path / "receipt.pdf"
    sealed.write_bytes(seal_pdf(receipt_pdf(), reason="Receipt MUT-2027-7K3Q-9XHD"))

    out = pdfsig(sealed, nss_db)

    assert "Signature Validation: Signature is Valid." in out
    assert "Certificate Validation: Certificate is Trusted." in out
    assert "Signer Certificate Common Name: Mutualis seal" in out


def test_pdfsig_finds_a_changed_byte(tmp_path, nss_db):
    data = bytearray(seal_pdf(receipt_pdf(), reason="Receipt"))
    position = data.index(b"MUT-2027-7K3Q-9XHD")
    data[position : position + 3] = b"MUX"
    changed = tmp_path / "changed.pdf"
    changed.write_bytes(bytes(data))

    out = pdfsig(changed, nss_db)

    assert "Signature Validation: Digest Mismatch." in out


def test_the_seal_passes_the_platforms_validation_at_b_t():
    roots = tuple(asn1_certificate(root) for root in platform_keys().roots)

    reports = validate(
        "receipt.pdf",
        seal_pdf(receipt_pdf(), reason="Receipt"),
        anchors=Anchors(roots=roots),
    )

    assert [(r.indication, r.level, r.signer) for r in reports] == [
        (PASSED, "B-T", "Mutualis seal, Mutualis")
    ]
    assert reports[0].time_source == "timestamp"
