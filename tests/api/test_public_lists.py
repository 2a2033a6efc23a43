"""The public awards and notices, in keyset pages like the consultations."""

import datetime as dt

import pytest

from mutualis.tenders.models import Award, State
from tests.factories import BusinessFactory, ConsultationFactory
from tests.tenders.factories import winter_morning

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("winter_morning")]
__all__ = ["winter_morning"]
DAY = dt.timedelta(days=1)


def awarded(winner_name, moment, published):
    consultation = ConsultationFactory(
        published=True, state=State.AWARDED, awarded_at=moment
    )
    consultation.published_at = published
    consultation.save()
    Award.objects.create(
        consultation=consultation,
        winner=BusinessFactory(name=winner_name),
        value="12000.00",
    )
    return consultation


def test_awards_come_by_award_instant_in_pages(client, winter_morning):
    first = awarded("Eiffage", winter_morning - 3 * DAY, winter_morning - 9 * DAY)
    second = awarded("Colas", winter_morning - 2 * DAY, winter_morning - 10 * DAY)
    third = awarded("Spie", winter_morning - DAY, winter_morning - 12 * DAY)
    ConsultationFactory(published=True)

    page = client.get("/api/v1/awards", {"limit": 2}).json()
    late = awarded("Vinci", winter_morning, winter_morning - 11 * DAY)
    rest = client.get(page["next"]).json()

    assert [a["winner"]["name"] for a in page["results"]] == ["Eiffage", "Colas"]
    assert page["results"][0]["consultation"] == first.pk
    assert page["results"][1]["consultation"] == second.pk
    assert page["results"][0]["value"] == "12000.00"
    assert page["results"][0]["award_notice"].endswith(
        f"/consultations/{first.pk}/eforms-can.xml"
    )
    assert [a["consultation"] for a in rest["results"]] == [third.pk, late.pk]
    assert rest["next"] is None


def test_notices_list_contract_and_award_notices_by_publication(client, winter_morning):
    old = awarded("Eiffage", winter_morning - DAY, winter_morning - 30 * DAY)
    recent = ConsultationFactory(published=True)
    ConsultationFactory(state=State.DRAFT)

    page = client.get("/api/v1/notices", {"limit": 2}).json()
    rest = client.get(page["next"]).json()

    seen = [(n["kind"], n["consultation"]) for n in page["results"] + rest["results"]]
    assert seen == [
        ("contract-notice", old.pk),
        ("award-notice", old.pk),
        ("contract-notice", recent.pk),
    ]
    assert page["results"][1]["eforms"].endswith(
        f"/consultations/{old.pk}/eforms-can.xml"
    )
    assert rest["results"][0]["ocds"].endswith(
        f"/ocds/records/{rest['results'][0]['ocid']}/"
    )
    assert rest["next"] is None


def test_a_cursor_of_another_list_is_refused(client):
    assert client.get("/api/v1/notices", {"cursor": "e30"}).status_code == 400
