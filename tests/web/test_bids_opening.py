# The fixtures come from the bids tests; pytest passes them in by name.
# ruff: noqa: F811
import html
import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from mutualis.accounts.models import OrganisationKind, Role
from mutualis.bids.models import BidState
from mutualis.tenders.models import State
from mutualis.trust.platform import check_seal
from tests.bids.conftest import (  # noqa: F401
    bidder,
    business,
    buyer,
    consultation,
    opener,
)
from tests.bids.factories import at, deposit, paris
from tests.factories import BusinessFactory, BuyerFactory, member

pytestmark = pytest.mark.django_db

BEFORE = paris(2027, 1, 15, 16, 0)
SESSION = paris(2027, 1, 16, 9, 30, 5)
OPENING = paris(2027, 1, 16, 9, 31, 12)
READING = paris(2027, 1, 16, 9, 40, 0)
CONTENT = b"%PDF-1.7 offre de prix"


def text_of(response):
    """The page's visible text, tags removed and spaces collapsed."""
    html = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html).strip()


def as_user(client, user):
    client.force_login(user)
    return client


def url(name, consultation, *args):
    return reverse(f"web:{name}", args=[consultation.pk, *args])


@pytest.fixture
def bids(bidder, business, consultation):
    """An on-time bid and a late one of another business."""
    rival = BusinessFactory(name="Routes de Bourgogne SAS")
    on_time = deposit(
        bidder,
        business,
        consultation,
        files={"Offre de prix é.pdf": CONTENT},
        when=paris(2027, 1, 14, 10),
    )
    late = deposit(
        member(rival, Role.BIDDER),
        rival,
        consultation,
        when=paris(2027, 1, 15, 17, 0, 0, 1000),
    )
    return on_time, late


@pytest.fixture
def people(buyer, bidder):
    operator = BuyerFactory(kind=OrganisationKind.OPERATOR, name="GIP Mutualis")
    return {
        "buyer admin": member(buyer, Role.BUYER_ADMIN),
        "opener": member(buyer, Role.OPENER),
        "operator admin": member(operator, Role.OPERATOR_ADMIN),
        "bidder": bidder,
    }


@pytest.mark.parametrize("who", ["buyer admin", "opener", "operator admin", "bidder"])
def test_before_the_deadline_the_opening_is_refused_to_everyone(
    client, consultation, bids, people, who
):
    with at(BEFORE):
        as_user(client, people[who])
        page = client.get(url("consultation-opening", consultation))
        start = client.post(url("opening-start", consultation))

    assert page.status_code == start.status_code == 403
    assert (
        "No one can see or open the bids before the deadline, "
        "15 January 2027, 17:00:00 (Europe/Paris, UTC+01:00)."
    ) in text_of(page)
    assert (
        "Bids cannot be opened before the deadline, "
        "15 January 2027, 17:00:00 (Europe/Paris, UTC+01:00)."
    ) in text_of(start)
    assert bids[0].receipt_number not in page.text
    assert not consultation.opening_events.exists()


def test_after_the_deadline_a_buyer_admin_sees_the_deposits_but_may_not_open(
    client, consultation, bids, people
):
    with at(SESSION):
        as_user(client, people["buyer admin"])
        page = client.get(url("consultation-opening", consultation))
        start = client.post(url("opening-start", consultation))

    assert bids[0].receipt_number in page.text
    assert "Start the opening session" not in page.text
    assert (
        "Only the members of the opening commission of "
        "Commune de Châtillon-sur-Seine may open bids."
    ) in text_of(start)
    assert start.status_code == 403


def test_an_opener_opens_the_valid_bids_and_reads_their_files(
    client, consultation, bids, opener
):
    on_time, late = bids

    with at(SESSION):
        as_user(client, opener)
        before = client.get(url("consultation-opening", consultation))
        started = client.post(url("opening-start", consultation), follow=True)
    with at(OPENING):
        as_user(client, opener)
        opened = client.post(url("opening-open", consultation), follow=True)
    with at(READING):
        as_user(client, opener)
        file_url = url("bid-file-download", consultation, on_time.files.get().pk)
        download = client.get(file_url)

    assert "Start the opening session" in before.text
    assert "The opening session has started." in started.text
    assert "Open the valid bids" in started.text
    assert "The valid bids are open; late bids were set aside." in opened.text
    assert f'href="{file_url}"' in opened.text
    assert "late, set aside unopened" in opened.text
    assert b"".join(download.streaming_content) == CONTENT
    assert download["Content-Disposition"] == (
        "attachment; filename*=utf-8''Offre%20de%20prix%20%C3%A9.pdf"
    )
    consultation.refresh_from_db()
    late.refresh_from_db()
    assert (consultation.state, late.state) == (State.OPENED, BidState.REJECTED_LATE)


def test_the_opening_register_shows_who_did_what_when_on_which_bid_and_file(
    client, consultation, bids, opener
):
    on_time, late = bids
    with at(SESSION):
        as_user(client, opener).post(url("opening-start", consultation))
    with at(OPENING):
        as_user(client, opener).post(url("opening-open", consultation))
    with at(READING):
        as_user(client, opener)
        read = client.get(
            url("bid-file-download", consultation, on_time.files.get().pk)
        )
        b"".join(read.streaming_content)  # reading to the end closes the file
        register = client.get(url("opening-register", consultation))

    rows = [text_of_row(row) for row in register.text.split("<tr>")[2:]]
    who = str(opener)
    assert rows == [
        f"16 January 2027, 09:30:05 (Europe/Paris, UTC+01:00) {who} "
        "opening session started",
        f"16 January 2027, 09:31:12 (Europe/Paris, UTC+01:00) {who} bid opened "
        "Société Générale d'Étanchéité Bourguignonne — Whole consultation — "
        f"{on_time.receipt_number}",
        f"16 January 2027, 09:31:12 (Europe/Paris, UTC+01:00) {who} "
        "late bid set aside unopened Routes de Bourgogne SAS — Whole consultation — "
        f"{late.receipt_number}",
        f"16 January 2027, 09:40:00 (Europe/Paris, UTC+01:00) {who} file read "
        "Société Générale d'Étanchéité Bourguignonne — Whole consultation — "
        f"{on_time.receipt_number} Offre de prix é.pdf",
    ]


def text_of_row(row):
    text = re.sub(r"<[^>]+>", " ", row.split("</tr>")[0])
    return html.unescape(re.sub(r"\s+", " ", text).strip())


@pytest.mark.parametrize("who", ["buyer admin", "bidder"])
def test_only_openers_read_an_opened_file(
    client, consultation, bids, opener, people, who
):
    with at(SESSION):
        as_user(client, opener).post(url("opening-start", consultation))
        client.post(url("opening-open", consultation))
    with at(READING):
        as_user(client, people[who])
        page = client.get(url("consultation-opening", consultation))
        download = client.get(
            url("bid-file-download", consultation, bids[0].files.get().pk)
        )

    assert download.status_code == 404
    assert "bid-file-download" not in page.text
    assert "/opening/files/" not in page.text
    assert not consultation.opening_events.filter(action="file-read").exists()


def test_a_late_bid_file_is_never_read(client, consultation, bids, opener):
    with at(SESSION):
        as_user(client, opener).post(url("opening-start", consultation))
        client.post(url("opening-open", consultation))
        download = client.get(
            url("bid-file-download", consultation, bids[1].files.get().pk)
        )

    assert download.status_code == 404


def test_the_opening_register_comes_as_a_pdf_sealed_by_the_platform(
    client, consultation, bids, opener
):
    on_time, late = bids
    with at(SESSION):
        as_user(client, opener).post(url("opening-start", consultation))
    with at(OPENING):
        as_user(client, opener).post(url("opening-open", consultation))
        response = client.get(url("opening-register-pdf", consultation))

    pdf = response.content
    pages = PdfReader(io.BytesIO(pdf)).pages
    text = " ".join(" ".join(page.extract_text().split()) for page in pages)
    assert response["Content-Type"] == "application/pdf"
    assert "opening session started" in text
    assert on_time.receipt_number in text
    assert "late bid set aside unopened" in text
    assert late.receipt_number in text
    seal = check_seal(pdf)
    assert seal.intact and seal.valid and seal.trusted


def test_the_register_pdf_is_refused_before_the_deadline(client, consultation, opener):
    with at(paris(2027, 1, 15, 16)):
        response = as_user(client, opener).get(
            url("opening-register-pdf", consultation)
        )

    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
