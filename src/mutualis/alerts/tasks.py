"""Background work of alerts, run by the worker (`mutualis db-worker`)."""

from django_tasks import task

from mutualis.alerts import reminders, sending
from mutualis.alerts.models import Frequency


@task(queue_name="default")
def send_alerts(frequency, consultation_pk=None):
    """Daily or weekly: every alert of `frequency`; immediate: one consultation."""
    if frequency == Frequency.IMMEDIATE:
        return sending.send_immediate(consultation_pk)
    return sending.send_periodic(Frequency(frequency))


@task(queue_name="default")
def send_reminders():
    return reminders.send_reminders()


def alert_on_publication(consultation_pk):
    """Called once a publication commits: queue its immediate alerts."""
    send_alerts.enqueue(Frequency.IMMEDIATE.value, consultation_pk)
