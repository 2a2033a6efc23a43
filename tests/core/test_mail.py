"""The outbox: a mail is queued once per key, sent once, and kept until it is."""

import pytest
from django.core import mail as outbox
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from mutualis.core.mail import message_id, queue_mail, send_queued_mail
from mutualis.core.models import OutgoingMail

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _memory_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_a_key_is_queued_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = queue_mail("alert:1:2", "a@example.org", "New calls", "Two calls.")
        again = queue_mail("alert:1:2", "a@example.org", "New calls", "Two calls.")

    assert first is not None and again is None
    assert OutgoingMail.objects.count() == 1
    assert DBTaskResult.objects.filter(task_path__endswith="send_queued_mail").exists()


def test_the_task_sends_each_mail_once_even_when_it_runs_twice():
    queue_mail("answer:7", "b@example.org", "An answer", "The buyer answered.")

    first, second = send_queued_mail.call(), send_queued_mail.call()

    assert (first, second) == (1, 0)
    assert [m.subject for m in outbox.outbox] == ["An answer"]
    assert outbox.outbox[0].message()["Message-ID"] == message_id("answer:7")
    assert OutgoingMail.objects.get().sent_at is not None


def test_a_mail_left_by_a_dead_worker_goes_with_the_next_run(capsys):
    queue_mail("reminder:3", "c@example.org", "Deadline tomorrow", "Bids close.")
    # No worker ran: the enqueued task is lost with it.

    call_command("send_mail")

    assert capsys.readouterr().out.strip() == "1 mail sent."
    assert [m.to for m in outbox.outbox] == [["c@example.org"]]


def test_a_failing_mail_server_keeps_the_mail_for_the_next_run(settings):
    queue_mail("alert:9", "d@example.org", "New calls", "One call.")
    settings.EMAIL_BACKEND = "tests.core.test_mail.BrokenBackend"

    assert send_queued_mail.call() == 0

    mail = OutgoingMail.objects.get()
    assert (mail.sent_at, mail.attempts) == (None, 1)
    assert mail.last_error == "connection refused"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_queued_mail.call() == 1


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("connection refused")
