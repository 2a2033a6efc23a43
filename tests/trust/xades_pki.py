"""A small test PKI for XAdES tests: a root, an intermediate and their signers.

EC P-256 keys made with cryptography once per session: a valid signer, a revoked
one (on the intermediate's CRL), an expired one, and a signer under a root that
nobody trusts.
"""

import datetime as dt
import functools
from dataclasses import dataclass

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
DAY = dt.timedelta(days=1)
# The revoked signer lost its key ten days ago.
REVOKED_ON = NOW - 10 * DAY


@dataclass(frozen=True)
class Party:
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @property
    def asn1(self):
        return asn1_x509.Certificate.load(
            self.certificate.public_bytes(serialization.Encoding.DER)
        )


@dataclass(frozen=True)
class XadesPKI:
    root: Party
    intermediate: Party
    signer: Party
    revoked: Party
    expired: Party
    untrusted_root: Party
    untrusted_signer: Party
    crl: x509.CertificateRevocationList

    def chain(self, party):
        """The signer's certificate then the intermediate, as signxml takes them."""
        return [party.certificate, self.intermediate.certificate]


def name(common_name):
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Mutualis test PKI"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def issue(common_name, issuer=None, *, ca=False, start=None, end=None):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = name(common_name)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.certificate.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start or NOW - 365 * DAY)
        .not_valid_after(end or NOW + 365 * DAY)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(key_usage(ca), critical=True)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
        )
    )
    if not ca:
        # Where the CRL would be fetched from: certvalidator looks for revocation
        # data only when the certificate says it has some.
        builder = builder.add_extension(crl_pointer(), critical=False)
    signing_key = issuer.key if issuer else key
    certificate = builder.sign(signing_key, hashes.SHA256())
    return Party(certificate, key)


def crl_pointer():
    point = x509.DistributionPoint(
        full_name=[x509.UniformResourceIdentifier("http://127.0.0.1:9/signing-ca.crl")],
        relative_name=None,
        reasons=None,
        crl_issuer=None,
    )
    return x509.CRLDistributionPoints([point])


def key_usage(ca):
    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=not ca,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def revocation_list(intermediate, revoked):
    entry = (
        x509.RevokedCertificateBuilder()
        .serial_number(revoked.certificate.serial_number)
        .revocation_date(REVOKED_ON)
        .build()
    )
    return (
        x509.CertificateRevocationListBuilder()
        .issuer_name(intermediate.certificate.subject)
        .last_update(NOW - DAY)
        .next_update(NOW + 30 * DAY)
        .add_revoked_certificate(entry)
        .add_extension(x509.CRLNumber(1), critical=False)
        .sign(intermediate.key, hashes.SHA256())
    )


@functools.cache
def make_pki():
    root = issue("Test Root CA", ca=True, end=NOW + 3650 * DAY)
    intermediate = issue("Test Signing CA", root, ca=True, end=NOW + 1825 * DAY)
    revoked = issue("Revoked Signer", intermediate)
    untrusted_root = issue("Unknown Root CA", ca=True)
    return XadesPKI(
        root=root,
        intermediate=intermediate,
        signer=issue("Valid Signer", intermediate),
        revoked=revoked,
        expired=issue(
            "Expired Signer", intermediate, start=NOW - 400 * DAY, end=NOW - 30 * DAY
        ),
        untrusted_root=untrusted_root,
        untrusted_signer=issue("Stranger Signer", untrusted_root),
        crl=revocation_list(intermediate, revoked),
    )
