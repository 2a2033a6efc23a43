"""XAdES signatures (ETSI EN 319 132-1), enveloped or detached, as SignatureReports.

signxml checks the XML-DSig signature, its references and the signed properties;
pyHanko's certvalidator judges the signing certificate against the anchors at the
signing time, and pyHanko checks the RFC 3161 signature timestamp. The report's
`checked` says what was verified and what was only seen.
"""

import base64
import copy
import hashlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import unquote

from asn1crypto import cms, crl, ocsp, x509
from django.utils.translation import gettext as _
from lxml import etree
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    DisallowedAlgorithmError,
    ExpiredError,
    InvalidCertificateError,
    NotYetValidError,
    PathBuildingError,
    PathValidationError,
    RevokedError,
    ValidationError,
)
from signxml.algorithms import CanonicalizationMethod
from signxml.exceptions import InvalidDigest, InvalidSignature, SignXMLException
from signxml.xades import XAdESSignatureConfiguration, XAdESVerifier

from mutualis.trust.report import (
    FAILED,
    INDETERMINATE,
    PASSED,
    TIME_CLAIMED,
    TIME_FROM_TIMESTAMP,
    TIME_NONE,
    SignatureReport,
)
from mutualis.trust.timestamps import run

logger = logging.getLogger(__name__)

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
XADES141 = "http://uri.etsi.org/01903/v1.4.1#"
# Earlier XAdES namespaces, which signxml does not read.
OLD_XADES = ("http://uri.etsi.org/01903/v1.2.2#", "http://uri.etsi.org/01903/v1.1.1#")
NS = {"ds": DS, "xades": XADES, "xades141": XADES141}
FILTER2 = "http://www.w3.org/2002/06/xmldsig-filter2"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
BASE64 = "http://www.w3.org/2000/09/xmldsig#base64"
# The transforms signxml applies; it silently skips any other, so a reference
# using one would come out as a broken digest rather than as unsupported.
TRANSFORMS = {ENVELOPED, BASE64, FILTER2} | {m.value for m in CanonicalizationMethod}
DEFAULT_C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
# ETSI EN 319 132-1 signers hold a certificate for signing or non-repudiation.
SIGNER_KEY_USAGE = KeyUsageConstraints(
    key_usage={"digital_signature", "non_repudiation"}
)


class Verdict(Exception):
    """A signature's validation stops here with this indication."""

    def __init__(self, indication, subindication, reason):
        super().__init__(reason)
        self.indication = indication
        self.subindication = subindication
        self.reason = reason


@dataclass
class Evidence:
    """What one signature carries and what was verified of it so far."""

    signature: etree._Element
    certificates: list = field(default_factory=list)
    signer: x509.Certificate | None = None
    crls: list = field(default_factory=list)
    ocsps: list = field(default_factory=list)
    level: str | None = None
    signing_time: datetime | None = None
    time_source: str = TIME_NONE
    trusted_by: str | None = None
    qualified: bool | None = None
    checked: list = field(default_factory=list)
    # Each ds:Reference's octets after its transforms, in SignedInfo's order.
    reference_octets: list = field(default_factory=list)


def validate_xades(name, data, *, detached=None, anchors, moment=None):
    """One SignatureReport per XAdES signature of `data` (the XML file `name`).

    `detached` maps the file names that detached references point to onto their
    bytes; `moment` is the validation time (now by default).
    """
    moment = moment or datetime.now(UTC)
    try:
        root = parse(name, data)
        signatures = xades_signatures(name, root)
    except Verdict as verdict:
        return [
            SignatureReport(
                name, "XAdES", verdict.indication, verdict.subindication, verdict.reason
            )
        ]
    return [
        validate_signature(
            name, root, index, signature, detached or {}, anchors, moment
        )
        for index, signature in signatures
    ]


def parse(name, data):
    """The document's root element, parsed without DTD, entities or network."""
    parser = safe_parser()
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError) as error:
        raise Verdict(
            FAILED,
            "FORMAT_FAILURE",
            _("%(file)s is not a well-formed XML document (%(error)s).")
            % {"file": name, "error": error},
        ) from None
    docinfo = root.getroottree().docinfo
    if (
        docinfo.internalDTD is not None
        or docinfo.externalDTD is not None
        or docinfo.doctype
    ):
        raise Verdict(
            FAILED,
            "FORMAT_FAILURE",
            _("%(file)s declares a DTD, which signed XML must not do.")
            % {"file": name},
        )
    if any(True for _node in root.iter(etree.Entity)):
        raise Verdict(
            FAILED,
            "FORMAT_FAILURE",
            _("%(file)s uses XML entities, which signed XML must not do.")
            % {"file": name},
        )
    return root


def safe_parser():
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )


def xades_signatures(name, root):
    """(index among all ds:Signature, element) of those carrying XAdES properties."""
    found = []
    for index, signature in enumerate(root.iter(f"{{{DS}}}Signature")):
        if qualifying_properties(signature) is not None:
            found.append((index, signature))
    if not found:
        raise Verdict(
            FAILED,
            "FORMAT_FAILURE",
            _("%(file)s holds no XAdES signature.") % {"file": name},
        )
    return found


def qualifying_properties(signature):
    found = signature.xpath(
        "ds:Object/*[local-name()='QualifyingProperties']", namespaces=NS
    )
    return found[0] if found else None


def validate_signature(name, root, index, signature, detached, anchors, moment):
    evidence = Evidence(signature)
    try:
        check_structure(signature, detached)
        collect_values(evidence)
        verify_integrity(root, index, evidence, detached)
        read_levels(evidence, anchors)
        choose_time(evidence, moment)
        judge_certificate(evidence, anchors, moment)
    except Verdict as verdict:
        return report(
            name, evidence, verdict.indication, verdict.subindication, verdict.reason
        )
    except (ValueError, TypeError, KeyError, AttributeError, etree.LxmlError):
        # A structure none of the steps foresaw (a missing child, a bad value):
        # the file gets a verdict, the log keeps the detail.
        logger.warning("xades unreadable signature file=%s", name, exc_info=True)
        reason = _("%(file)s holds a signature that cannot be read.") % {"file": name}
        return report(name, evidence, FAILED, "FORMAT_FAILURE", reason)
    return report(name, evidence, PASSED, None, _("The signature is valid."))


def report(name, evidence, indication, subindication, reason):
    signer = evidence.signer
    return SignatureReport(
        file=name,
        format="XAdES",
        indication=indication,
        subindication=subindication,
        reason=reason,
        level=evidence.level,
        signer=signer.subject.human_friendly if signer else None,
        issuer=signer.issuer.human_friendly if signer else None,
        qualified=evidence.qualified,
        signing_time=evidence.signing_time,
        time_source=evidence.time_source,
        trusted_by=evidence.trusted_by,
        checked=tuple(evidence.checked),
    )


# Structure: what this validator can process at all.


def check_structure(signature, detached):
    properties = qualifying_properties(signature)
    namespace = etree.QName(properties).namespace
    if namespace != XADES:
        raise Verdict(
            INDETERMINATE,
            "FORMAT_FAILURE",
            _(
                "The signature uses XAdES %(version)s, which this validator does not read (only XAdES 1.3.2 and later)."
            )
            % {"version": version_of(namespace)},
        )
    for reference in signature.iterfind("ds:SignedInfo/ds:Reference", NS):
        check_transforms(reference)
        check_detached(reference, detached)


def version_of(namespace):
    if namespace in OLD_XADES:
        return namespace.rsplit("/", 1)[-1].strip("v#")
    return namespace or "?"


def check_transforms(reference):
    for transform in reference.iterfind("ds:Transforms/ds:Transform", NS):
        algorithm = transform.get("Algorithm")
        if algorithm not in TRANSFORMS:
            raise Verdict(
                INDETERMINATE,
                "FORMAT_FAILURE",
                _(
                    "The signature uses the transform %(algorithm)s, which this validator does not support."
                )
                % {"algorithm": algorithm},
            )
        if algorithm == FILTER2:
            for step in transform.iterfind(f"{{{FILTER2}}}XPath"):
                if step.get("Filter") != "subtract":
                    raise Verdict(
                        INDETERMINATE,
                        "FORMAT_FAILURE",
                        _(
                            "The signature uses an XPath filter other than 'subtract', which this validator does not support."
                        ),
                    )


def check_detached(reference, detached):
    uri = reference.get("URI")
    if uri is None or uri == "" or uri.startswith("#"):
        return
    if detached_file(uri, detached) is None:
        raise Verdict(
            INDETERMINATE,
            "SIGNED_DATA_NOT_FOUND",
            _("The signed file %(file)s was not given with the signature.")
            % {"file": unquote(uri)},
        )


def detached_file(uri, detached):
    for candidate in (uri, unquote(uri)):
        if candidate in detached:
            return detached[candidate]
    return None


# Values: the certificates and revocation data the signature carries.


def collect_values(evidence):
    signature = evidence.signature
    try:
        evidence.certificates = [
            x509.Certificate.load(decode(node))
            for node in signature.iterfind(
                ".//ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS
            )
        ] + [
            x509.Certificate.load(decode(node))
            for node in values(
                signature, "CertificateValues/xades:EncapsulatedX509Certificate"
            )
        ]
        evidence.crls = [
            crl.CertificateList.load(decode(n))
            for n in values(
                signature, "RevocationValues/xades:CRLValues/xades:EncapsulatedCRLValue"
            )
        ]
        evidence.ocsps = [
            ocsp.OCSPResponse.load(decode(n))
            for n in values(
                signature,
                "RevocationValues/xades:OCSPValues/xades:EncapsulatedOCSPValue",
            )
        ]
        for certificate in evidence.certificates:
            certificate.native  # noqa: B018 - asn1crypto parses lazily; fail here
    except (ValueError, TypeError) as error:
        raise Verdict(
            FAILED,
            "FORMAT_FAILURE",
            _(
                "The signature carries a certificate or revocation value that cannot be read (%(error)s)."
            )
            % {"error": error},
        ) from None
    if not evidence.certificates:
        raise Verdict(
            INDETERMINATE,
            "NO_SIGNING_CERTIFICATE_FOUND",
            _("The signature does not carry its signing certificate."),
        )
    evidence.signer = signing_certificate(signature, evidence.certificates)


def values(signature, path):
    unsigned = "ds:Object/xades:QualifyingProperties/xades:UnsignedProperties/xades:UnsignedSignatureProperties"
    return signature.iterfind(f"{unsigned}/xades:{path}", NS)


def decode(node):
    return base64.b64decode("".join((node.text or "").split()), validate=True)


def signing_certificate(signature, certificates):
    """The carried certificate that SigningCertificate(V2) names, if any."""
    signed = "ds:Object/xades:QualifyingProperties/xades:SignedProperties/xades:SignedSignatureProperties"
    for cert_ref in signature.iterfind(f"{signed}/*/xades:Cert", NS):
        algorithm = (
            cert_ref.find("xades:CertDigest/ds:DigestMethod", NS).get("Algorithm") or ""
        ).rsplit("#", 1)[-1]
        value = decode(cert_ref.find("xades:CertDigest/ds:DigestValue", NS))
        for certificate in certificates:
            if (
                algorithm in hashlib.algorithms_available
                and hashlib.new(algorithm, certificate.dump()).digest() == value
            ):
                return certificate
        return None
    return None


# Integrity: the XML-DSig signature, its references and the signed properties.


class Verifier(XAdESVerifier):
    """signxml's XAdES verifier, for one given signature of a document.

    Certificate validity is left to certvalidator, which judges it at the signing
    time rather than now.
    """

    def __init__(self, index, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.index = index

    def _get_signature(self, root):
        return list(root.iter(f"{{{DS}}}Signature"))[self.index]

    def _check_cert_validity(self, cert, cert_source):
        pass

    def _apply_transforms(self, payload, *, transforms_node, signature):
        if (
            transforms_node is not None
            and transforms_node.find(f"ds:Transform[@Algorithm='{FILTER2}']", NS)
            is not None
        ):
            payload, transforms_node = subtract_filters(payload, transforms_node)
        return super()._apply_transforms(
            payload, transforms_node=transforms_node, signature=signature
        )


def subtract_filters(payload, transforms_node):
    """Apply the XPath Filter 2.0 'subtract' steps signxml ignores (W3C xmldsig-filter2)."""
    remaining = copy.deepcopy(transforms_node)
    for transform in remaining.iterfind(f"ds:Transform[@Algorithm='{FILTER2}']", NS):
        for step in transform.iterfind(f"{{{FILTER2}}}XPath"):
            namespaces = {k: v for k, v in step.nsmap.items() if k}
            for node in payload.xpath(step.text, namespaces=namespaces):
                if isinstance(node, etree._Element) and node.getparent() is not None:
                    node.getparent().remove(node)
        remaining.remove(transform)
    return payload, remaining


def verify_integrity(root, index, evidence, detached):
    signer = evidence.signer or evidence.certificates[0]
    verifier = Verifier(index)
    try:
        results = verifier.verify(
            root,
            x509_cert=cryptography_certificate(signer),
            parser=safe_parser(),
            uri_resolver=resolver(evidence.signature, detached),
            expect_config=XAdESSignatureConfiguration(expect_references=True),
        )
    # InvalidDigest is a kind of InvalidSignature: it is caught first.
    except InvalidDigest as error:
        if evidence.signer is None:
            raise Verdict(
                INDETERMINATE,
                "NO_SIGNING_CERTIFICATE_FOUND",
                _(
                    "No certificate carried by the signature matches its SigningCertificate property."
                ),
            ) from None
        logger.info("xades digest failed error=%s", error)
        raise Verdict(
            FAILED,
            "HASH_FAILURE",
            _("The signed content was changed after signing (%(error)s).")
            % {"error": error},
        ) from None
    except InvalidSignature as error:
        logger.info("xades signature value failed error=%s", error)
        raise Verdict(
            FAILED,
            "SIG_CRYPTO_FAILURE",
            _(
                "The signature value does not match the signed content and the signing certificate."
            ),
        ) from None
    except (
        SignXMLException,
        etree.LxmlError,
        ValueError,
        KeyError,
        TypeError,
    ) as error:
        raise Verdict(
            FAILED,
            "FORMAT_FAILURE",
            _("The signature cannot be processed (%(error)s).") % {"error": error},
        ) from None
    evidence.reference_octets = [result.signed_data for result in results]
    evidence.level = "B-B"
    evidence.checked += [
        _("XML signature value"),
        _("digests of all signed references"),
        _("SigningCertificate digest"),
    ]
    if evidence.signature.find(".//ds:Manifest", NS) is not None:
        evidence.checked.append(_("references inside ds:Manifest not checked"))


def resolver(signature, detached):
    """signxml's uri_resolver: raw bytes, or the parsed file when transforms apply."""
    payloads = {}
    for reference in signature.iterfind("ds:SignedInfo/ds:Reference", NS):
        uri = reference.get("URI") or ""
        content = detached_file(uri, detached)
        if (
            content is not None
            and reference.find("ds:Transforms/ds:Transform", NS) is not None
        ):
            content = parse(unquote(uri), content)
        payloads[uri] = content
    return payloads.get


def cryptography_certificate(certificate):
    from cryptography import x509 as crypto_x509

    return crypto_x509.load_der_x509_certificate(certificate.dump())


# Levels: timestamps and long-term values.


def read_levels(evidence, anchors):
    """Raise the level as far as what was verified allows (ETSI EN 319 132-1, 4)."""
    for element in values(evidence.signature, "SignatureTimeStamp"):
        if verify_signature_timestamp(evidence, element, anchors):
            break
    if evidence.level == "B-T" and has(
        evidence, "CertificateValues", "RevocationValues"
    ):
        evidence.level = "B-LT"
        evidence.checked.append(
            _("B-LT certificate and revocation values used for the certificate check")
        )
    if evidence.level != "B-LT":
        return
    for element in evidence.signature.xpath(
        ".//xades141:ArchiveTimeStamp", namespaces=NS
    ):
        if verify_archive_timestamp(evidence, element, anchors):
            evidence.level = "B-LTA"
            break
    if evidence.signature.xpath(".//xades:ArchiveTimeStamp", namespaces=NS):
        # XAdES 1.3.2's own ArchiveTimeStamp, replaced by xades141's in EN 319 132-1.
        evidence.checked.append(
            _("XAdES 1.3.2 archive timestamp present, not verified")
        )


def has(evidence, *names):
    return all(next(values(evidence.signature, n), None) is not None for n in names)


def verify_signature_timestamp(evidence, element, anchors):
    """Check one SignatureTimeStamp; True when its imprint and signature hold."""
    try:
        gen_time, trusted = check_timestamp(
            evidence, element, timestamped_bytes(evidence.signature, element), anchors
        )
    except TimestampUnreadable as error:
        evidence.checked.append(
            _("B-T signature timestamp unreadable (%(error)s)") % {"error": error}
        )
        return False
    except TimestampInvalid as error:
        evidence.checked.append(
            _("B-T signature timestamp invalid (%(error)s)") % {"error": error}
        )
        return False
    except TimestampMismatch:
        evidence.checked.append(
            _("B-T signature timestamp does not cover this signature value")
        )
        return False
    evidence.level = "B-T"
    if trusted:
        evidence.signing_time, evidence.time_source = gen_time, TIME_FROM_TIMESTAMP
        evidence.checked.append(
            _(
                "B-T signature timestamp verified (imprint, signature, trusted authority)"
            )
        )
    else:
        evidence.checked.append(
            _(
                "B-T signature timestamp verified (imprint, signature); its authority is not accepted"
            )
        )
    return True


def verify_archive_timestamp(evidence, element, anchors):
    """Check one xades141:ArchiveTimeStamp; True when it holds and is trusted."""
    try:
        covered = archived_bytes(evidence, element)
        _gen_time, trusted = check_timestamp(evidence, element, covered, anchors)
    except TimestampUnreadable as error:
        evidence.checked.append(
            _("B-LTA archive timestamp unreadable (%(error)s)") % {"error": error}
        )
        return False
    except TimestampInvalid as error:
        evidence.checked.append(
            _("B-LTA archive timestamp invalid (%(error)s)") % {"error": error}
        )
        return False
    except TimestampMismatch:
        evidence.checked.append(
            _("B-LTA archive timestamp does not cover this signature")
        )
        return False
    if not trusted:
        evidence.checked.append(
            _(
                "B-LTA archive timestamp verified (imprint, signature); its authority is not accepted"
            )
        )
        return False
    evidence.checked.append(
        _("B-LTA archive timestamp verified (imprint, signature, trusted authority)")
    )
    return True


class TimestampUnreadable(ValueError):
    pass


class TimestampInvalid(ValueError):
    pass


class TimestampMismatch(ValueError):
    pass


def check_timestamp(evidence, element, covered, anchors):
    """(time, trusted) of the token in `element`, which must be over `covered`.

    `covered` is the bytes the token's imprint must hash.
    """
    try:
        token = cms.ContentInfo.load(
            decode(element.find("xades:EncapsulatedTimeStamp", NS))
        )
        signed_data = token["content"]
        info = signed_data["encap_content_info"]["content"].parsed
        algorithm = info["message_imprint"]["hash_algorithm"]["algorithm"].native
        gen_time = info["gen_time"].native.astimezone(UTC)
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise TimestampUnreadable(error) from None
    imprint = hashlib.new(algorithm, covered).digest()
    context = validation_context(evidence, anchors, moment=None)
    try:
        status = run(
            validate_tst_signed_data(signed_data, context, lambda _algorithm: imprint)
        )
    except (SignatureValidationError, ValidationError, ValueError) as error:
        raise TimestampInvalid(error) from None
    if not status["intact"] or not status["valid"]:
        raise TimestampMismatch()
    return gen_time, status.get("trust_problem_indic") is None


def archived_bytes(evidence, element):
    """What an ArchiveTimeStamp covers (ETSI EN 319 132-1, 5.5.2).

    The octets of every ds:Reference after its transforms, then ds:SignedInfo,
    ds:SignatureValue and ds:KeyInfo, the unsigned signature properties before
    this timestamp, and the ds:Object elements other than the one holding the
    qualifying properties: each canonicalized as the timestamp says.
    """
    signature = evidence.signature
    parts = list(evidence.reference_octets)
    for name in ("ds:SignedInfo", "ds:SignatureValue", "ds:KeyInfo"):
        node = signature.find(name, NS)
        if node is not None:
            parts.append(canonical(node, element))
    for prop in element.getparent():
        if prop is element:
            break
        if isinstance(prop.tag, str):
            parts.append(canonical(prop, element))
    for item in signature.findall("ds:Object", NS):
        if item.find("xades:QualifyingProperties", NS) is None:
            parts.append(canonical(item, element))
    return b"".join(parts)


def canonical(node, timestamp):
    """`node` canonicalized by the ds:CanonicalizationMethod of `timestamp`."""
    method = timestamp.find("ds:CanonicalizationMethod", NS)
    algorithm = method.get("Algorithm") if method is not None else DEFAULT_C14N
    return etree.tostring(
        node,
        method="c14n",
        exclusive=algorithm.startswith("http://www.w3.org/2001/10/xml-exc-c14n#"),
        with_comments=algorithm.endswith("#WithComments"),
    )


def timestamped_bytes(signature, element):
    """The ds:SignatureValue canonicalized as the SignatureTimeStamp says (ETSI EN 319 132-1, 5.3)."""
    return canonical(signature.find("ds:SignatureValue", NS), element)


# Time and trust.


def choose_time(evidence, moment):
    if evidence.time_source == TIME_FROM_TIMESTAMP:
        return
    claimed = evidence.signature.findtext(
        ".//xades:SignedSignatureProperties/xades:SigningTime", namespaces=NS
    )
    try:
        evidence.signing_time = datetime.fromisoformat(
            claimed.strip().replace("Z", "+00:00")
        )
        if evidence.signing_time.tzinfo is None:
            evidence.signing_time = evidence.signing_time.replace(tzinfo=UTC)
        evidence.time_source = TIME_CLAIMED
    except (AttributeError, ValueError):
        evidence.signing_time, evidence.time_source = None, TIME_NONE


def validation_context(evidence, anchors, moment):
    return ValidationContext(
        trust_roots=list(anchors.roots),
        other_certs=evidence.certificates,
        crls=evidence.crls,
        ocsps=evidence.ocsps,
        moment=moment,
        allow_fetching=anchors.fetching,
    )


def judge_certificate(evidence, anchors, moment):
    at = evidence.signing_time or moment
    path = validate_path(evidence, anchors, at)
    if evidence.time_source != TIME_FROM_TIMESTAMP and at != moment:
        # A claimed time proves nothing: a revocation since then counts too.
        check_not_revoked_since(evidence, anchors, moment)
    evidence.checked.append(
        _("certificate chain to a trust anchor at %(time)s") % {"time": at.isoformat()}
    )
    evidence.trusted_by = trusted_by(path, anchors)
    if anchors.registry is not None:
        evidence.qualified = is_qualified(path, anchors.registry, at)
        evidence.checked.append(_("qualified status from the trusted lists"))


def validate_path(evidence, anchors, at):
    validator = CertificateValidator(
        evidence.signer, validation_context=validation_context(evidence, anchors, at)
    )
    try:
        path = run(validator.async_validate_path())
        SIGNER_KEY_USAGE.validate(evidence.signer)
    except PathBuildingError:
        raise Verdict(
            INDETERMINATE,
            "NO_CERTIFICATE_CHAIN_FOUND",
            _(
                "The signing certificate does not chain to an authority this platform trusts."
            ),
        ) from None
    except RevokedError as error:
        raise Verdict(
            INDETERMINATE,
            "REVOKED_NO_POE",
            _(
                "The signing certificate was revoked on %(date)s and nothing proves the signature existed before."
            )
            % {"date": error.revocation_dt.date().isoformat()},
        ) from None
    except ExpiredError:
        raise Verdict(
            INDETERMINATE,
            "OUT_OF_BOUNDS_NO_POE",
            _("The signing certificate had expired at the signing time."),
        ) from None
    except NotYetValidError:
        raise Verdict(
            INDETERMINATE,
            "NOT_YET_VALID",
            _("The signing certificate was not yet valid at the signing time."),
        ) from None
    except DisallowedAlgorithmError as error:
        raise Verdict(
            INDETERMINATE,
            "CRYPTO_CONSTRAINTS_FAILURE_NO_POE",
            _("The certificate chain uses an algorithm no longer accepted (%(error)s).")
            % {"error": error},
        ) from None
    except InvalidCertificateError as error:
        raise Verdict(
            INDETERMINATE,
            "CHAIN_CONSTRAINTS_FAILURE",
            _("The signing certificate may not sign documents (%(error)s).")
            % {"error": error},
        ) from None
    except (PathValidationError, ValidationError) as error:
        raise Verdict(
            INDETERMINATE,
            "CERTIFICATE_CHAIN_GENERAL_FAILURE",
            _("The signing certificate could not be validated (%(error)s).")
            % {"error": error},
        ) from None
    return path


def check_not_revoked_since(evidence, anchors, moment):
    try:
        validate_path(evidence, anchors, moment)
    except Verdict as verdict:
        if verdict.subindication == "REVOKED_NO_POE":
            raise


def trusted_by(path, anchors):
    root = next(path.iter_certs(include_root=True), None)
    return anchors.source_of(root) if root is not None else None


def is_qualified(path, registry, at):
    from pyhanko.sign.validation.qualified.assess import QualificationAssessor

    result = QualificationAssessor(tsp_registry=registry).check_entity_cert_qualified(
        path, moment=at
    )
    return result.status.qualified
