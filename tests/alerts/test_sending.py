"""Alert mails: what they say, in whose language, and never twice."""

import datetime as dt
import io
import re

import pytest
from django.core import mail as outbox
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from mutualis.alerts import sending
from mutualis.alerts.models import Frequency, SentAlert
from mutualis.alerts.tasks import send_alerts
from mutualis.core.mail import send_queued_mail
from mutualis.core.models import OutgoingMail
from mutualis.core.time import now
from mutualis.tenders.models import State
from tests.alerts.factories import alert
from tests.bids.factories import at, paris
from tests.factories import ConsultationFactory
from tests.tenders.factories import published

pytestmark = pytest.mark.django_db

DEADLINE = paris(2027, 2, 15, 17, 0)


def later(**delta):
    return now() + dt.timedelta(**delta)


def new_call(reference, title="Réfection de la voirie communale", **fields):
    fields.setdefault("state", State.PUBLISHED)
    fields.setdefault("published_at", later(hours=1))
    fields.setdefault("submission_deadline", DEADLINE)
    return ConsultationFactory(reference=reference, title=title, **fields)


def plain_spaces(text):
    """French typography puts no-break spaces before colons and inside quotes."""
    return text.replace("\xa0", " ").replace("\u202f", " ")


def run_daily(when=None):
    with at(when or later(days=1)):
        queued = send_alerts.call(Frequency.DAILY.value)
        send_queued_mail.call()
    return queued


def sent_pairs():
    return sorted(
        SentAlert.objects.values_list("alert__name", "consultation__reference")
    )


def test_the_mail_lists_each_new_call_with_its_buyer_deadline_and_link(
    owner, buyer, settings
):
    settings.MUTUALIS_BASE_URL = "https://marches.example.org"
    alert(owner, keywords="voirie")
    call = new_call("2027-VOI-004", buyer=buyer)

    assert run_daily() == 1

    (message,) = outbox.outbox
    assert message.to == ["helene.berard@example.org"]
    assert (
        message.subject == "1 new call for tenders for your alert “Voirie en Côte-d'Or”"
    )
    assert "- Réfection de la voirie communale\n" in message.body
    assert "Buyer: Commune de Châtillon-sur-Seine" in message.body
    assert "Deadline for bids: 15 February 2027, 17:00 (Europe/Paris)" in message.body
    assert f"https://marches.example.org/consultations/{call.pk}/" in message.body
    html = message.alternatives[0][0]
    assert f'<a href="https://marches.example.org/consultations/{call.pk}/">' in html


def test_the_deadline_is_given_in_the_consultation_s_time_zone(owner):
    alert(owner, keywords="voirie")
    new_call("CAYENNE", time_zone="America/Cayenne")

    run_daily()

    assert "15 February 2027, 13:00 (America/Cayenne)" in outbox.outbox[0].body


def test_a_french_owner_reads_the_mail_in_french(owner):
    owner.language = "fr"
    owner.save()
    alert(owner, keywords="voirie")
    new_call("2027-VOI-004")

    run_daily()

    (message,) = outbox.outbox
    body = plain_spaces(message.body)
    assert plain_spaces(message.subject) == (
        "1 nouvel appel d'offres pour votre alerte « Voirie en Côte-d'Or »"
    )
    assert "correspondent à votre alerte « Voirie en Côte-d'Or » :" in body
    assert "Acheteur: Commune de Test-" in body
    assert (
        "Date limite de remise des offres: 15 février 2027, 17:00 (Europe/Paris)"
        in body
    )
    assert message.extra_headers["Content-Language"] == "fr"


def test_the_mail_carries_a_one_click_unsubscribe_link(owner, settings):
    settings.MUTUALIS_BASE_URL = "https://marches.example.org"
    alert(owner, keywords="voirie")
    new_call("2027-VOI-004")

    run_daily()

    message = outbox.outbox[0].message()
    link = re.search(r"Stop this alert: (\S+)", outbox.outbox[0].body).group(1)
    assert link.startswith("https://marches.example.org/alerts/unsubscribe/")
    assert message["List-Unsubscribe"] == f"<{link}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_call_is_sent_once_even_when_the_job_runs_twice(owner):
    alert(owner, keywords="voirie")
    new_call("FIRST")

    first = run_daily(later(days=1))
    new_call("SECOND", published_at=later(days=1, hours=2))
    second = run_daily(later(days=1, hours=3))
    third = run_daily(later(days=1, hours=4))

    assert (first, second, third) == (1, 1, 0)
    assert [m.body.count("- Réfection") for m in outbox.outbox] == [1, 1]
    assert "FIRST" not in outbox.outbox[1].body
    assert sent_pairs() == [
        ("Voirie en Côte-d'Or", "FIRST"),
        ("Voirie en Côte-d'Or", "SECOND"),
    ]


def test_a_run_that_stops_half_way_is_finished_by_the_next_without_repeats(
    owner, monkeypatch
):
    for name in ("Alpha", "Bravo", "Charlie"):
        alert(owner, name=name, keywords="voirie")
    new_call("2027-VOI-004")
    real = sending.queue_mail
    calls = []

    def dies_at_the_second_mail(*args, **kwargs):
        calls.append(args[0])
        mail = real(*args, **kwargs)
        if len(calls) == 2:
            raise SystemExit("worker killed")
        return mail

    monkeypatch.setattr(sending, "queue_mail", dies_at_the_second_mail)
    with pytest.raises(SystemExit), at(later(days=1)):
        send_alerts.call(Frequency.DAILY.value)

    # The second alert's mail went down with its transaction; the first stays sent.
    assert OutgoingMail.objects.count() == 1
    assert sent_pairs() == [("Alpha", "2027-VOI-004")]
    monkeypatch.setattr(sending, "queue_mail", real)
    assert run_daily(later(days=1, hours=1)) == 2
    assert sorted(m.subject for m in outbox.outbox) == [
        "1 new call for tenders for your alert “Alpha”",
        "1 new call for tenders for your alert “Bravo”",
        "1 new call for tenders for your alert “Charlie”",
    ]


def test_only_calls_published_since_the_last_run_and_still_open_are_sent(owner, buyer):
    alert(owner, keywords="voirie")
    new_call("BEFORE", published_at=later(hours=-1))
    new_call("DRAFT", state=State.DRAFT, published_at=None)
    new_call("CANCELLED", state=State.CANCELLED)
    new_call("CLOSED", submission_deadline=later(hours=12))
    new_call("OPEN")

    run_daily(later(days=1))

    assert sent_pairs() == [("Voirie en Côte-d'Or", "OPEN")]


def test_a_weekly_alert_waits_for_the_weekly_run(owner):
    alert(owner, keywords="voirie", frequency=Frequency.WEEKLY)
    new_call("2027-VOI-004")

    daily = run_daily()
    with at(later(days=7)):
        weekly = send_alerts.call(Frequency.WEEKLY.value)

    assert (daily, weekly) == (0, 1)


def test_a_stopped_alert_sends_nothing(owner):
    alert(owner, keywords="voirie", is_active=False)
    new_call("2027-VOI-004")

    assert run_daily() == 0
    assert outbox.outbox == []


def test_publishing_queues_the_immediate_alerts_after_commit(
    owner, django_capture_on_commit_callbacks
):
    alert(owner, keywords="voirie", frequency=Frequency.IMMEDIATE)
    alert(owner, name="Daily", keywords="voirie")

    with django_capture_on_commit_callbacks(execute=True):
        consultation, _agent = published(title="Voirie de la rue Carnot")
    task = DBTaskResult.objects.get(task_path__endswith="tasks.send_alerts")
    send_alerts.call(*task.args_kwargs["args"])
    again = send_alerts.call(*task.args_kwargs["args"])
    send_queued_mail.call()

    assert task.args_kwargs["args"] == ["immediate", consultation.pk]
    assert again == 0
    assert [m.subject for m in outbox.outbox] == [
        "1 new call for tenders for your alert “Voirie en Côte-d'Or”"
    ]


def test_the_command_sends_the_daily_alerts_and_says_how_many(owner):
    alert(owner, keywords="voirie")
    new_call("2027-VOI-004")
    output = io.StringIO()

    with at(later(days=1)):
        call_command("send_alerts", frequency="daily", stdout=output)
        call_command("send_alerts", frequency="daily", stdout=output)

    assert output.getvalue().splitlines() == [
        "1 alert mail queued.",
        "0 alert mails queued.",
    ]


def test_a_notice_imported_after_the_last_run_is_new_whatever_its_publication_date(
    owner,
):
    alert(owner, keywords="voirie")
    with at(later(hours=2)):
        # Published on TED before the alert existed, imported after.
        new_call("TED-2027-001", published_at=later(days=-2))

    run_daily(later(days=1))

    assert sent_pairs() == [("Voirie en Côte-d'Or", "TED-2027-001")]


def test_the_immediate_catch_up_sends_imported_notices_and_nothing_twice(owner):
    alert(owner, keywords="voirie", frequency=Frequency.IMMEDIATE)
    told = new_call("PUBLISHED-HERE")
    with at(later(minutes=5)):
        send_alerts.call(Frequency.IMMEDIATE.value, told.pk)
    with at(later(minutes=10)):
        new_call("TED-2027-002", published_at=later(days=-1))
    output = io.StringIO()

    with at(later(minutes=15)):
        call_command("send_alerts", frequency="immediate", stdout=output)
        send_queued_mail.call()

    assert output.getvalue().strip() == "1 alert mail queued."
    assert sent_pairs() == [
        ("Voirie en Côte-d'Or", "PUBLISHED-HERE"),
        ("Voirie en Côte-d'Or", "TED-2027-002"),
    ]
    assert len(outbox.outbox) == 2
