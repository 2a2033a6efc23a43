"""The operator's page of followed platforms: each source's last reading and errors."""

import pytest

from mutualis.accounts.models import Role
from mutualis.core.models import JournalEntry
from mutualis.exchange import following
from mutualis.exchange.models import FeedSource
from tests.accounts.factories import OperatorFactory
from tests.accounts.html import page_text
from tests.exchange.feeds import closed_port, package, publisher, release, source
from tests.factories import BusinessFactory, BuyerFactory, UserFactory, member

pytestmark = pytest.mark.django_db

PAGE = "/operator/sources/"
__all__ = ["publisher"]


def operator_admin():
    return member(OperatorFactory(), Role.OPERATOR_ADMIN)


def test_the_page_shows_each_source_with_its_reading_and_errors(client, publisher):
    client.force_login(operator_admin())
    good = source(publisher.serve("/ocds/", package(release())))
    down = source(closed_port(), name="Regione Down")
    following.follow_all()

    text = page_text(client.get(PAGE))

    assert "Appalti Piemonte" in text
    assert "Releases read: 1, refused: 0. Calls added: 1, updated: 0." in text
    assert f"Regione Down {down.feed_url}" in text
    assert f"{down.feed_url}: the publisher could not be reached" in text
    assert good.runs.get().status == "ok"


def test_an_operator_follows_a_platform_and_reads_it_now(client, publisher):
    client.force_login(operator_admin())
    url = publisher.serve("/ocds/", package(release()))

    added = client.post(
        PAGE,
        {
            "name": "Appalti Piemonte",
            "feed_url": url,
            "site_url": "https://appalti.example.it/",
            "country": "IT",
            "time_zone": "Europe/Rome",
        },
        follow=True,
    )
    feed = FeedSource.objects.get()
    read = client.post(f"{PAGE}{feed.pk}/read/", follow=True)

    assert "Appalti Piemonte is now followed." in page_text(added)
    assert "Appalti Piemonte read: read." in page_text(read)
    assert feed.processes.count() == 1
    assert JournalEntry.objects.filter(action="exchange.source.added").count() == 1


def test_a_wrong_time_zone_is_refused_with_its_field(client):
    client.force_login(operator_admin())

    response = client.post(
        PAGE,
        {
            "name": "X",
            "feed_url": "https://x.example/",
            "country": "IT",
            "time_zone": "Europe/Atlantis",
        },
    )

    assert response.status_code == 400
    assert "Europe/Atlantis is not a time zone (as Europe/Rome)." in page_text(response)
    assert not FeedSource.objects.exists()


def test_pausing_stops_the_readings_of_a_source(client, publisher):
    client.force_login(UserFactory(is_staff=True))
    feed = source(publisher.serve("/ocds/", package(release())))

    paused = client.post(f"{PAGE}{feed.pk}/toggle/", follow=True)
    read = client.post(f"{PAGE}{feed.pk}/read/", follow=True)

    assert following.follow_all() == []
    assert "Appalti Piemonte is paused: its calls stay on the portal" in page_text(
        paused
    )
    assert "Appalti Piemonte is paused: follow it again to read it." in page_text(read)
    assert publisher.hits == []
    feed.refresh_from_db()
    assert not feed.is_active


PEOPLE = {
    "anonymous": None,
    "buyer admin": lambda: member(BuyerFactory(), Role.BUYER_ADMIN),
    "buyer agent": lambda: member(BuyerFactory(), Role.BUYER_AGENT),
    "bidder": lambda: member(BusinessFactory(), Role.BIDDER),
    "company admin": lambda: member(BusinessFactory(), Role.COMPANY_ADMIN),
}


@pytest.mark.parametrize("who", sorted(PEOPLE))
def test_others_are_refused_the_page_and_its_actions(client, who, publisher):
    if PEOPLE[who]:
        client.force_login(PEOPLE[who]())
    feed = source(publisher.serve("/ocds/", package(release())))
    form = {
        "name": "Mine",
        "feed_url": "https://x.example/",
        "country": "FR",
        "time_zone": "Europe/Paris",
    }

    answers = [
        client.get(PAGE),
        client.post(PAGE, form),
        client.post(f"{PAGE}{feed.pk}/read/"),
        client.post(f"{PAGE}{feed.pk}/toggle/"),
    ]

    expected = 302 if who == "anonymous" else 403
    assert [a.status_code for a in answers] == [expected] * 4
    assert publisher.hits == []
    assert list(FeedSource.objects.values_list("name", "is_active")) == [
        ("Appalti Piemonte", True)
    ]


def test_the_platforms_administrators_find_the_page_from_their_space(client):
    bidder = member(BusinessFactory(), Role.BIDDER)
    client.force_login(operator_admin())
    theirs = client.get("/me/").content.decode()
    client.force_login(bidder)
    others = client.get("/me/").content.decode()

    assert f'href="{PAGE}"' in theirs
    assert f'href="{PAGE}"' not in others
