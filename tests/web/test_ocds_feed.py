"""The OCDS endpoints: the paged feed of releases, and each consultation's releases
and record."""

import datetime as dt

import pytest
import time_machine

from mutualis.exchange import ocds, ocds_feed
from mutualis.tenders.amendments import publish_amendment
from mutualis.tenders.models import State
from tests.exchange.test_ocds import schema_errors
from tests.factories import ConsultationFactory
from tests.shared_data import needs_shared_ocds
from tests.tenders.factories import WINTER_MORNING, published, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(WINTER_MORNING, tick=False) as traveller:
        yield traveller


def get_json(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def amend(agent, consultation, days=40):
    return publish_amendment(
        agent,
        consultation,
        reason="Report de la date limite.",
        submission_deadline=WINTER_MORNING + dt.timedelta(days=days),
    )


def walk(client, between=lambda: None):
    """Every release id the feed gives, following links.next to the end."""
    seen, url = [], "/ocds/releases/"
    while url:
        package = get_json(client, url)
        seen += [release["id"] for release in package["releases"]]
        url = package.get("links", {}).get("next")
        if url:
            between()
    return seen


def every_release_id():
    return sorted(
        release["id"]
        for consultation in ocds.public_consultations()
        for release in ocds.releases(consultation)
    )


@needs_shared_ocds
def test_the_feed_is_a_valid_release_package_without_drafts(client, clock):
    consultation, agent = published(title="Entretien des espaces verts")
    amend(agent, consultation)
    ConsultationFactory(state=State.DRAFT, title="Brouillon secret")

    package = get_json(client, "/ocds/releases/")

    assert schema_errors(package) == []
    assert [r["tag"] for r in package["releases"]] == [["tender"], ["tenderAmendment"]]
    assert "Brouillon secret" not in str(package)
    assert package["uri"] == "http://127.0.0.1:8000/ocds/releases/"
    assert package["publishedDate"] == package["releases"][-1]["date"]
    assert "links" not in package


def test_walking_every_page_while_releases_arrive_gives_each_once(
    client, clock, monkeypatch
):
    monkeypatch.setattr(ocds_feed, "PAGE_SIZE", 3)
    # Seven consultations published at the same instant: ties across pages.
    drafts = [published(title=f"Lot de départ {n}") for n in range(7)]
    arrivals = iter(range(1, 100))

    def publish_more():
        n = next(arrivals)
        clock.shift(dt.timedelta(minutes=n))
        consultation, agent = drafts[n % len(drafts)]
        amend(agent, consultation, days=40 + n)
        if n % 2:
            published(title=f"Arrivée {n}")

    seen = walk(client, between=publish_more)

    assert len(seen) == len(set(seen))
    assert sorted(seen) == every_release_id()
    assert len(seen) > 7 + 3


def test_a_consultation_published_after_a_walk_comes_after_its_last_page(
    client, clock, monkeypatch
):
    monkeypatch.setattr(ocds_feed, "PAGE_SIZE", 2)
    for n in range(3):
        published(title=f"Avant {n}")
    first = get_json(client, "/ocds/releases/")
    clock.shift(dt.timedelta(hours=1))
    published(title="Après")

    second = get_json(client, first["links"]["next"])

    assert [r["tender"]["title"] for r in second["releases"]] == ["Avant 2", "Après"]


def test_the_end_of_the_feed_is_not_an_empty_package(client, clock, monkeypatch):
    monkeypatch.setattr(ocds_feed, "PAGE_SIZE", 1)
    published()
    (event,) = ocds_feed.page()[0]

    response = client.get(f"/ocds/releases/?cursor={ocds_feed.encode_cursor(event)}")

    assert response.status_code == 404
    assert response.json() == {"detail": "No release follows this cursor."}


@pytest.mark.parametrize("cursor", ["nonsense", "W10", "WyJ4IiwxLDIsM10"])
def test_a_cursor_the_feed_did_not_give_is_refused(client, cursor):
    response = client.get(f"/ocds/releases/?cursor={cursor}")

    assert response.status_code == 400
    assert response.json() == {"detail": "This cursor is not one this feed gave."}


@needs_shared_ocds
def test_a_consultations_releases_and_record(client, clock):
    consultation, agent = published(title="Réfection de la toiture de l'école")
    clock.shift(dt.timedelta(days=1))
    amend(agent, consultation)
    oc = ocds.ocid(consultation)

    releases = get_json(client, f"/ocds/releases/{oc}/")
    records = get_json(client, f"/ocds/records/{oc}/")

    assert schema_errors(releases) == []
    assert schema_errors(records, "record") == []
    assert [r["id"] for r in releases["releases"]] == [
        f"{oc}-tender-1",
        f"{oc}-amendment-1",
    ]
    (record,) = records["records"]
    assert record["ocid"] == oc
    assert record["compiledRelease"]["tender"]["title"] == (
        "Réfection de la toiture de l'école"
    )
    assert record["compiledRelease"]["tender"]["tenderPeriod"]["endDate"] == (
        "2027-02-20T10:00:00+01:00"
    )


def test_a_draft_has_no_record_nor_releases(client):
    draft = ConsultationFactory(state=State.DRAFT)
    dropped = ConsultationFactory(state=State.CANCELLED)

    for consultation in (draft, dropped):
        oc = ocds.ocid(consultation)
        assert client.get(f"/ocds/records/{oc}/").status_code == 404
        assert client.get(f"/ocds/releases/{oc}/").status_code == 404


@pytest.mark.parametrize("ocid", ["ocds-other-1", "ocds-mutualis-x", "1"])
def test_an_ocid_of_another_prefix_is_unknown(client, ocid):
    assert client.get(f"/ocds/records/{ocid}/").status_code == 404


def test_the_policy_page_names_the_endpoints(client):
    response = client.get("/ocds/")

    assert response.status_code == 200
    assert "ocds-mutualis" in response.content.decode()
    assert 'href="/ocds/releases/"' in response.content.decode()
    assert "as a document of type tenderNotice" in response.content.decode()


def test_a_uploaded_document_is_listed_with_its_portal_url(client, clock):
    consultation, agent = published()
    clock.shift(dt.timedelta(days=1))
    publish_amendment(
        agent, consultation, reason="Plan ajouté.", uploads=[upload("Plan.pdf")]
    )

    package = get_json(client, f"/ocds/releases/{ocds.ocid(consultation)}/")

    documents = package["releases"][-1]["tender"]["documents"]
    plan = next(d for d in documents if d["title"] == "Plan.pdf")
    response = client.get(plan["url"].removeprefix("http://127.0.0.1:8000"))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.7 rc"
    response.close()


def test_a_consultation_cancelled_after_publication_ends_in_the_feed(client, clock):
    consultation, _agent = published(title="Marché abandonné")
    clock.shift(dt.timedelta(days=3))
    # The importer cancels a published consultation when its notice says so.
    consultation.state = State.CANCELLED
    consultation.save(update_fields=["state", "updated_at"])

    package = get_json(client, "/ocds/releases/")

    tags = [release["tag"] for release in package["releases"]]
    assert tags == [["tender"], ["tenderCancellation"]]
    assert package["releases"][-1]["tender"]["status"] == "cancelled"


@pytest.mark.parametrize("count", [1, 6])
def test_a_feed_page_takes_the_same_queries_however_many_consultations_it_shows(
    client, clock, django_assert_num_queries, count
):
    for n in range(count):
        consultation, agent = published(title=f"Marché {n}")
        amend(agent, consultation)

    # The page of events, the consultations, then one per relation: amendments,
    # lots, NUTS, extra CPV, documents, previous documents, awards, other languages.
    with django_assert_num_queries(2 + 8):
        package = get_json(client, "/ocds/releases/")

    assert len(package["releases"]) == 2 * count
