from django.core.management.base import BaseCommand

from mutualis.core.journal import seal_journal


class Command(BaseCommand):
    help = "Timestamp the audit journal's head (RFC 3161) and store the seal."

    def handle(self, *args, **options):
        seal = seal_journal()
        if seal is None:
            self.stdout.write("nothing new to seal")
            return
        self.stdout.write(
            f"sealed entry {seal.sequence} ({seal.entry_hash}) "
            f"at {seal.stamped_at.isoformat()}"
        )
