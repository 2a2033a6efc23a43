from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mutualis.vault.tasks import send_vault_reminders


class Command(BaseCommand):
    help = _(
        "Queue the reminders of vault documents that expire soon or have expired. "
        "Run it once a day from cron; running it again sends nothing twice."
    )

    def handle(self, *args, **options):
        queued = send_vault_reminders.call()
        message = ngettext(
            "%(count)d reminder queued.", "%(count)d reminders queued.", queued
        )
        self.stdout.write(message % {"count": queued})
