import json
import urllib.request
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from mutualis.bids import sealing


class Command(BaseCommand):
    help = (
        "Seal a bid's files for a consultation: each file encrypted with age to a "
        "fresh bid key, whose shares go to the opening commission; writes the "
        "sealed files and manifest.json."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--info", help=_("the consultation's sealing.json"))
        source.add_argument("--url", help=_("the address of its sealing.json"))
        parser.add_argument("files", nargs="+", help=_("the bid's files"))
        parser.add_argument("--lot", type=int, help=_("the lot number, if any"))
        parser.add_argument("--out", required=True, help=_("where to write"))

    def handle(self, *args, info, url, files, lot, out, **options):
        document = _fetch(url) if url else _read(info)
        try:
            manifest = sealing.seal_bid(
                document, files, Path(out), _lot_id(document, lot)
            )
        except sealing.SealingError as error:
            raise CommandError(str(error)) from None
        for entry in manifest["files"]:
            sealed = sealing.sealed_path(out, entry["name"])
            self.stdout.write(f"{sealed}  {entry['size']}")
        self.stdout.write(str(Path(out) / "manifest.json"))


def _read(path):
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise CommandError(f"{path}: {error}") from None


def _fetch(url):
    if not url.startswith(("https://", "http://")):
        raise CommandError(_("--url: an http(s) address expected"))
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310
            return json.loads(response.read())
    except (OSError, ValueError) as error:
        raise CommandError(f"{url}: {error}") from None


def _lot_id(document, number):
    if number is None:
        return None
    for lot in document.get("lots", []):
        if lot["number"] == number:
            return lot["id"]
    raise CommandError(
        _("--lot: the consultation has no lot %(number)d") % {"number": number}
    )
