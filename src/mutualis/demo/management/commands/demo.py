from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from mutualis.demo import builder
from mutualis.exchange.importer import Status, import_notices, shipped_notices


class Command(BaseCommand):
    help = "Migrate, load the reference data and real notices, and create the demo."

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        call_command("load_referential", verbosity=0)
        results = import_notices(shipped_notices())
        taken = [r for r in results if r.status != Status.REFUSED]
        self.stdout.write(
            f"Real TED eForms notices: {len(taken)} of {len(results)} imported"
            " (prior-information and qualification-system notices open no procedure)"
        )
        created, accounts = builder.build()
        if not created:
            self.stdout.write("The demo was already loaded; its accounts:")
        self.stdout.write("")
        self.stdout.write(f"Demo accounts (password for all: {builder.PASSWORD}):")
        for account in accounts:
            self.stdout.write(
                f"  {account.email:<48} {account.organisation} — {account.roles}"
            )
        self.stdout.write("")
        self.stdout.write(
            "Openers' age identity files (passphrase: the demo password,"
            f" {builder.PASSWORD}):"
        )
        for email, path in builder.identity_files():
            self.stdout.write(f"  {email:<48} {path}")
        self.stdout.write("")
        self.stdout.write(
            f"Open {settings.MUTUALIS_BASE_URL} and log in with one of them."
        )
