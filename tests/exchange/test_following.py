"""Portal mode: other platforms' OCDS feeds read, shown, searched and alerted."""

import io
import json

import pytest
from django.core import mail as outbox
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django_tasks_db.models import DBTaskResult

from mutualis.alerts.models import Frequency
from mutualis.alerts.tasks import send_alerts
from mutualis.core.mail import send_queued_mail
from mutualis.exchange import following
from mutualis.exchange.models import FeedSource, FollowedProcess, RunStatus
from mutualis.tenders.models import Consultation, State
from tests.alerts.factories import alert
from tests.exchange.feeds import (
    OCID,
    closed_port,
    package,
    publisher,
    release,
    source,
)
from tests.factories import BusinessFactory, member
from tests.referential_data import ensure_cpv, ensure_nuts
from tests.shared_data import OCDS_REAL, needs_shared_ocds_real
from tests.tenders.factories import published

pytestmark = pytest.mark.django_db

__all__ = ["publisher"]


def shown(source):
    return Consultation.objects.filter(followed__source=source)


def test_a_followed_call_is_shown_with_its_codes_deadline_and_origin(publisher):
    ensure_cpv("45233142")
    ensure_nuts("ITC11")
    feed = source(publisher.serve("/ocds/releases/", package(release())))

    run = following.follow(feed)

    assert (run.status, run.releases, run.created, run.errors) == (
        RunStatus.OK,
        1,
        1,
        [],
    )
    consultation = shown(feed).get()
    assert consultation.title == "Manutenzione delle strade provinciali"
    assert consultation.buyer.name == "Provincia di Torino"
    assert consultation.reference == "2027/LAV/12"
    assert (consultation.state, consultation.nature, consultation.procedure) == (
        State.PUBLISHED,
        "works",
        "open",
    )
    assert consultation.main_cpv.code.startswith("45233142")
    assert [n.code for n in consultation.nuts.all()] == ["ITC11"]
    assert consultation.submission_deadline.isoformat() == "2027-03-01T11:00:00+00:00"
    assert consultation.language == "it"
    assert (
        consultation.followed.origin_url == f"https://appalti.example.it/gare/{OCID}/"
    )


def test_the_next_pages_are_followed_and_the_next_reading_starts_at_the_last(
    publisher,
):
    second = publisher.url("/ocds/releases/?cursor=2")
    first = publisher.serve("/ocds/releases/", package(release(), next_url=second))
    publisher.serve(
        "/ocds/releases/?cursor=2",
        package(release("ocds-piemonte-13", title="Fornitura di arredi scolastici")),
    )
    feed = source(first)

    first_run = following.follow(feed)
    publisher.hits.clear()
    second_run = following.follow(feed)

    assert (first_run.pages, first_run.created) == (2, 2)
    assert publisher.hits == ["/ocds/releases/?cursor=2"]
    # Read again, the last page gives nothing new.
    assert (second_run.created, second_run.updated) == (0, 0)
    assert shown(feed).count() == 2
    feed.refresh_from_db()
    assert feed.resume_url == second


def test_a_later_release_moves_the_deadline_and_an_award_closes_the_call_with_its_winner(
    publisher,
):
    path = "/ocds/releases/"
    feed = source(publisher.serve(path, package(release())))
    following.follow(feed)
    amendment = release(
        number=2,
        date="2027-01-20T09:00:00+01:00",
        tenderPeriod={"endDate": "2027-03-15T12:00:00+01:00"},
    )
    award = release(number=3, date="2027-04-02T09:00:00+02:00", status="complete")
    del award["tender"]["tenderPeriod"]
    award["tag"] = ["award"]
    award["awards"] = [
        {
            "id": "1",
            "status": "active",
            "date": "2027-04-01T00:00:00+02:00",
            "value": {"amount": 455000, "currency": "EUR"},
            "suppliers": [{"id": "IT-PIVA-01234567890", "name": "Strade Sicure Spa"}],
        },
        {"id": "2", "status": "cancelled", "suppliers": [{"name": "Ritirata Srl"}]},
    ]
    # The award comes first: releases are compiled in date order, not arrival.
    publisher.serve(path, package(award, amendment))

    run = following.follow(feed)

    consultation = shown(feed).get()
    assert run.updated == 1
    assert consultation.state == State.AWARDED
    assert consultation.submission_deadline.isoformat() == "2027-03-15T11:00:00+00:00"
    (winner,) = consultation.awards.select_related("winner")
    assert (winner.winner.name, winner.winner.kind) == ("Strade Sicure Spa", "business")
    assert (winner.value, winner.currency) == (455000, "EUR")
    assert winner.decided_on.isoformat() == "2027-04-01"
    assert winner.winner.country == "IT"


def test_a_process_cannot_go_back_to_a_state_it_left(publisher):
    path = "/ocds/releases/"
    feed = source(publisher.serve(path, package(release(status="cancelled"))))
    following.follow(feed)
    publisher.serve(
        path,
        package(release(status="cancelled"), release(number=2, date="2027-02-01")),
    )

    run = following.follow(feed)

    assert shown(feed).get().state == State.CANCELLED
    assert run.status == RunStatus.PARTIAL
    assert run.errors == [
        f"process {OCID}: it went back to a state it had left (published)"
    ]


def test_a_bad_feed_is_reported_on_its_own_and_the_others_are_read(publisher):
    good = source(publisher.serve("/good/", package(release())), name="Good")
    invalid = dict(release("ocds-piemonte-99"))
    del invalid["date"]
    partly = source(
        publisher.serve("/partly/", package(invalid, release("ocds-piemonte-98"))),
        name="Partly",
    )
    latin1 = package(release("ocds-piemonte-97", title="Réfection")).replace(
        "é".encode(), "é".encode("latin-1")
    )
    encoding = source(publisher.serve("/latin1/", latin1), name="Latin-1")
    broken = source(publisher.serve("/broken/", b"<html>Error</html>"), name="HTML")
    failing = source(publisher.serve("/500/", b"", status=500), name="Failing")
    down = source(closed_port(), name="Down")

    invalid_currency = release(
        "ocds-piemonte-96", value={"amount": 1, "currency": "EURO"}
    )
    coded = source(publisher.serve("/coded/", package(invalid_currency)), name="Coded")

    runs = {run.source.name: run for run in following.follow_all()}

    assert (runs["Good"].status, runs["Good"].created) == (RunStatus.OK, 1)
    assert (runs["Partly"].status, runs["Partly"].refused) == (RunStatus.PARTIAL, 1)
    assert runs["Partly"].errors == [
        "release ocds-piemonte-99-tender-1: release: 'date' is a required property"
    ]
    assert shown(partly).count() == 1
    assert runs["Coded"].errors == [
        "release ocds-piemonte-96-tender-1: tender/value/currency: 'EURO' is not a "
        "code of its code list"
    ]
    assert not shown(coded).exists()
    position = latin1.index("é".encode("latin-1"))
    assert runs["Latin-1"].errors == [
        f"{encoding.feed_url}: the page is not UTF-8 (byte 0xe9 at position {position})"
    ]
    assert runs["HTML"].errors[0].startswith(f"{broken.feed_url}: the page is not JSON")
    assert runs["Failing"].errors == [
        f"{failing.feed_url}: the publisher answered HTTP 500"
    ]
    assert (
        runs["Down"]
        .errors[0]
        .startswith(f"{down.feed_url}: the publisher could not be reached")
    )
    for name in ("Latin-1", "HTML", "Failing", "Down"):
        assert runs[name].status == RunStatus.FAILED
    assert shown(good).count() == 1


def test_a_reading_that_fails_half_way_keeps_the_pages_before(publisher):
    second = publisher.url("/ocds/releases/?cursor=2")
    first = publisher.serve("/ocds/releases/", package(release(), next_url=second))
    feed = source(first)

    run = following.follow(feed)

    publisher.serve(
        "/ocds/releases/?cursor=2",
        package(release("ocds-piemonte-13", title="Fornitura di arredi scolastici")),
    )
    again = following.follow(feed)

    assert (run.status, run.pages, run.created) == (RunStatus.PARTIAL, 1, 1)
    assert run.errors == [f"{second}: the publisher answered HTTP 404"]
    # The next reading starts again at the last page read, and goes on.
    assert (again.status, again.pages, again.created, again.updated) == (
        RunStatus.OK,
        2,
        1,
        0,
    )
    feed.refresh_from_db()
    assert feed.resume_url == second


def test_a_page_larger_than_the_limit_is_refused(publisher, settings):
    settings.MUTUALIS_FEED_MAX_BYTES = 1000
    feed = source(publisher.serve("/big/", package(*[release()] * 10)))

    run = following.follow(feed)

    assert run.errors == [f"{feed.feed_url}: the page is larger than 1000 bytes"]
    assert not shown(feed).exists()


def real_source(publisher, name):
    return source(
        publisher.serve("/feed/", (OCDS_REAL / "ocdskit-realdata" / name).read_bytes()),
        name="CDMX",
        country="MX",
        site_url="https://www.contratosabiertos.cdmx.gob.mx/",
        time_zone="America/Mexico_City",
    )


@needs_shared_ocds_real
def test_a_real_release_package_of_another_publisher_is_shown(publisher):
    feed = real_source(publisher, "release-package-1.json")

    run = following.follow(feed)

    assert (run.status, run.releases, run.refused) == (RunStatus.OK, 2, 0)
    consultation = shown(feed).get()
    assert consultation.title == "ARRENDAMIENTO DE BIENES INFORMÁTICOS"
    assert consultation.buyer.name == "SECRETARÍA DE FINANZAS"
    assert consultation.procedure == "restricted"
    assert (consultation.estimated_value, consultation.currency) == (1311264, "MXN")
    assert consultation.followed.documents[0]["url"].startswith(
        "http://innovacion.finanzas.df.gob.mx/"
    )


@needs_shared_ocds_real
def test_a_real_record_that_the_schema_refuses_is_reported_not_shown(publisher):
    feed = real_source(publisher, "record-package-1.json")

    run = following.follow(feed)

    # Its publisher wrote "submissionMethod": [null]; OCDS wants strings.
    assert (run.status, run.refused) == (RunStatus.PARTIAL, 1)
    assert run.errors == [
        "release 993235: tender/submissionMethod/0: None is not of type 'string'"
    ]
    assert not shown(feed).exists()


@needs_shared_ocds_real
def test_real_uk_releases_keep_their_cpv_value_and_buyer(publisher):
    ensure_cpv("73000000")
    folder = OCDS_REAL / "sample-data-2018" / "uk-contracts-finder" / "sample"
    releases = [
        json.loads(path.read_text())
        for path in sorted((folder / "releases").glob("*.json"))
    ]
    feed = source(
        publisher.serve("/uk/", package(*releases)),
        name="Contracts Finder",
        country="GB",
        site_url="https://www.contractsfinder.service.gov.uk/",
        time_zone="Europe/London",
    )

    run = following.follow(feed)

    assert (run.refused, run.releases) == (0, len(releases))
    met_office = shown(feed).get(
        title="Climate Science for Service Partnership (CSSP): Calls for "
        "Expressions of Interest"
    )
    assert met_office.buyer.name in {"Met Office", "MET OFFICE"}
    assert met_office.main_cpv.code.startswith("73000000")
    assert (met_office.estimated_value, met_office.currency) == (464500, "GBP")
    # "unsuccessful": the call ended without a contract and leaves the portal.
    assert met_office.state == State.CANCELLED
    assert met_office.followed.origin_url == (
        "https://www.contractsfinder.service.gov.uk/"
    )


@needs_shared_ocds_real
def test_real_paraguayan_releases_compile_into_their_processes(publisher):
    folder = OCDS_REAL / "sample-data-2018" / "paraguay" / "sample" / "releases"
    releases = [json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))]
    with_tender = {r["ocid"] for r in releases if r.get("tender")}
    feed = source(
        publisher.serve("/py/", package(*releases)),
        name="DNCP",
        country="PY",
        time_zone="America/Asuncion",
    )

    run = following.follow(feed)

    # Planning-only processes wait for their tender, silently.
    assert (run.status, run.refused, run.errors) == (RunStatus.OK, 0, [])
    assert shown(feed).count() == run.created == len(with_tender)
    pavement = FollowedProcess.objects.get(ocid="ocds-03ad3f-284444").consultation
    assert pavement.title.startswith("CONSTRUCCIÓN DE PAVIMENTO TIPO EMPEDRADO")
    assert pavement.state == State.AWARDED
    assert (pavement.estimated_value, pavement.currency) == (1300000000, "PYG")


# On the portal


def test_the_portal_marks_searches_and_links_a_followed_call(client, publisher):
    published(title="Voirie de la rue Carnot")
    feed = source(publisher.serve("/ocds/releases/", package(release())))
    following.follow(feed)
    consultation = shown(feed).get()

    listed = client.get("/consultations/", {"q": "strade"})
    only_here = client.get("/consultations/", {"platform": "here"})
    only_there = client.get("/consultations/", {"platform": str(feed.pk)})
    page = client.get(f"/consultations/{consultation.pk}/")

    assert "Manutenzione delle strade provinciali" in listed.content.decode()
    assert "Appalti Piemonte" in listed.content.decode()
    assert "Manutenzione" not in only_here.content.decode()
    assert "Voirie de la rue Carnot" in only_here.content.decode()
    assert "Voirie" not in only_there.content.decode()
    assert "Manutenzione" in only_there.content.decode()
    html = page.content.decode()
    assert "Answer on Appalti Piemonte" in html
    assert f'href="https://appalti.example.it/gare/{OCID}/"' in html
    assert "Submit a bid" not in html
    assert "Download the whole DCE" not in html


def test_a_bid_or_a_question_on_a_followed_call_is_sent_to_its_platform(
    client, publisher
):
    feed = source(publisher.serve("/ocds/releases/", package(release())))
    following.follow(feed)
    consultation = shown(feed).get()
    bidder = member(BusinessFactory(), "bidder")
    client.force_login(bidder)

    deposit = client.get(f"/consultations/{consultation.pk}/bid/")

    assert deposit.status_code == 403
    assert (
        "This call is published on Appalti Piemonte: bids go there, at "
        f"https://appalti.example.it/gare/{OCID}/."
    ) in deposit.content.decode()


def test_alerts_cover_the_followed_calls(publisher, django_capture_on_commit_callbacks):
    owner = member(BusinessFactory(), "bidder", language="en")
    alert(owner, name="Strade", keywords="strade", frequency=Frequency.IMMEDIATE)
    feed = source(publisher.serve("/ocds/releases/", package(release())))

    following.follow(feed)
    task = DBTaskResult.objects.get(task_path__endswith="tasks.send_alerts")
    send_alerts.call(*task.args_kwargs["args"])
    send_queued_mail.call()

    (mail,) = outbox.outbox
    assert mail.subject == "1 new call for tenders for your alert “Strade”"
    assert "Manutenzione delle strade provinciali" in mail.body
    assert FollowedProcess.objects.get().consultation_id == task.args_kwargs["args"][1]


def test_the_followed_calls_are_not_published_again_as_this_platforms(
    client, publisher
):
    mine, _agent = published(title="Voirie de la rue Carnot")
    feed = source(publisher.serve("/ocds/releases/", package(release())))
    following.follow(feed)
    followed = shown(feed).get()

    releases = client.get("/ocds/releases/").json()["releases"]
    record = client.get(f"/ocds/records/ocds-mutualis-{followed.pk}/")
    notice = client.get(f"/consultations/{followed.pk}/eforms.xml")

    assert [r["tender"]["title"] for r in releases] == [mine.title]
    assert (record.status_code, notice.status_code) == (404, 404)


def test_the_command_reads_every_source_and_says_what_each_gave(publisher):
    source(publisher.serve("/ocds/releases/", package(release())))
    down = source(closed_port(), name="Regione Down")
    output = io.StringIO()

    with pytest.raises(CommandError, match="Not read: Regione Down."):
        call_command("follow_feeds", stdout=output)

    lines = output.getvalue().splitlines()
    assert lines[0] == (
        "Appalti Piemonte: read. Releases read: 1, refused: 0. Calls added: 1, "
        "updated: 0."
    )
    assert lines[1] == (
        "Regione Down: failed. Releases read: 0, refused: 0. Calls added: 0, "
        "updated: 0."
    )
    assert lines[2].startswith(f"  {down.feed_url}: the publisher could not be reached")


def test_a_process_is_shown_once_whatever_the_feeds_that_give_it(publisher):
    first = source(publisher.serve("/ocds/releases/", package(release())))
    again = source(publisher.serve("/ocds/releases", package(release())), name="Bis")

    following.follow(first)
    run = following.follow(again)

    assert run.errors == [f"process {OCID}: it is already followed from {first.name}"]
    assert Consultation.objects.filter(followed__isnull=False).count() == 1


def test_this_platforms_own_calls_are_not_followed_back(publisher, client):
    mine, _agent = published(title="Voirie de la rue Carnot")
    ours = client.get("/ocds/releases/").content
    feed = source(publisher.serve("/ocds/releases/", ours), name="Myself")

    run = following.follow(feed)

    assert run.errors == [
        f"process ocds-mutualis-{mine.pk}: its OCID has this platform's own prefix "
        "(ocds-mutualis): this is this platform, or one that shares its prefix; "
        "each platform needs a prefix of its own (MUTUALIS_OCID_PREFIX)"
    ]
    assert not shown(feed).exists()


def test_a_source_with_a_wrong_time_zone_or_address_is_refused(publisher):
    wrong = FeedSource(
        name="X", feed_url="ftp://127.0.0.1/feed.json", time_zone="Mars/Olympus"
    )

    with pytest.raises(ValidationError) as refused:
        wrong.full_clean()

    assert refused.value.message_dict == {
        "feed_url": ["Enter a valid URL."],
        "time_zone": ["Mars/Olympus is not a time zone (as Europe/Rome)."],
    }


def test_the_api_gives_a_followed_call_with_its_platform_ocid_and_page(
    client, publisher
):
    feed = source(publisher.serve("/ocds/releases/", package(release())))
    following.follow(feed)
    followed = shown(feed).get()

    listed = client.get("/api/v1/consultations").json()["results"]
    detail = client.get(f"/api/v1/consultations/{followed.pk}").json()
    notices = client.get("/api/v1/notices").json()["results"]

    assert [(c["title"], c["platform"], c["ocid"]) for c in listed] == [
        ("Manutenzione delle strade provinciali", "Appalti Piemonte", OCID)
    ]
    assert detail["url"] == f"https://appalti.example.it/gare/{OCID}/"
    assert detail["notices"] is None
    assert notices == []


def test_a_followed_call_keeps_its_other_languages(client, publisher):
    given = release(title_fr="Entretien des routes provinciales", title_xx="?")
    given["tender"]["description_fr"] = "Réfection de la chaussée, lot unique."
    feed = source(publisher.serve("/ocds/releases/", package(given)))

    following.follow(feed)
    consultation = shown(feed).get()
    french = client.get(
        f"/consultations/{consultation.pk}/", headers={"accept-language": "fr"}
    )

    (text,) = consultation.texts.all()
    assert (text.language, text.title) == ("fr", "Entretien des routes provinciales")
    assert text.description == "Réfection de la chaussée, lot unique."
    assert "Entretien des routes provinciales" in french.content.decode()


def test_without_a_page_of_its_own_a_call_links_to_its_platforms_site(publisher):
    given = release()
    del given["tender"]["documents"]
    feed = source(publisher.serve("/api/ocds/releases.json", package(given)))

    following.follow(feed)

    origin = shown(feed).get().followed.origin_url
    assert origin == f"http://127.0.0.1:{publisher.server.server_port}/"
