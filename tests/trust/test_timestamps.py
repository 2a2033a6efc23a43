import datetime as dt
import hashlib
import shutil
import subprocess

import pytest
import time_machine
from asn1crypto import cms, tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID
from hypothesis import given, settings
from hypothesis import strategies as st
from pyhanko.sign.timestamps import HTTPTimeStamper

from mutualis.trust.platform import ensure_keys
from mutualis.trust.timestamps import TimestampError, stamp, timestamper, verify

DIGEST = hashlib.sha256(b"receipt MUT-2027-7K3Q-9XHD").digest()
OTHER = hashlib.sha256(b"receipt MUT-2027-7K3Q-9XHE").digest()


def test_a_token_gives_back_the_instant_it_was_stamped():
    with time_machine.travel(
        dt.datetime(2027, 2, 12, 15, 59, 59, 999000, tzinfo=dt.UTC)
    ):
        token = stamp(DIGEST)

    assert verify(token, DIGEST) == dt.datetime(
        2027, 2, 12, 15, 59, 59, 999000, tzinfo=dt.UTC
    )


def openssl_verify(tmp_path, keys_dir, token, digest):
    """`openssl ts -verify`: an implementation that owes nothing to ours."""
    (tmp_path / "token.der").write_bytes(token)
    command = ["openssl", "ts", "-verify", "-token_in", "-in", tmp_path / "token.der"]
    command += ["-digest", digest.hex(), "-CAfile", keys_dir / "root.pem"]
    command += ["-untrusted", keys_dir / "tsa.pem"]
    return subprocess.run(command, capture_output=True, text=True, check=False)


needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl")


@needs_openssl
def test_openssl_verifies_the_token_against_the_platform_root(
    tmp_path, platform_keys_dir
):
    result = openssl_verify(tmp_path, platform_keys_dir, stamp(DIGEST), DIGEST)

    assert result.stdout.strip() == "Verification: OK", result.stderr


@needs_openssl
def test_openssl_refuses_the_token_for_another_digest(tmp_path, platform_keys_dir):
    result = openssl_verify(tmp_path, platform_keys_dir, stamp(DIGEST), OTHER)

    assert result.returncode == 1
    assert "message imprint mismatch" in result.stderr


def test_the_token_parses_as_standard_signed_data_with_a_sound_signature():
    token = cms.ContentInfo.load(stamp(DIGEST))

    signed_data = token["content"]
    tst_bytes = signed_data["encap_content_info"]["content"].contents
    tst_info = tsp.TSTInfo.load(tst_bytes)
    signer = signed_data["signer_infos"][0]
    attributes = {a["type"].native: a["values"][0] for a in signer["signed_attrs"]}
    serial = signer["sid"].chosen["serial_number"].native
    certificate = next(
        x509.load_der_x509_certificate(c.chosen.dump())
        for c in signed_data["certificates"]
        if c.chosen.serial_number == serial
    )
    certificate.public_key().verify(
        signer["signature"].native,
        # RFC 5652, 5.4: the signature covers the attributes as an explicit SET OF.
        b"\x31" + signer["signed_attrs"].dump()[1:],
        ec.ECDSA(hashes.SHA256()),
    )
    assert token["content_type"].native == "signed_data"
    assert tst_info["message_imprint"]["hash_algorithm"]["algorithm"].native == "sha256"
    assert tst_info["message_imprint"]["hashed_message"].native == DIGEST
    assert attributes["content_type"].native == "tst_info"
    assert attributes["message_digest"].native == hashlib.sha256(tst_bytes).digest()
    usage = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert usage.critical
    assert list(usage.value) == [ExtendedKeyUsageOID.TIME_STAMPING]


def test_a_changed_digest_is_refused():
    token = stamp(DIGEST)

    with pytest.raises(TimestampError, match="issued for another document"):
        verify(token, OTHER)


def test_a_changed_byte_in_the_token_breaks_its_signature():
    token = bytearray(stamp(DIGEST))
    position = token.index(DIGEST) + len(DIGEST) + 4  # inside the serial number
    token[position] ^= 0x01

    with pytest.raises(TimestampError, match="does not match its signature"):
        verify(bytes(token), DIGEST)


def test_a_token_from_an_unknown_authority_is_not_trusted(settings, tmp_path):
    settings.MUTUALIS_KEYS_DIR = tmp_path / "elsewhere"
    ensure_keys(settings.MUTUALIS_KEYS_DIR)
    foreign = stamp(DIGEST)
    settings.MUTUALIS_KEYS_DIR = tmp_path / "ours"

    with pytest.raises(TimestampError, match="not trusted: .*Mutualis timestamp"):
        verify(foreign, DIGEST)


def test_something_else_than_a_token_is_refused():
    with pytest.raises(TimestampError, match="not an RFC 3161 timestamp token"):
        verify(b"0\x03\x02\x01\x01", DIGEST)


def test_a_digest_of_the_wrong_size_is_refused():
    with pytest.raises(TimestampError, match="sha256 digest of 20 bytes"):
        stamp(b"x" * 20)


def test_a_configured_authority_is_asked_over_http(settings):
    settings.MUTUALIS_TSA_URL = "https://tsa.example.eu/rfc3161"
    settings.MUTUALIS_TSA_USERNAME = "mutualis"
    settings.MUTUALIS_TSA_PASSWORD = "s3cret"

    stamper = timestamper()

    assert isinstance(stamper, HTTPTimeStamper)
    assert stamper.url == "https://tsa.example.eu/rfc3161"
    assert stamper.request_headers()["Authorization"] == "Basic bXV0dWFsaXM6czNjcmV0"


@settings(max_examples=20, deadline=None)
@given(
    payload=st.binary(max_size=256),
    algorithm=st.sampled_from(["sha256", "sha384", "sha512"]),
)
def test_any_digest_stamps_and_verifies(payload, algorithm):
    digest = hashlib.new(algorithm, payload).digest()

    token = stamp(digest, algorithm)

    assert verify(token, digest).tzinfo == dt.UTC
