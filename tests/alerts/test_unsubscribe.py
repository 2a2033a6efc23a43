"""The unsubscribe link of an alert mail: a signed token, a confirm page, one POST."""

import pytest
from django.test import Client

from mutualis.alerts.actions import unsubscribe_token
from mutualis.core.models import JournalEntry
from tests.accounts.html import page_text
from tests.alerts.factories import alert

pytestmark = pytest.mark.django_db


def link(token):
    return f"/alerts/unsubscribe/{token}/"


def test_the_link_shows_a_confirm_page_and_changes_nothing(client, owner):
    saved = alert(owner)

    response = client.get(link(unsubscribe_token(saved)))

    assert "Stop the alert “Voirie en Côte-d'Or”?" in page_text(response)
    saved.refresh_from_db()
    assert saved.is_active


def test_confirming_stops_the_alert_without_a_session(client, owner):
    saved = alert(owner)

    response = client.post(link(unsubscribe_token(saved)))

    assert "You will no longer receive the mails of the alert" in page_text(response)
    saved.refresh_from_db()
    assert not saved.is_active
    assert JournalEntry.objects.filter(action="alerts.alert.unsubscribed").exists()


def test_a_mail_client_unsubscribes_with_one_click(owner):
    saved = alert(owner)
    mail_client = Client(enforce_csrf_checks=True)

    response = mail_client.post(
        link(unsubscribe_token(saved)),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    saved.refresh_from_db()
    assert not saved.is_active


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_token_is_refused(client, owner, method):
    mine = alert(owner)
    other = alert(owner, name="Other")
    token = unsubscribe_token(mine)
    signature = token.rsplit(":", 1)[1]
    forged = f"{other.pk}:{signature}"

    response = getattr(client, method)(link(forged))

    assert response.status_code == 400
    assert "This unsubscribe link is not valid." in page_text(response)
    assert getattr(client, method)(link(token[:-2])).status_code == 400
    other.refresh_from_db()
    mine.refresh_from_db()
    assert other.is_active and mine.is_active
