from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from mutualis.referential.loaders import ReferentialError, load_all


class Command(BaseCommand):
    # Plain text: argparse cannot format a lazy translation.
    help = (
        "Load the shipped reference data: CPV and NUTS codes, EU thresholds and "
        "the public buyers of Burgundy. Running it again updates, never duplicates."
    )

    def handle(self, *args, **options):
        try:
            loaded = load_all()
        except ReferentialError as error:
            raise CommandError(str(error)) from error
        names = {
            "cpv": _("CPV codes"),
            "nuts": _("NUTS 3 regions"),
            "thresholds": _("EU thresholds"),
            "buyers": _("public buyers"),
        }
        for key, counts in loaded.items():
            self.stdout.write(
                _("%(name)s: %(total)s (%(created)s created, %(updated)s updated)")
                % {"name": names[key], **vars(counts)}
            )
