import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from mutualis.trust.lists import TrustedListError
from mutualis.trust.management.commands.import_trusted_lists import (
    lotl_signers,
    report,
)
from mutualis.trust.store import refresh_trusted_lists


class Command(BaseCommand):
    help = (
        "Fetch the EU list of trusted lists at MUTUALIS_TRUSTED_LISTS_URL and the "
        "national lists it points to, check their signatures and import them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--lotl-signer",
            action="append",
            default=[],
            metavar="FILE",
            help="Certificates (PEM or DER) that may sign the LOTL, instead of "
            "the ones pyHanko ships.",
        )
        parser.add_argument(
            "--in-background",
            action="store_true",
            help=_(
                "Queue the refresh for the worker (mutualis worker), which then "
                "runs it once a day; MUTUALIS_LOTL_SIGNERS_FILE names its signers."
            ),
        )

    def handle(self, *args, **options):
        if options["in_background"]:
            from mutualis.trust.tasks import refresh_trusted_lists as task

            task.enqueue()
            self.stdout.write(
                _("Queued: the worker refreshes the lists now, then once a day.")
            )
            return
        url = settings.MUTUALIS_TRUSTED_LISTS_URL
        if not url:
            self.stdout.write(
                _(
                    "MUTUALIS_TRUSTED_LISTS_URL is not set: nothing fetched. Set it "
                    "to the address of the EU list of trusted lists, or import "
                    "files with import-trusted-lists."
                )
            )
            return
        started = time.monotonic()
        signers = lotl_signers(options["lotl_signer"])
        try:
            outcomes = refresh_trusted_lists(
                url, lotl_signers=signers, on_failure=self._unreachable
            )
        except TrustedListError as error:
            raise CommandError(
                _("%(file)s refused: %(reason)s Nothing was imported.")
                % {"file": error.file_name, "reason": error.reason}
            ) from error
        report(self, outcomes, started)

    def _unreachable(self, territory, error):
        self.stderr.write(
            _("%(territory)s not fetched from %(url)s: %(reason)s")
            % {"territory": territory, "url": error.file_name, "reason": error.reason}
        )
