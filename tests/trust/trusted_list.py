"""A signed test EU list of trusted lists and national trusted list, and their PKI.

The lists follow ETSI TS 119 612 closely enough for pyHanko to read them: a LOTL
that points to one national list and names its signer, and a national list that
grants one CA/QC service to a test CA. Both are XAdES enveloped signatures made
with signxml by a test scheme operator (TLSO) certificate.
"""

import base64
import datetime as dt
from dataclasses import dataclass

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from lxml import etree
from pyhanko.sign.ades.qualified_asn1 import QcStatements
from signxml import SignatureMethod
from signxml.xades import XAdESSigner

TSL = "http://uri.etsi.org/02231/v2#"
ADDITIONAL_TYPES = "http://uri.etsi.org/02231/v2/additionaltypes#"
BASE = "http://uri.etsi.org/TrstSvc/TrustedList"
CA_QC = "http://uri.etsi.org/TrstSvc/Svctype/CA/QC"
GRANTED = f"{BASE}/Svcstatus/granted"
LOTL_TYPE = f"{BASE}/TSLType/EUlistofthelists"
GENERIC_TYPE = f"{BASE}/TSLType/EUgeneric"
QC_STATEMENTS_OID = x509.ObjectIdentifier("1.3.6.1.5.5.7.1.3")


@dataclass
class Party:
    """A key and its certificate (cryptography objects), with its asn1crypto form."""

    key: object
    certificate: x509.Certificate

    @property
    def der(self):
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @property
    def asn1(self):
        return asn1_x509.Certificate.load(self.der)

    @property
    def pem(self):
        return self.certificate.public_bytes(serialization.Encoding.PEM)


def _name(common_name):
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ZZ"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Mutualis test PKI"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _certificate(common_name, key, issuer=None, *, ca, extensions=(), days=3650):
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    issuer_name = issuer.certificate.subject if issuer else _name(common_name)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
            critical=False,
        )
        .add_extension(_key_usage(ca), critical=True)
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    signing_key = issuer.key if issuer else key
    return builder.sign(signing_key, hashes.SHA256())


def _key_usage(ca):
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


def make_party(common_name, issuer=None, *, ca=False, extensions=()):
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = _certificate(common_name, key, issuer, ca=ca, extensions=extensions)
    return Party(key, certificate)


def make_tlso(common_name="Test Trusted List Scheme Operator"):
    return make_party(common_name)


def make_ca(common_name="Test Qualified CA"):
    return make_party(common_name, ca=True)


def issue_qualified(ca, common_name="Test Qualified Signer"):
    """A certificate for electronic signatures that claims to be qualified (QSCD)."""
    statements = QcStatements(
        [
            {"statement_id": "qc_compliance"},
            {"statement_id": "qc_sscd"},
            {"statement_id": "qc_type", "statement_info": ["qct_esign"]},
        ]
    )
    extension = x509.UnrecognizedExtension(QC_STATEMENTS_OID, statements.dump())
    return make_party(common_name, ca, extensions=[(extension, False)])


def _sub(parent, tag, text=None, namespace=TSL, **attributes):
    element = etree.SubElement(parent, f"{{{namespace}}}{tag}", **attributes)
    if text is not None:
        element.text = text
    return element


def _lang_name(parent, tag, text):
    names = _sub(parent, tag)
    _sub(names, "Name", text, **{"{http://www.w3.org/XML/1998/namespace}lang": "en"})


def _timestamp(moment):
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _scheme_information(root, *, sequence, kind, territory):
    info = _sub(root, "SchemeInformation")
    _sub(info, "TSLVersionIdentifier", "6")
    _sub(info, "TSLSequenceNumber", str(sequence))
    _sub(info, "TSLType", kind)
    _lang_name(info, "SchemeOperatorName", f"Test scheme operator {territory}")
    _lang_name(info, "SchemeName", f"{territory}: test trusted list")
    uris = _sub(info, "SchemeInformationURI")
    _sub(uris, "URI", "https://example.org/scheme.html")
    _sub(info, "StatusDeterminationApproach", f"{BASE}/StatusDetn/EUappropriate")
    rules = _sub(info, "SchemeTypeCommunityRules")
    _sub(rules, "URI", f"{BASE}/schemerules/EUcommon")
    _sub(info, "SchemeTerritory", territory)
    _sub(info, "HistoricalInformationPeriod", "65535")
    return info


def _finish_scheme_information(info, issued, next_update):
    _sub(info, "ListIssueDateTime", _timestamp(issued))
    upcoming = _sub(info, "NextUpdate")
    _sub(upcoming, "dateTime", _timestamp(next_update))


def _root():
    return etree.Element(
        f"{{{TSL}}}TrustServiceStatusList",
        nsmap={None: TSL, "tslx": ADDITIONAL_TYPES},
        Id="TrustServiceStatusList",
        TSLTag="http://uri.etsi.org/19612/TSLTag",
    )


def _digital_identity(parent, tag, party):
    identity = _sub(parent, tag)
    digital_id = _sub(identity, "DigitalId")
    _sub(digital_id, "X509Certificate", base64.b64encode(party.der).decode())


def national_list(
    tlso,
    services,
    *,
    territory="ZZ",
    sequence=1,
    issued=None,
    next_update=None,
):
    """A signed national trusted list granting each (name, CA Party) as CA/QC."""
    issued = issued or dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    next_update = next_update or issued + dt.timedelta(days=180)
    root = _root()
    info = _scheme_information(
        root,
        sequence=sequence,
        kind=GENERIC_TYPE,
        territory=territory,
    )
    _finish_scheme_information(info, issued, next_update)
    providers = _sub(root, "TrustServiceProviderList")
    for name, ca in services:
        provider = _sub(providers, "TrustServiceProvider")
        provider_info = _sub(provider, "TSPInformation")
        _lang_name(provider_info, "TSPName", f"{name} provider")
        tsp_services = _sub(provider, "TSPServices")
        service_information = _sub(
            _sub(tsp_services, "TSPService"), "ServiceInformation"
        )
        _sub(service_information, "ServiceTypeIdentifier", CA_QC)
        _lang_name(service_information, "ServiceName", name)
        _digital_identity(service_information, "ServiceDigitalIdentity", ca)
        _sub(service_information, "ServiceStatus", GRANTED)
        _sub(
            service_information,
            "StatusStartingTime",
            _timestamp(issued - dt.timedelta(days=30)),
        )
        extensions = _sub(service_information, "ServiceInformationExtensions")
        extension = _sub(extensions, "Extension", Critical="true")
        additional = _sub(extension, "AdditionalServiceInformation")
        _sub(additional, "URI", f"{BASE}/SvcInfoExt/ForeSignatures")
    return sign_list(root, tlso)


def list_of_lists(
    signer,
    pointers,
    *,
    sequence=1,
    issued=None,
    next_update=None,
):
    """A signed LOTL pointing to each (territory, location, TLSO Party)."""
    issued = issued or dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    next_update = next_update or issued + dt.timedelta(days=180)
    root = _root()
    info = _scheme_information(
        root,
        sequence=sequence,
        kind=LOTL_TYPE,
        territory="EU",
    )
    others = _sub(info, "PointersToOtherTSL")
    for territory, location, tlso in pointers:
        pointer = _sub(others, "OtherTSLPointer")
        identities = _sub(pointer, "ServiceDigitalIdentities")
        _digital_identity(identities, "ServiceDigitalIdentity", tlso)
        _sub(pointer, "TSLLocation", location)
        additional = _sub(pointer, "AdditionalInformation")
        _sub(_sub(additional, "OtherInformation"), "TSLType", GENERIC_TYPE)
        _sub(_sub(additional, "OtherInformation"), "SchemeTerritory", territory)
        _sub(
            _sub(additional, "OtherInformation"),
            "MimeType",
            "application/vnd.etsi.tsl+xml",
            namespace=ADDITIONAL_TYPES,
        )
    _finish_scheme_information(info, issued, next_update)
    return sign_list(root, signer)


def sign_list(root, signer):
    """`root` signed as an XAdES enveloped signature by `signer`, as bytes."""
    xades = XAdESSigner(signature_algorithm=SignatureMethod.ECDSA_SHA256)
    signed = xades.sign(
        root,
        key=signer.key,
        cert=[signer.pem.decode()],
    )
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


@dataclass
class SampleTrust:
    """A test TLSO, a CA it lists as CA/QC granted, a signer of that CA, the lists."""

    tlso: Party
    ca: Party
    signer: Party
    lotl: bytes
    national: bytes


def sample_trust(location="https://example.org/tl-zz.xml", territory="ZZ", **dates):
    """The LOTL points to the national list at `location`; both signed by one TLSO."""
    tlso = make_tlso()
    ca = make_ca()
    national = national_list(
        tlso, [("Test qualified CA service", ca)], territory=territory, **dates
    )
    lotl = list_of_lists(tlso, [(territory, location, tlso)])
    return SampleTrust(tlso, ca, issue_qualified(ca), lotl, national)
