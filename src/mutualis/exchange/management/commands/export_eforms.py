from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from mutualis.exchange.eforms_out import NotExportable, award_notice, contract_notice
from mutualis.tenders.models import Consultation


class Command(BaseCommand):
    # argparse prints help text as it is: command-line help stays in English.
    help = (
        "Write a consultation as an eForms notice (XML) to the standard output: its "
        "contract notice, or with --award its contract award notice."
    )

    def add_arguments(self, parser):
        parser.add_argument("pk", type=int, help="the consultation's number")
        parser.add_argument(
            "--award",
            action="store_true",
            help="the contract award notice of an awarded consultation",
        )

    def handle(self, *args, pk, award, **options):
        consultation = Consultation.objects.filter(pk=pk).first()
        if consultation is None:
            raise CommandError(_("No consultation %s.") % pk)
        write = award_notice if award else contract_notice
        try:
            data = write(consultation)
        except NotExportable as error:
            raise CommandError(str(error)) from error
        self.stdout.write(data.decode(), ending="")
