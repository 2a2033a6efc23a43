"""axe-core finds no violation on the main pages, in French and in English."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from mutualis.accounts.models import Role
from mutualis.bids.actions import deposit_bid
from mutualis.tenders.models import Document
from tests.browser.conftest import assert_accessible
from tests.factories import (
    BusinessFactory,
    BuyerFactory,
    ConsultationFactory,
    LotFactory,
    member,
)
from tests.referential_data import ensure_cpv, ensure_nuts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"
PUBLIC_PAGES = [
    "/",
    "/consultations/",
    "/consultations/?q=voirie&cpv=45000000",
    "/login/",
    "/signup/",
    "/password-reset/",
]
BUSINESS_PAGES = ["/me/", "/businesses/register/", "/business/bids/"]
BUYER_PAGES = ["/me/", "/buyer/", "/buyer/consultations/new/"]


@pytest.fixture
def world():
    cpv = ensure_cpv("45233140")[0]
    nuts = ensure_nuts("FRC11")[0]
    buyer = BuyerFactory(name="Commune de Chenôve", insee_code="21166")
    business = BusinessFactory(name="Pavés de Bourgogne SARL")
    consultation = ConsultationFactory(
        buyer=buyer, published=True, main_cpv=cpv, title="Réfection de la voirie"
    )
    consultation.nuts.add(nuts)
    LotFactory(consultation=consultation, number=1, title="Chaussée")
    Document.objects.create(
        consultation=consultation,
        name="Règlement de la consultation.pdf",
        file=SimpleUploadedFile("rc.pdf", b"%PDF-1.4"),
        size=8,
        sha256="0" * 64,
    )
    bidder = member(business, Role.COMPANY_ADMIN, email="pdg@paves.example")
    member(buyer, Role.BUYER_ADMIN, Role.OPENER, email="dgs@chenove.example")
    bid = deposit_bid(
        bidder,
        business,
        consultation,
        consultation.lots.get(),
        [SimpleUploadedFile("Offre.pdf", b"%PDF-1.4 offre")],
    )
    return consultation, bid


def visit_all(page, axe, paths):
    for path in paths:
        page.goto(path)
        assert page.locator("h1").count() == 1, path
        assert_accessible(axe, page)


def log_in(page, email):
    page.goto("/login/")
    page.locator("input[type=email]").fill(email)
    page.locator("input[type=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/me/")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_public_and_business_pages_pass_axe(browser, live_server, axe, world, language):
    consultation, bid = world
    context = browser.new_context(base_url=live_server.url, locale=language)
    page = context.new_page()

    visit_all(page, axe, [*PUBLIC_PAGES, f"/consultations/{consultation.pk}/"])
    log_in(page, "pdg@paves.example")
    visit_all(
        page,
        axe,
        [
            *BUSINESS_PAGES,
            f"/consultations/{consultation.pk}/bid/",
            f"/business/bids/{bid.receipt_number}/",
        ],
    )
    context.close()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_buyer_pages_pass_axe(browser, live_server, axe, world, language):
    consultation, _ = world
    context = browser.new_context(base_url=live_server.url, locale=language)
    page = context.new_page()
    log_in(page, "dgs@chenove.example")
    pages = [
        *BUYER_PAGES,
        f"/buyer/consultations/{consultation.pk}/downloads/",
        f"/organisations/{consultation.buyer.pk}/",
    ]

    visit_all(page, axe, pages)
    with time_machine.travel(
        consultation.submission_deadline + dt.timedelta(hours=1), tick=True
    ):
        log_in(page, "dgs@chenove.example")
        visit_all(
            page,
            axe,
            [
                f"/buyer/consultations/{consultation.pk}/opening/",
                f"/buyer/consultations/{consultation.pk}/opening/register/",
            ],
        )
    context.close()
