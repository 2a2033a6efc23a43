from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from mutualis.exchange import following
from mutualis.exchange.models import RunStatus


class Command(BaseCommand):
    help = _(
        "Read the OCDS feeds of the platforms the portal follows and show their "
        "calls beside this platform's. Run it from cron or a systemd timer, every "
        "hour for instance; each source goes on from where its last reading stopped. "
        "It ends with an error when a platform could not be read at all."
    )

    def handle(self, *args, **options):
        runs = following.follow_all()
        for run in runs:
            self.stdout.write(
                _(
                    "%(source)s: %(status)s. Releases read: %(releases)d, refused: "
                    "%(refused)d. Calls added: %(created)d, updated: %(updated)d."
                )
                % {
                    "source": run.source.name,
                    "status": run.get_status_display(),
                    "releases": run.releases,
                    "refused": run.refused,
                    "created": run.created,
                    "updated": run.updated,
                }
            )
            for error in run.errors:
                self.stdout.write(f"  {error}")
        failed = [run for run in runs if run.status == RunStatus.FAILED]
        if failed:
            # A non-zero exit, for cron or the timer to report.
            raise CommandError(
                _("Not read: %(platforms)s.")
                % {"platforms": ", ".join(run.source.name for run in failed)}
            )
