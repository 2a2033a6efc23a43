"""The background worker's one addition to django-tasks: work a dead worker left.

django-tasks' database backend marks a task RUNNING when a worker takes it; a worker
that dies (killed, out of memory, the machine stopped) leaves it so for ever. Mutualis's
tasks can run again safely (mails go through the outbox, alerts and reminders record
what they sent), so `mutualis worker` first puts back in the queue every task left
running for longer than MUTUALIS_TASK_STALE_AFTER seconds.
"""

import datetime as dt
import logging

from django.conf import settings
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from mutualis.core.time import now

logger = logging.getLogger(__name__)


def requeue_stale(older_than=None):
    """Queue again the tasks left running longer than `older_than`; return how many."""
    if older_than is None:
        older_than = dt.timedelta(seconds=settings.MUTUALIS_TASK_STALE_AFTER)
    stale = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lte=now() - older_than
    )
    count = stale.update(status=TaskResultStatus.READY, started_at=None)
    if count:
        logger.warning(
            "tasks left running by a dead worker queued again count=%d", count
        )
    return count
