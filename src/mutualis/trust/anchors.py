"""What a signature may chain to: the trust anchors every validator is given.

An Anchors value gathers the certification authorities that the imported trusted
lists name and those the operator accepts for the platform, with the registry of
qualified services that pyHanko uses to say whether a certificate is qualified.
Validators take it as an argument, so that tests give them their own test PKI and
the platform gives them the trust store (mutualis.trust.store.current_anchors()).
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Anchors:
    # asn1crypto.x509.Certificate objects accepted as trust roots.
    roots: tuple = ()
    # A pyhanko TSPRegistry built from the trusted lists, or None: without one
    # nothing is ever said to be qualified.
    registry: object = None
    # For each root (by its SHA-256 fingerprint, hex), where its trust comes from:
    # "EU trusted list FR (sequence 174)", "accepted by the operator", ...
    sources: dict = field(default_factory=dict)
    # Whether validators may fetch CRLs and OCSP answers over the network.
    fetching: bool = False

    def source_of(self, certificate):
        return self.sources.get(certificate.sha256.hex())
