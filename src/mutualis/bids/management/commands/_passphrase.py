"""The passphrase of an identity file: from the terminal, or for scripts the env."""

import getpass
import os

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

ENV = "MUTUALIS_PASSPHRASE"


def read_passphrase(confirm=False):
    """MUTUALIS_PASSPHRASE if set, else asked (twice when `confirm`)."""
    if os.environ.get(ENV):
        return os.environ[ENV]
    passphrase = getpass.getpass(_("Passphrase: "))
    if not passphrase:
        raise CommandError(_("The passphrase must not be empty."))
    if confirm and getpass.getpass(_("Passphrase again: ")) != passphrase:
        raise CommandError(_("The two passphrases differ."))
    return passphrase
