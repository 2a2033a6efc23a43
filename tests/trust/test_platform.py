import asyncio
import io
import stat

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from pyhanko.pdf_utils.reader import PdfFileReader
from reportlab.pdfgen import canvas

from mutualis.trust.platform import check_seal, ensure_keys, platform_keys, seal_pdf


def receipt_pdf():
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pageCompression=0)
    page.drawString(72, 770, "Receipt MUT-2027-7K3Q-9XHD")
    page.save()
    return buffer.getvalue()


def test_generated_keys_are_readable_by_the_platform_alone(tmp_path):
    directory = tmp_path / "keys"

    created = ensure_keys(directory)

    assert created
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in directory.iterdir()}
    assert modes == dict.fromkeys(
        ["root.pem", "root.key", "tsa.pem", "tsa.key", "seal.pem", "seal.key"], 0o600
    )
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700


def test_keys_are_generated_once(tmp_path):
    directory = tmp_path / "keys"
    ensure_keys(directory)
    first = (directory / "root.pem").read_bytes()

    created = ensure_keys(directory)

    assert not created
    assert (directory / "root.pem").read_bytes() == first


def test_the_timestamp_authority_may_only_stamp_and_is_issued_by_the_root():
    keys = platform_keys()

    tsa = keys.tsa.certificate
    usage = tsa.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    constraints = keys.roots[0].extensions.get_extension_for_class(
        x509.BasicConstraints
    )
    assert usage.critical and list(usage.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    assert constraints.value.ca
    tsa.verify_directly_issued_by(keys.roots[0])
    keys.seal.certificate.verify_directly_issued_by(keys.roots[0])


def test_missing_keys_are_an_error_when_generation_is_off(settings, tmp_path):
    settings.MUTUALIS_KEYS_DIR = tmp_path / "mounted"
    settings.MUTUALIS_GENERATE_KEYS = False

    with pytest.raises(ImproperlyConfigured, match="keys are missing from .*mounted"):
        platform_keys()


def test_a_sealed_pdf_validates_with_its_timestamp():
    sealed = seal_pdf(receipt_pdf(), reason="Receipt MUT-2027-7K3Q-9XHD")

    status = check_seal(sealed)

    assert status.bottom_line
    assert (status.intact, status.valid, status.trusted) == (True, True, True)
    assert status.timestamp_validity.trusted
    assert status.signing_cert.subject.native["common_name"] == "Mutualis seal"
    signature = PdfFileReader(io.BytesIO(sealed)).embedded_signatures[0]
    assert signature.sig_object["/Reason"] == "Receipt MUT-2027-7K3Q-9XHD"


def test_a_changed_byte_breaks_the_seal():
    sealed = bytearray(seal_pdf(receipt_pdf(), reason="Receipt"))
    position = sealed.index(b"MUT-2027-7K3Q-9XHD")
    sealed[position : position + 3] = b"MUX"

    status = check_seal(bytes(sealed))

    assert not status.intact
    assert not status.bottom_line


def test_a_pdf_without_a_seal_is_said_so():
    with pytest.raises(ValueError, match="no signature"):
        check_seal(receipt_pdf())


def test_the_command_shows_the_three_certificates(settings, tmp_path):
    settings.MUTUALIS_KEYS_DIR = tmp_path / "keys"
    out = io.StringIO()

    call_command("platform_keys", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0] == f"generated in {tmp_path / 'keys'}:"
    assert lines[1].startswith("  root: CN=Mutualis root CA,O=Mutualis, until ")
    assert lines[2].startswith("  timestamps: CN=Mutualis timestamp authority")
    assert lines[3].startswith("  seal: CN=Mutualis seal")


def test_something_else_than_a_pdf_is_not_sealed():
    with pytest.raises(ValueError, match="cannot seal: not a readable PDF"):
        seal_pdf(b"PK\x03\x04 a zip file", reason="Receipt")


def test_a_seal_is_checked_from_inside_a_running_event_loop():
    sealed = seal_pdf(receipt_pdf(), reason="Receipt")

    async def check():
        return check_seal(sealed)

    assert asyncio.run(check()).bottom_line
