"""Background work of portal mode, run by the worker (`mutualis worker`)."""

from django_tasks import task

from mutualis.exchange import following
from mutualis.exchange.models import FeedSource


@task(queue_name="default")
def follow_feeds(source_pk=None):
    """Read one followed platform (`source_pk`) or all of them; return how many
    readings ended without an error."""
    if source_pk is None:
        runs = following.follow_all()
    else:
        runs = [following.follow(FeedSource.objects.get(pk=source_pk))]
    return sum(1 for run in runs if not run.errors)
