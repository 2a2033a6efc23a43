from django.utils.translation import gettext as _
from django_tasks_db.management.commands.db_worker import Command as DBWorker

from mutualis.core.workers import requeue_stale


class Command(DBWorker):
    help = _(
        "Run the background work (every queue): mails, alerts, reminders, trusted "
        "lists. It first queues again what a worker that died left running."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(queue_name="*")

    def handle(self, *args, **options):
        requeue_stale()
        super().handle(*args, **options)
