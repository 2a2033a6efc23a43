"""A small test PKI, made in memory, to sign PDFs and detached CAdES as bidders do.

`test_pki()` returns a `TestPKI` (cached: build once per process), made of EC P-256
keys (RSA for the TSA) and certificates from `cryptography`:

- `root` and `intermediate`: the test certification authorities (the intermediate
  issues every signer and the TSA);
- signers: `valid`, `qualified` (carries QUALIFIED_POLICY, which `registry()`
  marks as qualified for e-signatures), `revoked` (listed on `crl`, revoked
  REVOKED_AGO ago; its certificate names a CRL distribution point),
  `expired` (expired a year ago) and `untrusted` (under `other_root`, trusted
  by nobody);
- `tsa`: a timestamp authority (EKU timeStamping) for signature and document
  timestamps, through pyHanko's DummyTimeStamper;
- `crl`: the intermediate's CRL (listing `revoked`) and `root_crl` the root's
  (listing nothing), both embedded in B-LT signatures.

Helpers: `sign_pdf(data, signer, level)` (B-B, B-T, B-LT, B-LTA),
`sign_detached(data, signer, level)` (CAdES B-B, B-T, B-LT, B-LTA), `anchors(...)` and
`registry()`, a pyHanko TSPRegistry in which the intermediate is a qualified CA.
Importing this module does nothing but define these: every key is made on the
first call to `test_pki()`.
"""

import datetime as dt
import functools
import io
from dataclasses import dataclass

from asn1crypto import cms, core
from asn1crypto import crl as asn1_crl
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# An OID under 2.25 (derived from a UUID, ITU-T X.667) for the qualified policy.
QUALIFIED_POLICY = "2.25.302436154920612859031297563190284657751"
CRL_URL = "http://127.0.0.1:9/intermediate.crl"
REVOKED_AGO = dt.timedelta(days=10)
# A signature timestamp made before the revocation (for B-T revoked signatures).
BEFORE_REVOCATION = dt.timedelta(days=30)


@dataclass(frozen=True)
class Party:
    """One certificate and its key, in both libraries' types."""

    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

    @property
    def cert(self):
        """The certificate as the asn1crypto object pyHanko takes."""
        return _asn1(self.certificate)

    @property
    def private_key(self):
        der = self.key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return asn1_keys.PrivateKeyInfo.load(der)


@dataclass(frozen=True)
class TestPKI:
    now: dt.datetime
    root: Party
    intermediate: Party
    other_root: Party
    valid: Party
    qualified: Party
    revoked: Party
    expired: Party
    untrusted: Party
    tsa: Party
    crl: asn1_crl.CertificateList
    root_crl: asn1_crl.CertificateList

    def chain_of(self, signer):
        """The CA certificates a signature by `signer` carries (root excluded)."""
        if signer is self.untrusted:
            return [self.other_root.cert]
        return [self.intermediate.cert]


@functools.lru_cache(maxsize=1)
def test_pki():
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    year = dt.timedelta(days=365)
    root = _ca("Mutualis Test Root CA", now - 3 * year, now + 10 * year)
    other_root = _ca("Unknown Test Root CA", now - 3 * year, now + 10 * year)
    intermediate = _ca("Mutualis Test Issuing CA", now - 2 * year, now + 8 * year, root)
    revoked = _leaf("Rémi Revoked", intermediate, now - year, now + year, crl=True)
    return TestPKI(
        now=now,
        root=root,
        intermediate=intermediate,
        other_root=other_root,
        valid=_leaf("Valérie Valid", intermediate, now - year, now + year),
        qualified=_leaf(
            "Quentin Qualified",
            intermediate,
            now - year,
            now + year,
            policy=QUALIFIED_POLICY,
        ),
        revoked=revoked,
        expired=_leaf("Eve Expired", intermediate, now - 2 * year, now - year),
        untrusted=_leaf("Ursula Untrusted", other_root, now - year, now + year),
        tsa=_leaf(
            "Mutualis Test TSA",
            intermediate,
            now - 2 * year,
            now + 5 * year,
            usage=ExtendedKeyUsageOID.TIME_STAMPING,
        ),
        crl=_crl(intermediate, now, revoked),
        root_crl=_crl(root, now),
    )


def _name(common_name, organisation="Mutualis Test Bidders"):
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _builder(subject, issuer, key, start, end):
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.certificate.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False
        )
    )
    if issuer:
        aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(
            issuer.key.public_key()
        )
        builder = builder.add_extension(aki, False)
    return builder


def _ca(common_name, start, end, issuer=None):
    key = ec.generate_private_key(ec.SECP256R1())
    usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
    certificate = (
        _builder(_name(common_name, "Mutualis Test CA"), issuer, key, start, end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .add_extension(usage, True)
        .sign((issuer.key if issuer else key), hashes.SHA256())
    )
    return Party(certificate, key)


def _leaf(common_name, issuer, start, end, *, crl=False, policy=None, usage=None):
    # pyHanko's DummyTimeStamper signs with RSA only: the TSA alone has RSA.
    if usage == ExtendedKeyUsageOID.TIME_STAMPING:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    else:
        key = ec.generate_private_key(ec.SECP256R1())
    key_usage = x509.KeyUsage(
        True, True, False, False, False, False, False, False, False
    )
    builder = (
        _builder(_name(common_name), issuer, key, start, end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
        .add_extension(key_usage, True)
    )
    if usage:
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), True)
    if crl:
        point = x509.DistributionPoint(
            [x509.UniformResourceIdentifier(CRL_URL)], None, None, None
        )
        builder = builder.add_extension(x509.CRLDistributionPoints([point]), False)
    if policy:
        info = x509.PolicyInformation(x509.ObjectIdentifier(policy), None)
        builder = builder.add_extension(x509.CertificatePolicies([info]), False)
    return Party(builder.sign(issuer.key, hashes.SHA256()), key)


def _crl(issuer, now, revoked=None):
    aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key())
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.certificate.subject)
        .last_update(now - dt.timedelta(hours=1))
        .next_update(now + dt.timedelta(days=30))
        .add_extension(aki, False)
        .add_extension(x509.CRLNumber(1), False)
    )
    if revoked:
        entry = (
            x509.RevokedCertificateBuilder()
            .serial_number(revoked.certificate.serial_number)
            .revocation_date(now - REVOKED_AGO)
            .build()
        )
        crl = crl.add_revoked_certificate(entry)
    crl = crl.sign(issuer.key, hashes.SHA256())
    return asn1_crl.CertificateList.load(crl.public_bytes(serialization.Encoding.DER))


@functools.lru_cache(maxsize=64)
def _asn1(certificate):
    der = certificate.public_bytes(serialization.Encoding.DER)
    return asn1_x509.Certificate.load(der)


def anchors(*roots, registry=None):
    """Anchors trusting `roots` (by default the test root), named "test PKI"."""
    from mutualis.trust.anchors import Anchors

    roots = roots or (test_pki().root,)
    certificates = tuple(r.cert for r in roots)
    sources = {c.sha256.hex(): "test PKI" for c in certificates}
    return Anchors(roots=certificates, registry=registry, sources=sources)


def registry():
    """A TSPRegistry where the intermediate issues qualified e-signature certificates.

    Only certificates carrying QUALIFIED_POLICY are qualified (the TL qualifier
    QCStatement applies to them), as a trusted list says of a real CA.
    """
    from pyhanko.sign.validation.qualified import tsp

    pki = test_pki()
    qualified = tsp.Qualification(
        qualifiers=frozenset([tsp.Qualifier.QC_STATEMENT, tsp.Qualifier.FOR_ESIG]),
        criteria_list=tsp.CriteriaList(
            combine_as=tsp.CriteriaCombination.ALL,
            criteria=frozenset([tsp.PolicySetCriterion(frozenset([QUALIFIED_POLICY]))]),
        ),
    )
    base = tsp.BaseServiceInformation(
        service_type=tsp.CA_QC_URI,
        service_name="Mutualis Test Issuing CA",
        valid_from=pki.now - dt.timedelta(days=3 * 365),
        valid_until=None,
        provider_certs=(pki.intermediate.cert,),
        additional_info_certificate_type=frozenset([tsp.QcCertType.QC_ESIGN]),
        other_additional_info=frozenset(),
    )
    result = tsp.TSPRegistry()
    result.register_ca(
        tsp.CAServiceInformation(
            base_info=base,
            qualifications=frozenset([qualified]),
            expired_certs_revocation_info=None,
        )
    )
    return result


def timestamper(at=None):
    """pyHanko's DummyTimeStamper with the test TSA, at `at` or the present."""
    from pyhanko.sign.timestamps import DummyTimeStamper
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    pki = test_pki()
    store = SimpleCertificateStore.from_certs([pki.tsa.cert, pki.intermediate.cert])
    return DummyTimeStamper(
        tsa_cert=pki.tsa.cert,
        tsa_key=pki.tsa.private_key,
        certs_to_embed=store,
        fixed_dt=at,
    )


def _signer(party):
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    chain = test_pki().chain_of(party)
    return signers.SimpleSigner(
        signing_cert=party.cert,
        signing_key=party.private_key,
        cert_registry=SimpleCertificateStore.from_certs(chain),
    )


def blank_pdf():
    """A one-page PDF to sign."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.writer import PdfFileWriter

    writer = PdfFileWriter()
    box = generic.ArrayObject(generic.NumberObject(n) for n in (0, 0, 595, 842))
    page = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Page"),
            generic.NameObject("/MediaBox"): box,
        }
    )
    writer.insert_page(page)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def sign_pdf(data, signer, level, *, timestamp_at=None, revocation=None):
    """`data` (a PDF) signed by `signer` as PAdES `level`.

    `timestamp_at` dates the signature timestamp (default: now); `revocation`
    embeds the CRL in the DSS (default: for B-LT and B-LTA), added after signing
    so that pyHanko's signer does not refuse a revoked certificate.
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.validation import DocumentSecurityStore

    timestamped = level != "B-B"
    revocation = level in ("B-LT", "B-LTA") if revocation is None else revocation
    metadata = signers.PdfSignatureMetadata(
        field_name="Signature1",
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    pdf_signer = signers.PdfSigner(
        metadata,
        signer=_signer(signer),
        timestamper=timestamper(timestamp_at) if timestamped else None,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    signed = pdf_signer.sign_pdf(writer)
    if revocation:
        pki = test_pki()
        certs = [signer.cert, *pki.chain_of(signer), pki.tsa.cert]
        DocumentSecurityStore.add_dss(
            signed,
            _last_signature_contents(signed),
            certs=certs,
            crls=[pki.crl, pki.root_crl],
        )
    if level == "B-LTA":
        signed = _document_timestamp(signed)
    return signed.getvalue()


def _last_signature_contents(output):
    from pyhanko.pdf_utils.reader import PdfFileReader

    output.seek(0)
    signature = PdfFileReader(output).embedded_signatures[-1]
    return signature.pkcs7_content


def _document_timestamp(output):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    output.seek(0)
    writer = IncrementalPdfFileWriter(output)
    stamper = signers.PdfTimeStamper(timestamper())
    return stamper.timestamp_pdf(writer, "sha256")


def sign_detached(
    data, signer, level, *, timestamp_at=None, revocation=None, archived_at=None
):
    """A detached CAdES signature (DER) of `data` by `signer`, at `level`.

    B-B, B-T (signature timestamp), B-LT (the CRL and the chain carried in
    the SignedData's `crls` and `certificates`, as EN 319 122-1 allows) and
    B-LTA (an archive-time-stamp-v3 over all that, at `archived_at`).
    """
    from mutualis.trust.timestamps import run

    if level not in ("B-B", "B-T", "B-LT", "B-LTA"):
        raise ValueError(f"no CAdES {level} in the test PKI")
    revocation = level in ("B-LT", "B-LTA") if revocation is None else revocation
    stamp = timestamper(timestamp_at) if level != "B-B" else None
    content_info = run(
        _signer(signer).async_sign_general_data(
            data, "sha256", detached=True, use_cades=True, timestamper=stamp
        )
    )
    if revocation:
        content_info = _with_revocation(content_info)
    if level == "B-LTA":
        content_info = with_archive_timestamp(content_info, data, archived_at)
    return content_info.dump()


def with_archive_timestamp(content_info, data, at=None):
    """`content_info` with an archive-time-stamp-v3 (EN 319 122-1, 5.5.3) at `at`."""
    from mutualis.trust import cades_archive
    from mutualis.trust.timestamps import run

    signed_data = content_info["content"]
    index = cades_archive.index_for(signed_data)
    imprint = cades_archive.archive_imprint(signed_data, data, "sha256", index)
    token = run(timestamper(at).async_timestamp(imprint, "sha256"))
    token["content"]["signer_infos"][0]["unsigned_attrs"] = [
        cms.CMSAttribute(
            {
                "type": cades_archive.ATS_HASH_INDEX_V3,
                "values": [core.Any.load(index.dump())],
            }
        )
    ]
    signer_info = signed_data["signer_infos"][0]
    attributes = list(signer_info["unsigned_attrs"] or ())
    attributes.append(
        cms.CMSAttribute(
            {
                "type": cades_archive.ARCHIVE_TIMESTAMP_V3,
                "values": [cms.ContentInfo.load(token.dump(force=True))],
            }
        )
    )
    signer_info["unsigned_attrs"] = attributes
    return cms.ContentInfo.load(content_info.dump(force=True))


def _with_revocation(content_info):
    pki = test_pki()
    signed_data = content_info["content"]
    certificates = list(signed_data["certificates"]) + [
        cms.CertificateChoices(name="certificate", value=pki.tsa.cert)
    ]
    signed_data["certificates"] = certificates
    signed_data["crls"] = [
        cms.RevocationInfoChoice(name="crl", value=c) for c in (pki.crl, pki.root_crl)
    ]
    return cms.ContentInfo.load(content_info.dump(force=True))
