"""What the platform says of one electronic signature, in the terms of ETSI EN 319 102-1.

Every validator (PAdES, CAdES, XAdES) answers with SignatureReport objects, one per
signature found, so that the opening page, the opening register and the
command-line tool show every signature the same way whatever its format.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext_lazy as _

# The main indications of ETSI EN 319 102-1, section 5.1.3.
PASSED = "TOTAL-PASSED"
INDETERMINATE = "INDETERMINATE"
FAILED = "TOTAL-FAILED"

INDICATION_LABELS = {
    PASSED: _("passed"),
    INDETERMINATE: _("indeterminate"),
    FAILED: _("failed"),
}

# Baseline levels of ETSI EN 319 142-1 / 319 122-1 / 319 132-1.
LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")

# Where the signing time that the certificate was judged at comes from.
TIME_FROM_TIMESTAMP = "timestamp"
TIME_CLAIMED = "claimed"
TIME_NONE = "none"


@dataclass(frozen=True)
class SignatureReport:
    """One signature: its verdict, who signed, under which authority, and when.

    `subindication` is the ETSI sub-indication name (REVOKED_NO_POE, HASH_FAILURE,
    NO_CERTIFICATE_CHAIN_FOUND, ...) for anything but a pass; `reason` says it
    plainly, in the reader's language. `qualified` is None when it could not be
    determined (no trusted list covers the issuer). `checked` names what the
    validator actually checked, so that nobody reads more into a pass than it says.
    """

    file: str
    format: str  # "PAdES", "CAdES" or "XAdES"
    indication: str
    subindication: str | None = None
    reason: str = ""
    level: str | None = None  # the highest of LEVELS that the signature reaches
    signer: str | None = None
    issuer: str | None = None
    qualified: bool | None = None
    signing_time: datetime | None = None
    time_source: str = TIME_NONE
    trusted_by: str | None = None  # the trusted list or operator list that anchors it
    checked: tuple[str, ...] = field(default_factory=tuple)

    @property
    def passed(self):
        return self.indication == PASSED

    @property
    def indication_label(self):
        return INDICATION_LABELS[self.indication]

    def as_dict(self):
        """The report as JSON-ready values (for the register and the tool)."""
        return {
            "file": self.file,
            "format": self.format,
            "indication": self.indication,
            "subindication": self.subindication,
            "reason": str(self.reason),
            "level": self.level,
            "signer": str(self.signer) if self.signer else None,
            "issuer": str(self.issuer) if self.issuer else None,
            "qualified": self.qualified,
            "signing_time": self.signing_time.isoformat()
            if self.signing_time
            else None,
            "time_source": self.time_source,
            "trusted_by": str(self.trusted_by) if self.trusted_by else None,
            "checked": [str(item) for item in self.checked],
        }
