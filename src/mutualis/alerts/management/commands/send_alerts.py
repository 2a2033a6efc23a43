from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mutualis.alerts.models import Frequency
from mutualis.alerts.tasks import send_alerts


class Command(BaseCommand):
    help = _(
        "Send the alerts of one frequency: the consultations published or imported "
        "since each alert's last run. Run it from cron or a systemd timer, once a "
        "day with --frequency daily and once a week with --frequency weekly. "
        "Immediate alerts go from the worker as consultations are published; "
        "--frequency immediate, every few minutes, catches up with the notices "
        "imported from TED and with work a stopped worker lost."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--frequency",
            required=True,
            choices=[
                f.value
                for f in (Frequency.DAILY, Frequency.WEEKLY, Frequency.IMMEDIATE)
            ],
            help=_("Which alerts to send."),
        )

    def handle(self, *args, frequency, **options):
        queued = send_alerts.call(frequency)
        message = ngettext(
            "%(count)d alert mail queued.", "%(count)d alert mails queued.", queued
        )
        self.stdout.write(message % {"count": queued})
