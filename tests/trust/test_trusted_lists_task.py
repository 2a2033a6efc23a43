"""The background refresh of the trusted lists, and its next run a day later."""

import datetime as dt

import pytest
import time_machine
from django_tasks_db.models import DBTaskResult

from mutualis.trust.models import TrustedList
from mutualis.trust.tasks import refresh_trusted_lists
from tests.trust.test_trusted_lists_refresh import publish, server  # noqa: F401

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 3, 4, 0, tzinfo=dt.UTC)


def test_without_an_address_nothing_is_fetched_nor_queued(settings):
    settings.MUTUALIS_TRUSTED_LISTS_URL = ""

    assert refresh_trusted_lists.call() is None
    assert not DBTaskResult.objects.exists()


def test_the_task_imports_the_lists_and_queues_itself_for_tomorrow(
    server,  # noqa: F811
    settings,
    tmp_path,
):
    _trust, signer = publish(server, settings, tmp_path)
    settings.MUTUALIS_LOTL_SIGNERS_FILE = signer

    with time_machine.travel(NOW, tick=False):
        imported = refresh_trusted_lists.call()

    assert imported == 2
    assert sorted(TrustedList.objects.values_list("territory", flat=True)) == [
        "EU",
        "ZZ",
    ]
    queued = DBTaskResult.objects.get()
    assert queued.run_after == NOW + dt.timedelta(days=1)


def test_a_publisher_that_is_down_keeps_the_lists_and_the_schedule(settings):
    settings.MUTUALIS_TRUSTED_LISTS_URL = "http://127.0.0.1:9/lotl.xml"

    assert refresh_trusted_lists.call() == 0
    assert DBTaskResult.objects.count() == 1


def test_the_command_queues_the_refresh_for_the_worker(capsys):
    from django.core.management import call_command

    call_command("refresh_trusted_lists", "--in-background")

    assert DBTaskResult.objects.get().task_path.endswith("refresh_trusted_lists")
    assert "once a day" in capsys.readouterr().out
