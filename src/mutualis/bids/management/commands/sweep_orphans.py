from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mutualis.bids import sweep


class Command(BaseCommand):
    help = _(
        "Delete the files of the protected storage that no bid or upload names "
        "(left by a crash), once they are a day old."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help=_("List them, delete nothing.")
        )

    def handle(self, *args, dry_run, **options):
        names = sweep.orphans() if dry_run else sweep.sweep()
        for name in names:
            self.stdout.write(name)
        message = (
            ngettext(
                "%(count)d orphan file found.",
                "%(count)d orphan files found.",
                len(names),
            )
            if dry_run
            else ngettext(
                "%(count)d orphan file deleted.",
                "%(count)d orphan files deleted.",
                len(names),
            )
        )
        self.stdout.write(message % {"count": len(names)})
