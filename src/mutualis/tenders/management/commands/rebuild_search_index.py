from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from mutualis.tenders import search_index


class Command(BaseCommand):
    help = _(
        "Make the portal search's entries again from the consultations. Saves keep "
        "them in step; run it after changing consultations with SQL outside Mutualis."
    )

    def handle(self, *args, **options):
        count = search_index.rebuild()
        self.stdout.write(
            _("Search entries made for %(count)d public consultations.")
            % {"count": count}
        )
