"""The platform's own identity: a root CA, a timestamp authority and a seal.

Out of the box the three are generated on first use under MUTUALIS_KEYS_DIR (EC
P-256, keys readable by the platform's user alone). Production puts its own files
there (root.pem, tsa.pem, tsa.key, seal.pem, seal.key; a certificate file may carry
its chain after the leaf) and sets MUTUALIS_GENERATE_KEYS=false.
"""

import datetime as dt
import functools
import io
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from mutualis.core.time import now

FILES = ("root.pem", "tsa.pem", "tsa.key", "seal.pem", "seal.key")
# Generated certificates start a year back: tests and demos move the clock, and
# a timestamp must never predate its own authority.
BACKDATE = dt.timedelta(days=366)
LIFETIME = dt.timedelta(days=365 * 30)
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")


@dataclass(frozen=True)
class Identity:
    """A certificate, its private key, and the certificates that issued it."""

    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    chain: tuple[x509.Certificate, ...]


@dataclass(frozen=True)
class PlatformKeys:
    roots: tuple[x509.Certificate, ...]
    tsa: Identity
    seal: Identity


def platform_keys():
    """The platform's keys, loaded from MUTUALIS_KEYS_DIR (generated if allowed)."""
    return _load(str(settings.MUTUALIS_KEYS_DIR))


def ensure_keys(directory=None):
    """Generate the platform's keys in `directory` unless they are already there."""
    directory = Path(directory or settings.MUTUALIS_KEYS_DIR)
    if (directory / "root.pem").exists():
        return False
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".keys-", dir=directory.parent))
    try:
        _write_new_keys(staging)
        # A concurrent process may win the race; its keys are as good as ours.
        os.rename(staging, directory)
    except OSError:
        if not (directory / "root.pem").exists():
            raise
        return False
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _load.cache_clear()
    return True


def root_pem():
    """The platform's trust anchors in PEM, for whoever checks its seals."""
    return b"".join(
        c.public_bytes(serialization.Encoding.PEM) for c in platform_keys().roots
    )


@functools.lru_cache(maxsize=4)
def _load(directory):
    path = Path(directory)
    if not (path / "root.pem").exists():
        if not settings.MUTUALIS_GENERATE_KEYS:
            raise ImproperlyConfigured(
                f"The platform's keys are missing from MUTUALIS_KEYS_DIR ({path}): "
                f"expected {', '.join(FILES)}"
            )
        ensure_keys(path)
    return PlatformKeys(
        roots=tuple(_read_certificates(path / "root.pem")),
        tsa=_read_identity(path, "tsa"),
        seal=_read_identity(path, "seal"),
    )


def _read_certificates(path):
    try:
        certificates = x509.load_pem_x509_certificates(path.read_bytes())
    except (OSError, ValueError) as error:
        raise ImproperlyConfigured(f"{path}: no PEM certificate ({error})") from None
    return certificates


def _read_identity(directory, name):
    certificates = _read_certificates(directory / f"{name}.pem")
    key_path = directory / f"{name}.key"
    try:
        key = serialization.load_pem_private_key(key_path.read_bytes(), None)
    except (OSError, ValueError, TypeError) as error:
        raise ImproperlyConfigured(
            f"{key_path}: no unencrypted PEM private key ({error})"
        ) from None
    return Identity(certificates[0], key, tuple(certificates[1:]))


def _write_new_keys(directory):
    name = settings.MUTUALIS_PLATFORM_NAME
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = _root_certificate(root_key, name)
    _write(directory / "root.pem", _pem(root))
    _write(directory / "root.key", _key_pem(root_key))
    for role, title, usage in (
        ("tsa", "timestamp authority", (ExtendedKeyUsageOID.TIME_STAMPING,)),
        # Document signing (RFC 9336), and e-mail protection, which NSS-based
        # readers (poppler's pdfsig, Firefox) require of a PDF signer.
        ("seal", "seal", (DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION)),
    ):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _leaf_certificate(key, f"{name} {title}", usage, root, root_key)
        _write(directory / f"{role}.pem", _pem(cert) + _pem(root))
        _write(directory / f"{role}.key", _key_pem(key))


def _write(path, content):
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)


def _pem(certificate):
    return certificate.public_bytes(serialization.Encoding.PEM)


def _key_pem(key):
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _subject(common_name):
    return x509.Name(
        [
            x509.NameAttribute(
                NameOID.ORGANIZATION_NAME, settings.MUTUALIS_PLATFORM_NAME
            ),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _builder(subject, issuer, public_key):
    start = now() - BACKDATE
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + LIFETIME)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False
        )
    )


def _root_certificate(key, name):
    subject = _subject(f"{name} root CA")
    usage = _key_usage(key_cert_sign=True, crl_sign=True)
    return (
        _builder(subject, subject, key.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage, critical=True)
        .sign(key, hashes.SHA256())
    )


def _leaf_certificate(key, common_name, purpose, root, root_key):
    usage = _key_usage(digital_signature=True, content_commitment=True)
    issuer_key_id = x509.AuthorityKeyIdentifier.from_issuer_public_key(
        root_key.public_key()
    )
    # RFC 3161, 2.3: a TSA certificate has exactly this purpose, marked critical.
    return (
        _builder(_subject(common_name), root.subject, key.public_key())
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.ExtendedKeyUsage(list(purpose)), critical=True)
        .add_extension(issuer_key_id, critical=False)
        .sign(root_key, hashes.SHA256())
    )


def _key_usage(**granted):
    names = (
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
        "key_cert_sign",
        "crl_sign",
        "encipher_only",
        "decipher_only",
    )
    return x509.KeyUsage(**{n: granted.get(n, False) for n in names})


def seal_pdf(pdf_bytes, *, reason):
    """The PDF sealed by the platform as PAdES B-T: signature and timestamp."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign import fields, signers

    from mutualis.trust.timestamps import run, timestamper

    keys = platform_keys()
    signer = signers.SimpleSigner(
        signing_cert=asn1_certificate(keys.seal.certificate),
        signing_key=_asn1_key(keys.seal.key),
        cert_registry=_registry(keys.seal.chain),
    )
    metadata = signers.PdfSignatureMetadata(
        field_name="MutualisSeal",
        reason=str(reason),
        name=settings.MUTUALIS_PLATFORM_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
    except PdfError as error:
        raise ValueError(f"cannot seal: not a readable PDF ({error})") from None
    pdf_signer = signers.PdfSigner(metadata, signer=signer, timestamper=timestamper())
    # sign_pdf would call asyncio.run, which fails under a running loop.
    return run(pdf_signer.async_sign_pdf(writer)).getvalue()


@functools.lru_cache(maxsize=32)
def asn1_certificate(certificate):
    """A `cryptography` certificate as the asn1crypto object pyHanko takes.

    Cached: asn1crypto keeps an object's encoding once made, and making it again
    for every token was most of a timestamp's cost.
    """
    from asn1crypto import x509 as asn1_x509

    return asn1_x509.Certificate.load(
        certificate.public_bytes(serialization.Encoding.DER)
    )


def _asn1_key(key):
    from asn1crypto import keys as asn1_keys

    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return asn1_keys.PrivateKeyInfo.load(der)


def _registry(certificates):
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    return SimpleCertificateStore.from_certs(
        [asn1_certificate(c) for c in certificates]
    )


def check_seal(pdf_bytes):
    """pyHanko's status of the PDF's last signature, against the platform's roots."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from mutualis.trust.timestamps import run, trust_roots

    signatures = PdfFileReader(io.BytesIO(pdf_bytes), strict=False).embedded_signatures
    if not signatures:
        raise ValueError("the PDF carries no signature")
    roots = trust_roots()
    return run(
        async_validate_pdf_signature(
            signatures[-1],
            ValidationContext(trust_roots=roots),
            ts_validation_context=ValidationContext(trust_roots=roots),
        )
    )
