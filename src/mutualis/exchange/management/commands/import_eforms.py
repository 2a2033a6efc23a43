from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from mutualis.exchange.importer import Status, import_notices, shipped_notices


class Command(BaseCommand):
    # argparse prints help text as it is: command-line help stays in English.
    help = (
        "Import eForms notices (contract notices and contract award notices) into "
        "consultations. Importing a notice again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", help="eForms XML files")
        parser.add_argument(
            "--shipped",
            action="store_true",
            help="import the real TED notices shipped with Mutualis",
        )

    def handle(self, *args, files, shipped, **options):
        paths = [*files, *(shipped_notices() if shipped else [])]
        if not paths:
            raise CommandError(_("Name the files to import, or use --shipped."))
        results = import_notices(paths)
        for result in results:
            self.stdout.write(self._line(result))
            for warning in result.warnings:
                self.stdout.write("    " + _("note: %s") % warning)
        refused = sum(result.status == Status.REFUSED for result in results)
        if refused:
            raise CommandError(
                _("%(refused)s of %(total)s files refused.")
                % {"refused": refused, "total": len(results)}
            )

    def _line(self, result):
        label = Status(result.status).label
        if result.status == Status.REFUSED:
            return self.style.ERROR(f"{label}: {result.filename}: {result.reason}")
        consultation = result.consultation
        return _("%(status)s: %(file)s (%(type)s) → %(reference)s, %(state)s") % {
            "status": label,
            "file": result.filename,
            "type": result.notice_type,
            "reference": consultation.reference,
            "state": consultation.get_state_display(),
        }
