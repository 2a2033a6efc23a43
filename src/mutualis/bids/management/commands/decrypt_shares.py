import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from mutualis.bids import keys
from mutualis.bids.management.commands._passphrase import read_passphrase


class Command(BaseCommand):
    help = (
        "Decrypt the key shares of an opening (shares.json) with your identity "
        "file, and write the document to hand over on the opening page."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("shares", help=_("shares.json from the opening page"))
        parser.add_argument(
            "--identity", required=True, help=_("your identity file (identity.age)")
        )

    def handle(self, *args, shares, identity, **options):
        try:
            document = json.loads(Path(shares).read_text())
            data = Path(identity).read_bytes()
        except (OSError, ValueError) as error:
            raise CommandError(str(error)) from None
        try:
            opener = keys.load_identity(data, read_passphrase())
            decrypted = keys.decrypt_shares(opener, document)
        except keys.KeyFileError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(json.dumps(decrypted, indent=1))
