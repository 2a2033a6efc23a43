import base64
import copy
import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from lxml import etree
from pyhanko.sign.validation.qualified.tsp import TSPRegistry
from signxml import SignatureConstructionMethod
from signxml.xades import XAdESSignatureConfiguration, XAdESSigner

from mutualis.trust.anchors import Anchors
from mutualis.trust.platform import asn1_certificate, platform_keys
from mutualis.trust.report import FAILED, INDETERMINATE, PASSED
from mutualis.trust.timestamps import stamp
from mutualis.trust.xades import validate_xades

from .xades_pki import make_pki

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
XADES141 = "http://uri.etsi.org/01903/v1.4.1#"
OFFER = b'<offer xmlns="urn:mutualis:test"><price>1000</price></offer>'


@pytest.fixture
def pki():
    return make_pki()


@pytest.fixture
def anchors(pki):
    root = pki.root.asn1
    return Anchors(roots=(root,), sources={root.sha256.hex(): "test trusted list"})


def signer():
    return XAdESSigner(signature_algorithm="ecdsa-sha256", digest_algorithm="sha256")


def sign_enveloped(pki, party):
    signed = signer().sign(
        etree.fromstring(OFFER), key=party.key, cert=pki.chain(party)
    )
    return etree.tostring(signed)


def sign_detached(pki, party, uri="offer.xml"):
    detached = XAdESSigner(
        method=SignatureConstructionMethod.detached,
        signature_algorithm="ecdsa-sha256",
        digest_algorithm="sha256",
    )
    signed = detached.sign(
        etree.fromstring(OFFER), key=party.key, cert=pki.chain(party), reference_uri=uri
    )
    return etree.tostring(signed)


def unsigned_properties(document):
    """The document and its UnsignedSignatureProperties, created if need be."""
    root = etree.fromstring(document)
    qualifying = root.find(f".//{{{XADES}}}QualifyingProperties")
    unsigned = qualifying.find(f"{{{XADES}}}UnsignedProperties")
    if unsigned is None:
        unsigned = etree.SubElement(qualifying, f"{{{XADES}}}UnsignedProperties")
        etree.SubElement(unsigned, f"{{{XADES}}}UnsignedSignatureProperties")
    return root, unsigned[0]


def add_values(document, certificates, crls):
    root, properties = unsigned_properties(document)
    values = etree.SubElement(properties, f"{{{XADES}}}CertificateValues")
    for certificate in certificates:
        der = certificate.public_bytes(serialization.Encoding.DER)
        encapsulated = etree.SubElement(
            values, f"{{{XADES}}}EncapsulatedX509Certificate"
        )
        encapsulated.text = base64.b64encode(der).decode()
    revocation = etree.SubElement(properties, f"{{{XADES}}}RevocationValues")
    crl_values = etree.SubElement(revocation, f"{{{XADES}}}CRLValues")
    for crl in crls:
        encapsulated = etree.SubElement(crl_values, f"{{{XADES}}}EncapsulatedCRLValue")
        encapsulated.text = base64.b64encode(
            crl.public_bytes(serialization.Encoding.DER)
        ).decode()
    return etree.tostring(root)


def add_timestamp(document):
    """A SignatureTimeStamp from the platform's authority over ds:SignatureValue."""
    root, properties = unsigned_properties(document)
    value = root.find(f".//{{{DS}}}SignatureValue")
    imprint = hashlib.sha256(etree.tostring(value, method="c14n")).digest()
    timestamp = etree.Element(f"{{{XADES}}}SignatureTimeStamp")
    properties.insert(0, timestamp)
    encapsulated = etree.SubElement(timestamp, f"{{{XADES}}}EncapsulatedTimeStamp")
    encapsulated.text = base64.b64encode(stamp(imprint)).decode()
    return etree.tostring(root)


def add_archive_timestamp(document, pki):
    """An xades141:ArchiveTimeStamp over what EN 319 132-1 (5.5.2) says it covers.

    The references' octets as signxml verified them, then ds:SignedInfo,
    ds:SignatureValue, ds:KeyInfo and the unsigned properties so far, in
    inclusive canonical XML (no CanonicalizationMethod: the default).
    """
    from signxml.xades import XAdESVerifier

    results = XAdESVerifier().verify(
        document,
        x509_cert=pki.signer.certificate,
        expect_config=XAdESSignatureConfiguration(expect_references=True),
    )
    root, properties = unsigned_properties(document)
    signature = (
        root if root.tag == f"{{{DS}}}Signature" else root.find(f"{{{DS}}}Signature")
    )
    covered = [result.signed_data for result in results]
    for name in ("SignedInfo", "SignatureValue", "KeyInfo"):
        covered.append(etree.tostring(signature.find(f"{{{DS}}}{name}"), method="c14n"))
    covered += [etree.tostring(p, method="c14n") for p in properties]
    imprint = hashlib.sha256(b"".join(covered)).digest()
    timestamp = etree.SubElement(properties, f"{{{XADES141}}}ArchiveTimeStamp")
    encapsulated = etree.SubElement(timestamp, f"{{{XADES}}}EncapsulatedTimeStamp")
    encapsulated.text = base64.b64encode(stamp(imprint)).decode()
    return etree.tostring(root)


def long_term(pki):
    stamped = add_timestamp(sign_enveloped(pki, pki.signer))
    return add_values(stamped, [pki.intermediate.certificate], [pki.crl])


def with_platform_roots(anchors):
    roots = tuple(asn1_certificate(c) for c in platform_keys().roots)
    return Anchors(roots=anchors.roots + roots, sources=anchors.sources)


def only(reports):
    assert len(reports) == 1
    return reports[0]


def test_a_valid_enveloped_signature_passes_at_level_b_b(pki, anchors):
    report = only(
        validate_xades("offer.xml", sign_enveloped(pki, pki.signer), anchors=anchors)
    )

    assert report.indication == PASSED
    assert report.level == "B-B"
    assert "Valid Signer" in report.signer
    assert "Test Signing CA" in report.issuer
    assert report.time_source == "claimed"
    assert report.trusted_by == "test trusted list"
    assert report.qualified is None
    assert "XML signature value" in report.checked


def test_a_valid_detached_signature_passes_with_its_file(pki, anchors):
    signature = sign_detached(pki, pki.signer)

    report = only(
        validate_xades(
            "signature.xml", signature, detached={"offer.xml": OFFER}, anchors=anchors
        )
    )

    assert report.indication == PASSED
    assert report.format == "XAdES"


def test_a_changed_detached_file_is_a_hash_failure(pki, anchors):
    signature = sign_detached(pki, pki.signer)
    changed = OFFER.replace(b"1000", b"9000")

    report = only(
        validate_xades(
            "signature.xml", signature, detached={"offer.xml": changed}, anchors=anchors
        )
    )

    assert (report.indication, report.subindication) == (FAILED, "HASH_FAILURE")


def test_a_detached_signature_without_its_file_is_indeterminate(pki, anchors):
    report = only(
        validate_xades("signature.xml", sign_detached(pki, pki.signer), anchors=anchors)
    )

    assert (report.indication, report.subindication) == (
        INDETERMINATE,
        "SIGNED_DATA_NOT_FOUND",
    )
    assert "offer.xml" in report.reason


def test_a_changed_byte_in_the_signed_document_is_a_hash_failure(pki, anchors):
    document = sign_enveloped(pki, pki.signer).replace(b"1000", b"1001")

    report = only(validate_xades("offer.xml", document, anchors=anchors))

    assert (report.indication, report.subindication) == (FAILED, "HASH_FAILURE")
    assert not report.passed


def test_a_changed_signature_value_is_a_crypto_failure(pki, anchors):
    root = etree.fromstring(sign_enveloped(pki, pki.signer))
    value = root.find(f".//{{{DS}}}SignatureValue")
    raw = bytearray(base64.b64decode(value.text))
    raw[5] ^= 0x01
    value.text = base64.b64encode(bytes(raw)).decode()

    report = only(validate_xades("offer.xml", etree.tostring(root), anchors=anchors))

    assert (report.indication, report.subindication) == (FAILED, "SIG_CRYPTO_FAILURE")


def test_a_signer_under_an_unknown_root_has_no_chain(pki, anchors):
    party = pki.untrusted_signer
    signed = signer().sign(
        etree.fromstring(OFFER),
        key=party.key,
        cert=[party.certificate, pki.untrusted_root.certificate],
    )

    report = only(validate_xades("offer.xml", etree.tostring(signed), anchors=anchors))

    assert (report.indication, report.subindication) == (
        INDETERMINATE,
        "NO_CERTIFICATE_CHAIN_FOUND",
    )
    assert report.trusted_by is None


def test_a_revoked_signer_without_proof_of_existence_is_indeterminate(pki, anchors):
    document = add_values(sign_enveloped(pki, pki.revoked), [], [pki.crl])

    report = only(validate_xades("offer.xml", document, anchors=anchors))

    assert (report.indication, report.subindication) == (
        INDETERMINATE,
        "REVOKED_NO_POE",
    )


def test_an_expired_signer_is_out_of_bounds(pki, anchors):
    report = only(
        validate_xades("offer.xml", sign_enveloped(pki, pki.expired), anchors=anchors)
    )

    assert (report.indication, report.subindication) == (
        INDETERMINATE,
        "OUT_OF_BOUNDS_NO_POE",
    )


def test_a_signature_timestamp_makes_level_b_t_and_gives_the_time(pki, anchors):
    document = add_timestamp(sign_enveloped(pki, pki.signer))

    report = only(
        validate_xades("offer.xml", document, anchors=with_platform_roots(anchors))
    )

    assert report.indication == PASSED
    assert report.level == "B-T"
    assert report.time_source == "timestamp"
    assert (
        "B-T signature timestamp verified (imprint, signature, trusted authority)"
        in report.checked
    )


def test_a_timestamp_over_another_signature_does_not_count(pki, anchors):
    stamped = etree.fromstring(add_timestamp(sign_enveloped(pki, pki.signer)))
    other = etree.fromstring(sign_enveloped(pki, pki.signer))
    token = stamped.find(f".//{{{XADES}}}SignatureTimeStamp")
    properties = other.find(f".//{{{XADES}}}QualifyingProperties")
    unsigned = etree.SubElement(properties, f"{{{XADES}}}UnsignedProperties")
    etree.SubElement(unsigned, f"{{{XADES}}}UnsignedSignatureProperties").append(token)

    report = only(
        validate_xades(
            "offer.xml", etree.tostring(other), anchors=with_platform_roots(anchors)
        )
    )

    assert report.level == "B-B"
    assert report.time_source == "claimed"


def test_long_term_values_make_level_b_lt(pki, anchors):
    stamped = add_timestamp(sign_enveloped(pki, pki.signer))
    document = add_values(stamped, [pki.intermediate.certificate], [pki.crl])

    report = only(
        validate_xades("offer.xml", document, anchors=with_platform_roots(anchors))
    )

    assert report.indication == PASSED
    assert report.level == "B-LT"


def test_an_archive_timestamp_makes_level_b_lta(pki, anchors):
    document = add_archive_timestamp(long_term(pki), pki)

    report = only(
        validate_xades("offer.xml", document, anchors=with_platform_roots(anchors))
    )

    assert (report.indication, report.level) == (PASSED, "B-LTA")
    assert (
        "B-LTA archive timestamp verified (imprint, signature, trusted authority)"
        in report.checked
    )


def test_a_change_to_what_the_archive_timestamp_covers_undoes_b_lta(pki, anchors):
    root = etree.fromstring(add_archive_timestamp(long_term(pki), pki))
    values = root.find(f".//{{{XADES}}}CertificateValues")
    values.append(copy.deepcopy(values[0]))

    report = only(
        validate_xades(
            "offer.xml", etree.tostring(root), anchors=with_platform_roots(anchors)
        )
    )

    assert report.level == "B-LT"
    assert "B-LTA archive timestamp does not cover this signature" in report.checked


def test_an_archive_timestamp_by_an_unaccepted_authority_is_said(pki, anchors):
    document = add_archive_timestamp(long_term(pki), pki)

    report = only(validate_xades("offer.xml", document, anchors=anchors))

    assert report.level == "B-LT"
    assert (
        "B-LTA archive timestamp verified (imprint, signature); its authority is not accepted"
        in report.checked
    )


def test_a_registry_gives_a_qualified_status(pki, anchors):
    registry_anchors = Anchors(roots=anchors.roots, registry=TSPRegistry())

    report = only(
        validate_xades(
            "offer.xml", sign_enveloped(pki, pki.signer), anchors=registry_anchors
        )
    )

    assert report.passed
    assert report.qualified is False


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7 not xml",
        b"<offer>no signature</offer>",
        b'<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>',
        b'<!DOCTYPE a SYSTEM "http://example.org/a.dtd"><a/>',
        b"",
    ],
)
def test_what_is_not_a_xades_file_is_a_format_failure(data, anchors):
    report = only(validate_xades("bid.xml", data, anchors=anchors))

    assert (report.indication, report.subindication) == (FAILED, "FORMAT_FAILURE")
    assert "bid.xml" in report.reason


def test_a_signature_without_signed_info_is_a_format_failure(pki, anchors):
    root = etree.fromstring(sign_enveloped(pki, pki.signer))
    signed_info = root.find(f".//{{{DS}}}SignedInfo")
    signed_info.getparent().remove(signed_info)

    report = only(validate_xades("offer.xml", etree.tostring(root), anchors=anchors))

    assert (report.indication, report.subindication) == (FAILED, "FORMAT_FAILURE")


def test_a_signing_certificate_reference_without_digest_is_a_format_failure(
    pki, anchors
):
    root = etree.fromstring(sign_enveloped(pki, pki.signer))
    digest = root.find(f".//{{{XADES}}}CertDigest")
    digest.getparent().remove(digest)

    report = only(validate_xades("offer.xml", etree.tostring(root), anchors=anchors))

    assert (report.indication, report.subindication) == (FAILED, "FORMAT_FAILURE")
    assert "offer.xml" in report.reason


def test_an_unsupported_transform_is_indeterminate_not_failed(pki, anchors):
    document = sign_enveloped(pki, pki.signer).replace(
        b"http://www.w3.org/2000/09/xmldsig#enveloped-signature",
        b"http://www.w3.org/TR/1999/REC-xpath-19991116",
    )

    report = only(validate_xades("offer.xml", document, anchors=anchors))

    assert (report.indication, report.subindication) == (
        INDETERMINATE,
        "FORMAT_FAILURE",
    )
    assert "REC-xpath-19991116" in report.reason


def test_every_signature_of_a_document_gets_its_report(pki, anchors):
    once = etree.fromstring(sign_enveloped(pki, pki.signer))
    # The enveloped-signature transform leaves out only its own signature: the
    # second one changes what the first one signed.
    twice = signer().sign(once, key=pki.expired.key, cert=pki.chain(pki.expired))

    reports = validate_xades("offer.xml", etree.tostring(twice), anchors=anchors)

    assert [(r.subindication, "Valid" in r.signer) for r in reports] == [
        ("HASH_FAILURE", True),
        ("OUT_OF_BOUNDS_NO_POE", False),
    ]
