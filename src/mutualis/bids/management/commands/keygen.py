import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from mutualis.bids import keys
from mutualis.bids.management.commands._passphrase import read_passphrase


class Command(BaseCommand):
    help = (
        "Create an opener's age identity, protected by a passphrase, and print the "
        "recipient to register on the platform."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--out", required=True, help=_("the identity file to write (identity.age)")
        )

    def handle(self, *args, out, **options):
        path = Path(out)
        if path.exists():
            raise CommandError(
                _("%(path)s exists; it is not replaced.") % {"path": out}
            )
        identity = keys.generate_identity()
        data = keys.protect(identity, read_passphrase(confirm=True))
        _write_private(path, data)
        self.stderr.write(
            _("Identity written to %(path)s; keep it and its passphrase.")
            % {"path": out}
        )
        self.stdout.write(str(identity.to_public()))


def _write_private(path, data):
    """Create the file readable by its owner only; never over an existing one."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)
