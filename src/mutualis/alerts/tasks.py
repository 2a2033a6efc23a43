"""Background work of alerts, run by the worker (`mutualis worker`)."""

from django_tasks import task

from mutualis.alerts import reminders, sending
from mutualis.alerts.models import Frequency


@task(queue_name="default")
def send_alerts(frequency, consultation_pk=None):
    """Every alert of `frequency` over what came since its last run; immediate
    alerts over one consultation just published when `consultation_pk` is given."""
    if consultation_pk is not None:
        return sending.send_immediate(consultation_pk)
    return sending.send_periodic(Frequency(frequency))


@task(queue_name="default")
def send_reminders():
    return reminders.send_reminders()


def alert_on_publication(consultation_pk):
    """Called once a publication commits: queue its immediate alerts."""
    send_alerts.enqueue(Frequency.IMMEDIATE.value, consultation_pk)
