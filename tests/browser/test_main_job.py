"""The main job in a real browser: publish, search, download, deposit, open."""

import datetime as dt
import zipfile

import pytest
import time_machine
from playwright.sync_api import expect

from mutualis.accounts.models import Role
from mutualis.bids.models import Bid, BidState
from mutualis.referential.loaders import load_thresholds
from mutualis.tenders.models import Consultation, Download, Phase
from tests.browser.conftest import assert_accessible
from tests.browser.sealing_flow import (
    create_opener_key,
    deposit_sealed,
    hand_over_shares,
)
from tests.factories import BusinessFactory, BuyerFactory, member
from tests.referential_data import ensure_cpv, ensure_nuts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"
# Winter in Paris (UTC+1): a deadline of 17:00 local is 16:00 UTC.
START = dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC)
DEADLINE_UTC = dt.datetime(2027, 2, 12, 16, 0, tzinfo=dt.UTC)


@pytest.fixture
def people():
    ensure_cpv("45233140", "45000000")
    ensure_nuts("FRC11")
    load_thresholds()
    buyer = BuyerFactory(name="Commune de Talant", insee_code="21617")
    business = BusinessFactory(name="Enrobés de l'Ouche SAS", siret="90412345200016")
    return {
        "agent": member(
            buyer, Role.BUYER_AGENT, email="agent@talant.example", language="en"
        ),
        "openers": [
            member(buyer, Role.OPENER, email=email, language="en")
            for email in ["ouvreur@talant.example", "ouvreuse@talant.example"]
        ],
        "bidder": member(
            business, Role.BIDDER, email="offres@ouche.example", language="en"
        ),
    }


def log_in(page, email):
    page.goto("/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()
    page.wait_for_url("**/me/")


def log_out(page):
    page.get_by_role("button", name="Log out").click()


def draft_and_publish(page, axe, tmp_path):
    page.goto("/buyer/consultations/new/")
    assert_accessible(axe, page)
    page.get_by_label("Reference").fill("2027-VOI-07")
    page.get_by_label("Title").fill("Réfection de la voirie du quartier de l'Église")
    page.get_by_label("Description").fill("Chaussée, trottoirs et bordures.")
    page.get_by_label("Contract nature").select_option("works")
    page.get_by_label("Procedure").select_option("adapted")
    page.get_by_label("Estimated value (excl. VAT)").fill("480000")
    page.get_by_label("Main CPV code").fill("45233140")
    page.get_by_label("Place of performance (NUTS codes)").fill("FRC11")
    page.get_by_label("Deadline for questions").fill("2027-02-05T12:00")
    page.get_by_label("Deadline for bids").fill("2027-02-12T17:00")
    page.get_by_role("button", name="Save the draft").click()

    rc = tmp_path / "Règlement de la consultation.pdf"
    rc.write_bytes(b"%PDF-1.4 reglement")
    ae = tmp_path / "Acte d'engagement.pdf"
    ae.write_bytes(b"%PDF-1.4 acte")
    page.locator("#documents input[type=file]").set_input_files([rc, ae])
    page.get_by_role("button", name="Attach").click()
    assert page.get_by_role(
        "cell", name="Acte d'engagement.pdf", exact=True
    ).is_visible()
    assert_accessible(axe, page)

    name_commission(page, axe)
    page.get_by_role("button", name="Publish the consultation").click()


def create_keys(page, axe, tmp_path):
    """Each opener creates their key in the browser and keeps identity.age."""
    identities = {}
    for email, label in [
        ("ouvreur@talant.example", "Marc's laptop"),
        ("ouvreuse@talant.example", "Lucie's laptop"),
    ]:
        log_in(page, email)
        identities[email] = tmp_path / f"{email}.identity.age"
        create_opener_key(
            page, axe, "Commune de Talant", label, identities[email], assert_accessible
        )
        log_out(page)
    return identities


def name_commission(page, axe):
    page.get_by_role("link", name="Opening commission").click()
    assert_accessible(axe, page)
    page.get_by_label("Marc's laptop", exact=False).check()
    page.get_by_label("Lucie's laptop", exact=False).check()
    page.get_by_label("Openers needed to open").fill("2")
    page.get_by_role("button", name="Save the commission").click()


def find_and_download(page, axe):
    page.goto("/consultations/")
    page.get_by_label("Words").fill("eglise voiri")
    page.get_by_label("CPV code").fill("45000000")
    page.locator("main form").get_by_role("button").first.click()
    assert_accessible(axe, page)
    page.get_by_role(
        "link", name="Réfection de la voirie du quartier de l'Église"
    ).click()
    assert page.get_by_text("12 February 2027").first.is_visible()
    assert_accessible(axe, page)

    with page.expect_download() as download:
        page.get_by_role("link", name="zip").first.click()
    with zipfile.ZipFile(download.value.path()) as archive:
        return sorted(archive.namelist())


def deposit(page, axe, tmp_path):
    page.get_by_role("link", name="Submit a bid").click()
    assert_accessible(axe, page)
    offer = tmp_path / "Mémoire technique – Enrobés.pdf"
    offer.write_bytes(b"%PDF-1.4 memoire technique")
    deposit_sealed(page, [offer])
    assert_accessible(axe, page)
    return page.locator("main").inner_text()


def hand_over(page, axe, consultation, identity, start=False):
    page.goto(f"/buyer/consultations/{consultation.pk}/opening/")
    if start:
        page.get_by_role("button", name="Start the opening session").click()
    expect(
        page.get_by_role("button", name="Decrypt and hand over my shares")
    ).to_be_visible()
    assert_accessible(axe, page)
    hand_over_shares(page, identity)


def open_bids(page, axe):
    page.get_by_role("button", name="Open the valid bids").click()
    assert_accessible(axe, page)
    return page.locator("main").inner_text()


def test_a_consultation_goes_from_draft_to_opened_bids(page, axe, people, tmp_path):
    with time_machine.travel(START, tick=True) as clock:
        identities = create_keys(page, axe, tmp_path)
        log_in(page, "agent@talant.example")
        draft_and_publish(page, axe, tmp_path)
        consultation = Consultation.objects.get(reference="2027-VOI-07")
        assert consultation.phase == Phase.OPEN
        assert consultation.submission_deadline == DEADLINE_UTC
        log_out(page)

        log_in(page, "offres@ouche.example")
        names = find_and_download(page, axe)
        assert names == ["Acte d'engagement.pdf", "Règlement de la consultation.pdf"]
        receipt = deposit(page, axe, tmp_path)
        bid = Bid.objects.get(consultation=consultation)
        assert bid.receipt_number in receipt
        assert "Mémoire technique – Enrobés.pdf" in receipt
        assert "late" not in receipt.lower()
        log_out(page)

        clock.move_to(DEADLINE_UTC + dt.timedelta(minutes=5))
        log_in(page, "ouvreur@talant.example")
        hand_over(page, axe, consultation, identities["ouvreur@talant.example"], True)
        log_out(page)
        log_in(page, "ouvreuse@talant.example")
        hand_over(page, axe, consultation, identities["ouvreuse@talant.example"])
        register = open_bids(page, axe)

    bid.refresh_from_db()
    assert bid.state == BidState.OPENED
    assert "Enrobés de l'Ouche SAS" in register
    assert "Mémoire technique – Enrobés.pdf" in register
    assert "26 bytes" in register
    assert Download.objects.filter(
        consultation=consultation, organisation__name="Enrobés de l'Ouche SAS"
    ).exists()
