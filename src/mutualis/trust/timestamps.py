"""RFC 3161 timestamps: an in-process authority by default, a configured one later.

`stamp(digest)` returns a DER TimeStampToken (CMS SignedData over a TSTInfo) and
`verify(token, digest)` returns its time, or raises TimestampError saying why not.
"""

import asyncio
import base64
import concurrent.futures
import datetime as dt
import functools
import hashlib
import secrets
from pathlib import Path

from asn1crypto import algos, cms, tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from pyhanko.sign.general import as_signing_certificate_v2, simple_cms_attribute
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.sign.validation.errors import SignatureValidationError

from mutualis.core.time import now
from mutualis.trust.platform import asn1_certificate, platform_keys

# An OID under 2.25 is derived from a UUID (ITU-T X.667) and needs no registration;
# this one names the policy of the platform's in-process authority.
EMBEDDED_POLICY = "2.25.178010318426391829564917329614405335431"
HASHES = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}


class TimestampError(Exception):
    """A timestamp token that cannot be had, or does not prove what it should."""


def stamp(digest, algorithm="sha256"):
    """A DER RFC 3161 TimeStampToken over `digest`, computed with `algorithm`."""
    if algorithm not in HASHES or len(digest) != HASHES[algorithm].digest_size:
        raise TimestampError(
            _("A %(algorithm)s digest of %(size)s bytes cannot be timestamped.")
            % {"algorithm": algorithm, "size": len(digest)}
        )
    try:
        token = run(timestamper().async_timestamp(digest, algorithm))
    except (TimestampRequestError, OSError) as error:
        raise TimestampError(
            _("The timestamp authority did not answer: %(error)s") % {"error": error}
        ) from error
    return token.dump()


def verify(token, digest):
    """The instant (UTC) at which `token` proves `digest` existed.

    Raises TimestampError naming the reason: not a token, another digest, a
    broken signature, or an authority this platform does not trust.
    """
    signed_data, tst_info = _parse(token)
    imprint = tst_info["message_imprint"]
    if imprint["hashed_message"].native != digest:
        raise TimestampError(_("The timestamp was issued for another document."))
    gen_time = tst_info["gen_time"].native.astimezone(dt.UTC)
    try:
        status = run(_validate(signed_data, imprint, gen_time))
    except SignatureValidationError as error:
        raise TimestampError(
            _("The timestamp's signature is invalid: %(reason)s")
            % {"reason": error.failure_message}
        ) from None
    if not status["intact"]:
        raise TimestampError(_("The timestamp's content does not match its signature."))
    if not status["valid"]:
        raise TimestampError(_("The timestamp's signature is invalid."))
    if status.get("trust_problem_indic") is not None:
        raise TimestampError(
            _("The timestamp authority is not trusted: %(subject)s")
            % {"subject": status["signing_cert"].subject.human_friendly}
        )
    return gen_time


def timestamper():
    """The pyHanko TimeStamper that `stamp` and the platform seal use."""
    if settings.MUTUALIS_TSA_URL:
        headers = {}
        if settings.MUTUALIS_TSA_USERNAME:
            pair = f"{settings.MUTUALIS_TSA_USERNAME}:{settings.MUTUALIS_TSA_PASSWORD}"
            headers["Authorization"] = (
                "Basic " + base64.b64encode(pair.encode()).decode()
            )
        return HTTPTimeStamper(settings.MUTUALIS_TSA_URL, headers=headers, timeout=20)
    return PlatformTimeStamper()


def trust_roots():
    """Certificates that anchor valid tokens: the platform's, and the TSA's if set."""
    roots = [asn1_certificate(c) for c in platform_keys().roots]
    if settings.MUTUALIS_TSA_TRUST_ROOTS:
        path = Path(settings.MUTUALIS_TSA_TRUST_ROOTS)
        from cryptography import x509

        try:
            extra = x509.load_pem_x509_certificates(path.read_bytes())
        except (OSError, ValueError) as error:
            raise ImproperlyConfigured(
                f"MUTUALIS_TSA_TRUST_ROOTS ({path}): no PEM certificate ({error})"
            ) from None
        roots += [asn1_certificate(c) for c in extra]
    return roots


def run(coroutine):
    """Run one of pyHanko's coroutines from synchronous code, loop or no loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    # Inside a running loop (an async view, a test driver): use a thread of our own.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class PlatformTimeStamper(TimeStamper):
    """The in-process authority: signs TSTInfo with the platform's TSA key."""

    def __init__(self):
        super().__init__(include_nonce=True)
        self.identity = platform_keys().tsa
        self.parts = _fixed_parts(self.identity)

    async def async_request_tsa_response(self, req):
        tst_info = self._tst_info(req).dump()
        token = cms.ContentInfo(
            {"content_type": "signed_data", "content": self._signed_data(tst_info)}
        )
        status = tsp.PKIStatusInfo({"status": "granted"})
        return tsp.TimeStampResp({"status": status, "time_stamp_token": token})

    def _tst_info(self, req):
        info = {
            "version": "v1",
            "policy": EMBEDDED_POLICY,
            "message_imprint": req["message_imprint"],
            "serial_number": secrets.randbits(127),
            "gen_time": now().astimezone(dt.UTC),
            "ordering": False,
            "tsa": asn1_x509.GeneralName.load(self.parts["tsa"]),
        }
        if req["nonce"].native is not None:
            info["nonce"] = req["nonce"]
        return tsp.TSTInfo(info)

    def _signed_data(self, tst_info):
        digest = hashlib.sha256(tst_info).digest()
        attributes = [
            simple_cms_attribute("content_type", "tst_info"),
            simple_cms_attribute("message_digest", digest),
            cms.CMSAttribute.load(self.parts["signing_certificate"]),
        ]
        # DER orders a SET OF by encoding; OpenSSL checks the signature over its
        # own re-encoding.
        attributes = cms.CMSAttributes(sorted(attributes, key=lambda a: a.dump()))
        signature, mechanism = self._sign(attributes.dump())
        signer_info = cms.SignerInfo(
            {
                "version": "v1",
                "sid": cms.SignerIdentifier.load(self.parts["sid"]),
                "digest_algorithm": {"algorithm": "sha256"},
                "signature_algorithm": {"algorithm": mechanism},
                "signed_attrs": attributes,
                "signature": signature,
            }
        )
        return cms.SignedData(
            {
                "version": "v3",
                "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
                "encap_content_info": {
                    "content_type": "tst_info",
                    "content": cms.ParsableOctetString(tst_info),
                },
                "certificates": cms.CertificateSet.load(self.parts["certificates"]),
                "signer_infos": [signer_info],
            }
        )

    def _sign(self, data):
        key = self.identity.key
        if isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(hashes.SHA256())), "sha256_ecdsa"
        if isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, padding.PKCS1v15(), hashes.SHA256()), "sha256_rsa"
        raise ImproperlyConfigured("The TSA key must be an EC or RSA key.")


@functools.lru_cache(maxsize=4)
def _fixed_parts(identity):
    """The DER of what every token of `identity` repeats, encoded once.

    Building them afresh made asn1crypto re-encode whole certificates each time,
    most of a token's cost.
    """
    certificate = asn1_certificate(identity.certificate)
    chain = [certificate] + [asn1_certificate(c) for c in identity.chain]
    return {
        "tsa": asn1_x509.GeneralName(
            name="directory_name", value=certificate.subject
        ).dump(),
        "signing_certificate": simple_cms_attribute(
            "signing_certificate_v2", as_signing_certificate_v2(certificate)
        ).dump(),
        "sid": cms.SignerIdentifier(
            {
                "issuer_and_serial_number": {
                    "issuer": certificate.issuer,
                    "serial_number": certificate.serial_number,
                }
            }
        ).dump(),
        "certificates": cms.CertificateSet(chain).dump(),
    }


def _parse(token):
    try:
        content = cms.ContentInfo.load(token)
        signed_data = content["content"]
        tst_info = signed_data["encap_content_info"]["content"].parsed
        if content["content_type"].native != "signed_data" or not isinstance(
            tst_info, tsp.TSTInfo
        ):
            raise ValueError("not a TimeStampToken")
        # asn1crypto parses lazily: reading every field now makes a malformed
        # token fail here, with its reason, rather than halfway through the checks.
        if tst_info.native["gen_time"] is None:
            raise ValueError("no genTime")
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise TimestampError(
            _("This is not an RFC 3161 timestamp token (%(error)s).") % {"error": error}
        ) from None
    return signed_data, tst_info


async def _validate(signed_data, imprint, gen_time):
    from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
    from pyhanko_certvalidator import ValidationContext

    context = ValidationContext(trust_roots=trust_roots(), moment=gen_time)
    expected = imprint["hashed_message"].native
    return await validate_tst_signed_data(signed_data, context, lambda _a: expected)


__all__ = ["TimestampError", "stamp", "timestamper", "trust_roots", "verify"]
