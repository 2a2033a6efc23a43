import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from pyhanko.keys import load_certs_from_pemder

from mutualis.trust.lists import TrustedListError
from mutualis.trust.store import documents_from_paths, import_trusted_lists


def lotl_signers(paths):
    """The LOTL signer certificates in the files named, or None for pyHanko's own."""
    if not paths:
        return None
    try:
        return list(load_certs_from_pemder(paths))
    except (OSError, ValueError) as error:
        raise CommandError(
            _("Cannot read the LOTL signer certificates: %(error)s") % {"error": error}
        ) from error


def report(command, outcomes, started):
    """One line per list: imported or skipped, and stale if past its next update."""
    for outcome in outcomes:
        where = f"{outcome.file_name}: {outcome.territory} {outcome.sequence}"
        if not outcome.imported:
            command.stdout.write(
                _("%(list)s skipped, %(why)s") % {"list": where, "why": outcome.skipped}
            )
            continue
        trusted_list = outcome.trusted_list
        line = _("%(list)s imported (issued %(issued)s, next update %(next)s)") % {
            "list": where,
            "issued": f"{trusted_list.issued_at:%Y-%m-%d}",
            "next": (
                f"{trusted_list.next_update:%Y-%m-%d}"
                if trusted_list.next_update
                else "-"
            ),
        }
        command.stdout.write(command.style.SUCCESS(line))
        if trusted_list.is_stale:
            command.stdout.write(
                command.style.WARNING(
                    _("  stale: its next update was due on %(date)s")
                    % {"date": f"{trusted_list.next_update:%Y-%m-%d}"}
                )
            )
    command.stdout.write(
        _("%(count)s lists read in %(seconds).1f s.")
        % {"count": len(outcomes), "seconds": time.monotonic() - started}
    )


class Command(BaseCommand):
    help = (
        "Import the EU list of trusted lists and national trusted lists from files "
        "(or folders of *.xml files), after checking their signatures."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument(
            "--lotl-signer",
            action="append",
            default=[],
            metavar="FILE",
            help="Certificates (PEM or DER) that may sign the LOTL, instead of "
            "the ones pyHanko ships.",
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        signers = lotl_signers(options["lotl_signer"])
        try:
            documents = documents_from_paths(options["paths"])
            if not documents:
                raise CommandError(_("No XML file found there."))
            outcomes = import_trusted_lists(documents, lotl_signers=signers)
        except TrustedListError as error:
            raise CommandError(
                _("%(file)s refused: %(reason)s Nothing was imported.")
                % {"file": error.file_name, "reason": error.reason}
            ) from error
        report(self, outcomes, started)
