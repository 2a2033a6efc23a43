from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from mutualis.exchange import following


class Command(BaseCommand):
    help = _(
        "Read the OCDS feeds of the platforms the portal follows and show their "
        "calls beside this platform's. Run it from cron or a systemd timer, every "
        "hour for instance; each source goes on from where its last reading stopped."
    )

    def handle(self, *args, **options):
        for run in following.follow_all():
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
