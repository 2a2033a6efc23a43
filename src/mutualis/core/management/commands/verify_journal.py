from django.core.management.base import BaseCommand, CommandError

from mutualis.core.journal import verify_journal


class Command(BaseCommand):
    help = "Recompute the audit journal's hash chain and check its timestamped seals."

    def handle(self, *args, **options):
        report = verify_journal()
        if not report.intact:
            for line in report.breaks:
                self.stderr.write(line)
            raise CommandError(
                f"journal broken: {len(report.breaks)} problem(s) in "
                f"{report.entries} entries, {report.seals} seals"
            )
        sealed = (
            f"last sealed at {report.last_sealed_at.isoformat()} "
            f"(entry {report.last_sealed_sequence})"
            if report.last_sealed_at
            else "never sealed"
        )
        self.stdout.write(
            f"journal intact: {report.entries} entries, {report.seals} seals, {sealed}"
        )
