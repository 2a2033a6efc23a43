from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mutualis.core.mail import send_queued_mail


class Command(BaseCommand):
    help = _("Send the queued mails now, without the worker.")

    def handle(self, *args, **options):
        sent = send_queued_mail.call()
        message = ngettext("%(count)d mail sent.", "%(count)d mails sent.", sent)
        self.stdout.write(message % {"count": sent})
