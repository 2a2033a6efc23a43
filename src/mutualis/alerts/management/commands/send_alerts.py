from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mutualis.alerts.models import Frequency
from mutualis.alerts.tasks import send_alerts


class Command(BaseCommand):
    help = _(
        "Send the daily or weekly alerts: the consultations published since each "
        "alert's last run. Run it from cron or a systemd timer, once a day with "
        "--frequency daily and once a week with --frequency weekly; immediate "
        "alerts go from the worker as consultations are published."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--frequency",
            required=True,
            choices=[Frequency.DAILY.value, Frequency.WEEKLY.value],
            help=_("Which alerts to send."),
        )

    def handle(self, *args, frequency, **options):
        queued = send_alerts.call(frequency)
        message = ngettext(
            "%(count)d alert mail queued.", "%(count)d alert mails queued.", queued
        )
        self.stdout.write(message % {"count": queued})
