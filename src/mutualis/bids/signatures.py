"""The electronic signatures of an opened bid's files, checked at opening.

A PDF carries its PAdES signatures; a `.p7s`/`.p7m` file is a CAdES signature of
the file of the same name without that suffix; an XML file with XAdES signatures
signs itself or the files its references name. Every report goes on the file, for
the opening page and the register. Above a size the file is not read into memory:
its reports say it was not checked.
"""

import logging
from collections.abc import Mapping
from datetime import datetime

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mutualis.bids import storage
from mutualis.trust import report as r

logger = logging.getLogger(__name__)

CMS_SUFFIXES = (".p7s", ".p7m")
XADES_NAMESPACE = b"http://uri.etsi.org/01903/"


def check(opened, anchors=None):
    """{bid file pk: [report dicts]} for the `opened` files of one bid."""
    from mutualis.trust.store import current_anchors

    anchors = anchors or current_anchors()
    by_name = {item.bid_file.name: item for item in opened}
    return {
        item.bid_file.pk: [
            report.as_dict() for report in _reports(item, by_name, anchors)
        ]
        for item in opened
    }


def _reports(item, by_name, anchors):
    from mutualis.trust.validation import validate
    from mutualis.trust.xades import validate_xades

    name = item.bid_file.name
    lowered = name.lower()
    is_pdf = _read(item.opened_as, 1024).lstrip().startswith(b"%PDF")
    if not (is_pdf or lowered.endswith((*CMS_SUFFIXES, ".xml"))):
        # Neither a PDF nor a signature: not read at all.
        return []
    if item.size > settings.MUTUALIS_MAX_SIGNATURE_CHECK_SIZE:
        return [_not_checked(name)]
    data = _read(item.opened_as)
    if is_pdf:
        return validate(name, data, anchors=anchors)
    if lowered.endswith(CMS_SUFFIXES):
        signed = by_name.get(name[:-4])
        detached = _read(signed.opened_as) if signed else None
        return validate(name, data, detached=detached, anchors=anchors)
    if lowered.endswith(".xml") and XADES_NAMESPACE in data:
        others = {
            other: entry
            for other, entry in by_name.items()
            if other != name
            and entry.size <= settings.MUTUALIS_MAX_SIGNATURE_CHECK_SIZE
        }
        return validate_xades(name, data, detached=_Lazy(others), anchors=anchors)
    return []


class _Lazy(Mapping):
    """The bid's other files by name, each read only if a signature refers to it."""

    def __init__(self, entries):
        self._entries = entries
        self._read = {}

    def __getitem__(self, name):
        if name not in self._read:
            self._read[name] = _read(self._entries[name].opened_as)
        return self._read[name]

    def __iter__(self):
        return iter(self._entries)

    def __len__(self):
        return len(self._entries)


def _read(name, size=-1):
    with storage.open_stored(name) as file:
        return file.read(size)


def _not_checked(name):
    return r.SignatureReport(
        file=name,
        format="",
        indication=r.INDETERMINATE,
        subindication="GENERIC",
        reason=_(
            "The file is too large for its signatures to be checked on the platform; "
            "check them with the signer's own tool."
        ),
    )


def summary(report, zone=None):
    """One line saying what a report (as stored) found, for pages and the register."""
    from mutualis.bids.receipts import format_instant

    verdict = r.INDICATION_LABELS.get(report["indication"], report["indication"])
    parts = [str(verdict).capitalize()]
    if report.get("signer"):
        parts.append(_("signed by %(signer)s") % {"signer": report["signer"]})
    if report.get("issuer"):
        parts.append(_("certificate from %(issuer)s") % {"issuer": report["issuer"]})
    if report.get("level"):
        parts.append(report["level"])
    parts.append(QUALIFIED[report.get("qualified")])
    if report.get("signing_time"):
        when = datetime.fromisoformat(report["signing_time"])
        parts.append(
            _("signed on %(when)s (%(source)s)")
            % {
                "when": format_instant(when, zone) if zone else when.isoformat(),
                "source": TIME_SOURCES.get(report.get("time_source"), ""),
            }
        )
    line = ", ".join(str(part) for part in parts)
    if report.get("reason"):
        line = f"{line}. {report['reason']}"
    return line


QUALIFIED = {
    True: gettext_lazy("qualified"),
    False: gettext_lazy("not qualified"),
    None: gettext_lazy("qualification unknown"),
}
TIME_SOURCES = {
    r.TIME_FROM_TIMESTAMP: gettext_lazy("proved by a timestamp"),
    r.TIME_CLAIMED: gettext_lazy("as the signer claims"),
}
