from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mutualis.alerts.tasks import send_reminders


class Command(BaseCommand):
    help = _(
        "Send the deadline reminders due now to those who downloaded a "
        "consultation or started a bid. Run it from cron or a systemd timer, "
        "every hour; a reminder is never sent twice."
    )

    def handle(self, *args, **options):
        queued = send_reminders.call()
        message = ngettext(
            "%(count)d reminder queued.", "%(count)d reminders queued.", queued
        )
        self.stdout.write(message % {"count": queued})
