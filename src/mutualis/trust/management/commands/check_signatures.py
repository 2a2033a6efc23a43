import json
from pathlib import Path

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from mutualis.trust.anchors import Anchors
from mutualis.trust.validation import validate

UNREADABLE = 2


class Command(BaseCommand):
    help = _(
        "Check the electronic signatures of files locally, before depositing them: "
        "nothing is sent anywhere."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument(
            "--detached-content",
            metavar="FILE",
            help=_("the file that a detached .p7s signature signs"),
        )
        parser.add_argument(
            "--trust-root",
            action="append",
            default=[],
            metavar="PEM_OR_DER_FILE",
            help=_("also trust this certification authority (repeatable)"),
        )
        parser.add_argument("--json", action="store_true", help=_("print JSON"))

    def handle(self, *args, **options):
        try:
            contents = {name: Path(name).read_bytes() for name in options["files"]}
            detached = _read_optional(options["detached_content"])
            anchors, note = _anchors(options["trust_root"])
        except (OSError, ValueError) as error:
            self.stderr.write(_("Cannot read %(error)s") % {"error": error})
            raise SystemExit(UNREADABLE) from None
        reports = [
            report
            for name, data in contents.items()
            for report in validate(name, data, detached=detached, anchors=anchors)
        ]
        self._print(reports, note, options["json"])
        if not reports or not all(r.passed for r in reports):
            raise SystemExit(1)

    def _print(self, reports, note, as_json):
        if as_json:
            payload = {"note": note, "signatures": [r.as_dict() for r in reports]}
            self.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False))
            return
        if note:
            self.stdout.write(note)
        if not reports:
            self.stdout.write(_("No signature found."))
        for report in reports:
            self.stdout.write(_describe(report))


def _describe(report):
    qualified = {True: _("yes"), False: _("no"), None: _("unknown")}[report.qualified]
    lines = [
        f"{report.file}: {report.indication} {report.subindication or ''}".rstrip(),
        "  " + str(report.reason),
        "  " + _("level: %(level)s") % {"level": report.level or "-"},
        "  " + _("signer: %(name)s") % {"name": report.signer or "-"},
        "  " + _("issuer: %(name)s") % {"name": report.issuer or "-"},
        "  " + _("qualified: %(answer)s") % {"answer": qualified},
        "  "
        + _("signing time: %(time)s (%(source)s)")
        % {
            "time": report.signing_time.isoformat() if report.signing_time else "-",
            "source": report.time_source,
        },
    ]
    return "\n".join(lines)


def _read_optional(name):
    return Path(name).read_bytes() if name else None


def _anchors(root_files):
    try:
        from mutualis.trust.store import current_anchors
    except ImportError:
        anchors = Anchors()
        note = _(
            "No trusted list is imported: only --trust-root authorities are trusted."
        )
    else:
        anchors, note = current_anchors(), ""
    extra = tuple(_certificate(Path(name)) for name in root_files)
    if not extra:
        return anchors, note
    sources = dict(anchors.sources)
    sources.update({c.sha256.hex(): _("given with --trust-root") for c in extra})
    return (
        Anchors(
            roots=anchors.roots + extra,
            registry=anchors.registry,
            sources=sources,
            fetching=anchors.fetching,
        ),
        note,
    )


def _certificate(path):
    data = path.read_bytes()
    if pem.detect(data):
        _type, _headers, data = pem.unarmor(data)
    try:
        certificate = asn1_x509.Certificate.load(data)
        certificate.native  # noqa: B018 - parse it all now, so a bad file fails here
    except (ValueError, TypeError) as error:
        raise ValueError(f"{path}: not a certificate ({error})") from None
    return certificate
