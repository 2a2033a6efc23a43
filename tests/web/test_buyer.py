import datetime as dt
import html
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mutualis.accounts.models import Role
from mutualis.tenders import actions
from mutualis.tenders.models import Consultation, Download, State
from tests.factories import BusinessFactory, BuyerFactory, ConsultationFactory, member
from tests.referential_data import ensure_cpv, ensure_nuts
from tests.tenders.factories import (
    agent_of,
    fast_passwords,
    published,
    ready_draft,
    winter_morning,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("winter_morning", "fast_passwords"),
]
__all__ = ["fast_passwords", "winter_morning"]

CREATE = reverse("web:consultation-create")


def text_of(response):
    page = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(page)).strip()


def draft_form(buyer, **fields):
    data = {
        "buyer": buyer.pk,
        "reference": "2027-VOI-10",
        "title": "Réfection de la voirie",
        "description": "Chaussée et trottoirs",
        "nature": "works",
        "procedure": "adapted",
        "estimated_value": "150000",
        "currency": "EUR",
        "main_cpv": "45233140",
        "extra_cpv": "",
        "nuts": "",
        "time_zone": "Europe/Paris",
        "questions_deadline": "2027-02-01T12:00",
        "participation_deadline": "",
        "submission_deadline": "2027-02-15T17:00",
    }
    return {**data, **fields}


@pytest.fixture
def agent(client):
    ensure_cpv("45233140-2", "45233000-9")
    buyer = BuyerFactory(name="Commune de Beaune")
    user = agent_of(buyer, full_name="Agnès Martin")
    client.force_login(user)
    return user


def test_the_buyer_pages_need_a_login(client):
    response = client.get(reverse("web:buyer-consultations"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


def test_my_consultations_are_grouped_by_phase(client, agent):
    buyer = agent.memberships.get().organisation
    ConsultationFactory(buyer=buyer, title="Brouillon voirie")
    ConsultationFactory(buyer=buyer, title="Publiée école", published=True)
    ConsultationFactory(title="Chez un autre acheteur")

    page = text_of(client.get(reverse("web:buyer-consultations")))

    assert "Draft (1)" in page
    assert "Open for bids (1)" in page
    assert page.index("Brouillon voirie") < page.index("Publiée école")
    assert "Chez un autre acheteur" not in page


def test_an_opener_finds_the_published_consultations_to_open_and_no_draft(client):
    buyer = BuyerFactory(name="Commune de Nolay")
    ConsultationFactory(buyer=buyer, title="Brouillon cantine")
    closed = ConsultationFactory(buyer=buyer, title="Chauffage", published=True)
    Consultation.objects.filter(pk=closed.pk).update(
        submission_deadline=dt.datetime(2027, 1, 1, 16, tzinfo=dt.UTC)
    )
    client.force_login(member(buyer, Role.OPENER))

    response = client.get(reverse("web:buyer-consultations"))
    page = text_of(response)

    assert "Closed, awaiting opening (1)" in page
    assert "Brouillon cantine" not in page
    assert reverse("web:consultation-opening", args=[closed.pk]) in response.text
    assert "Download register" not in page
    assert "Edit" not in page


def test_a_business_user_may_not_draft(client):
    client.force_login(member(BusinessFactory(), Role.BIDDER))

    response = client.get(CREATE)

    assert response.status_code == 403


def test_every_field_of_the_draft_form_has_a_label(client, agent):
    page = client.get(CREATE).content.decode()

    for name in ("reference", "title", "main_cpv", "submission_deadline"):
        assert f'<label for="id_{name}">' in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert 'type="datetime-local"' in page


def test_a_draft_is_created_and_the_edit_page_shows_it(client, agent):
    response = client.post(CREATE, draft_form(agent.memberships.get().organisation))

    consultation = Consultation.objects.get()
    assert response["Location"] == reverse(
        "web:consultation-edit", args=[consultation.pk]
    )
    assert consultation.main_cpv.code == "45233140-2"
    page = text_of(client.get(response["Location"]))
    assert "Draft 2027-VOI-10: Réfection de la voirie" in page


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("2027-02-15T17:00", dt.datetime(2027, 2, 15, 16, 0, tzinfo=dt.UTC)),
        ("2027-07-15T17:00", dt.datetime(2027, 7, 15, 15, 0, tzinfo=dt.UTC)),
        ("2027-03-27T17:00", dt.datetime(2027, 3, 27, 16, 0, tzinfo=dt.UTC)),
        ("2027-03-29T17:00", dt.datetime(2027, 3, 29, 15, 0, tzinfo=dt.UTC)),
        ("2027-10-30T17:00", dt.datetime(2027, 10, 30, 15, 0, tzinfo=dt.UTC)),
        ("2027-11-01T17:00", dt.datetime(2027, 11, 1, 16, 0, tzinfo=dt.UTC)),
    ],
)
def test_a_deadline_of_17_00_is_stored_in_utc_whatever_the_season(
    client, agent, typed, stored
):
    buyer = agent.memberships.get().organisation

    client.post(CREATE, draft_form(buyer, submission_deadline=typed))

    assert Consultation.objects.get().submission_deadline == stored


@pytest.mark.parametrize("typed", ["0001-01-01T00:00", "9999-12-31T23:59"])
def test_a_deadline_at_the_ends_of_the_calendar_is_refused_on_its_field(
    client, agent, typed
):
    buyer = agent.memberships.get().organisation

    response = client.post(CREATE, draft_form(buyer, submission_deadline=typed))

    assert response.status_code == 400
    assert "Give a date between the years 1990 and 2200." in text_of(response)
    assert not Consultation.objects.exists()


def test_the_edit_page_shows_deadlines_as_typed(client, agent):
    client.post(CREATE, draft_form(agent.memberships.get().organisation))
    consultation = Consultation.objects.get()

    page = client.get(reverse("web:consultation-edit", args=[consultation.pk]))

    assert 'value="2027-02-15T17:00"' in page.content.decode()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (
            "2027-03-28T02:30",
            "2027-03-28 02:30 does not exist in Europe/Paris (clocks go forward); "
            "choose another time.",
        ),
        (
            "2027-10-31T02:30",
            "2027-10-31 02:30 happens twice in Europe/Paris (clocks go back); "
            "choose another time.",
        ),
    ],
)
def test_a_skipped_or_repeated_time_is_refused_on_its_field(
    client, agent, typed, message
):
    buyer = agent.memberships.get().organisation

    response = client.post(CREATE, draft_form(buyer, submission_deadline=typed))

    assert response.status_code == 400
    assert message in text_of(response)
    page = response.content.decode()
    assert 'id="id_submission_deadline_error"' in page
    assert re.search(
        r'aria-describedby="[^"]*id_submission_deadline_error[^"]*"[^>]*'
        r'id="id_submission_deadline"',
        page,
    ) or re.search(
        r'id="id_submission_deadline"[^>]*aria-describedby="[^"]*'
        r"id_submission_deadline_error",
        page,
    )
    assert not Consultation.objects.exists()


def test_unknown_cpv_and_nuts_codes_are_named(client, agent):
    ensure_nuts("FRC11")
    buyer = agent.memberships.get().organisation

    response = client.post(
        CREATE,
        draft_form(
            buyer,
            main_cpv="45233149",
            extra_cpv="45233000 12345678",
            nuts="FRC11 FRZ99",
        ),
    )

    page = text_of(response)
    assert "Unknown CPV code: 45233149." in page
    assert "Unknown CPV code: 12345678." in page
    assert "Unknown NUTS code: FRZ99." in page


def test_a_cpv_code_with_a_wrong_check_digit_is_unknown(client, agent):
    buyer = agent.memberships.get().organisation

    response = client.post(CREATE, draft_form(buyer, main_cpv="45233140-3"))

    assert "Unknown CPV code: 45233140-3." in text_of(response)


def test_a_reference_already_used_is_reported_on_its_field(client, agent):
    buyer = agent.memberships.get().organisation
    ConsultationFactory(buyer=buyer, reference="2027-VOI-10")

    response = client.post(CREATE, draft_form(buyer))

    assert "already has a consultation with the reference 2027-VOI-10" in text_of(
        response
    )


def test_several_documents_are_attached_at_once(client, agent):
    consultation = ConsultationFactory(buyer=agent.memberships.get().organisation)
    files = [
        SimpleUploadedFile("Règlement.pdf", b"rc"),
        SimpleUploadedFile("CCTP d'été.pdf", b"x" * 3000),
    ]

    response = client.post(
        reverse("web:document-upload", args=[consultation.pk]), {"files": files}
    )
    page = text_of(client.get(response["Location"]))

    assert "Attached: Règlement.pdf, CCTP d'été.pdf." in page
    assert "CCTP d'été.pdf 2.9 KB" in page


def test_a_file_above_the_limit_is_named_and_none_is_attached(client, agent, settings):
    settings.MUTUALIS_MAX_DOCUMENT_SIZE = 1024
    consultation = ConsultationFactory(buyer=agent.memberships.get().organisation)
    files = [
        SimpleUploadedFile("RC.pdf", b"rc"),
        SimpleUploadedFile("Plans.zip", b"x" * 2000),
    ]

    response = client.post(
        reverse("web:document-upload", args=[consultation.pk]), {"files": files}
    )

    assert response.status_code == 400
    assert "Plans.zip is larger than the limit of 1.0 KB." in text_of(response)
    assert not consultation.documents.exists()


def test_a_document_is_removed_from_a_draft(client, agent):
    consultation, _owner = ready_draft(buyer=agent.memberships.get().organisation)
    document = consultation.documents.get()

    response = client.post(
        reverse("web:document-remove", args=[consultation.pk, document.pk])
    )
    page = text_of(client.get(response["Location"]))

    assert "Règlement de consultation.pdf is removed." in page
    assert "No documents yet." in page


def test_publishing_an_incomplete_draft_shows_each_failed_rule(client, agent):
    consultation = ConsultationFactory(
        buyer=agent.memberships.get().organisation, submission_deadline=None
    )

    response = client.post(reverse("web:consultation-publish", args=[consultation.pk]))

    page = text_of(response)
    assert response.status_code == 400
    assert "Publication refused" in page
    for rule in (
        "Deadlines set: the deadline for bids is missing.",
        "Documents attached: attach at least one consultation document (DCE).",
        "Main CPV code: choose the main CPV code.",
        "Estimated value: give the estimated value",
    ):
        assert rule in page


def test_publishing_a_complete_draft_opens_it_on_the_portal(client, agent):
    consultation, _owner = ready_draft(buyer=agent.memberships.get().organisation)

    response = client.post(reverse("web:consultation-publish", args=[consultation.pk]))
    page = text_of(client.get(response["Location"]))

    assert "The consultation is published." in page
    assert "Phase open for bids" in page


def test_the_draft_page_shows_the_procedures_allowed(client, agent):
    consultation, _owner = ready_draft(
        buyer=agent.memberships.get().organisation,
        estimated_value=Decimal("6000000"),
    )

    page = text_of(client.get(reverse("web:consultation-edit", args=[consultation.pk])))

    assert "Procedures allowed for this value: open procedure; restricted" in page
    assert (
        "adapted procedure (below the EU thresholds)."
        not in page.split("Procedures allowed")[1].split("Reference")[0]
    )
    assert "use an EU procedure" in page


def test_lots_are_added_edited_and_removed(client, agent):
    consultation = ConsultationFactory(buyer=agent.memberships.get().organisation)
    new = reverse("web:lot-create", args=[consultation.pk])

    client.post(new, {"number": 1, "title": "Chaussée", "main_cpv": "45233140"})
    lot = consultation.lots.get()
    client.post(
        reverse("web:lot-edit", args=[consultation.pk, lot.pk]),
        {"number": 1, "title": "Chaussée et trottoirs", "main_cpv": ""},
    )
    client.post(new, {"number": 2, "title": "Signalisation"})
    second = consultation.lots.get(number=2)
    client.post(reverse("web:lot-remove", args=[consultation.pk, second.pk]))
    page = text_of(client.get(reverse("web:consultation-edit", args=[consultation.pk])))

    assert "1 Chaussée et trottoirs" in page
    assert "Signalisation" not in page


def test_a_lot_number_already_used_is_reported(client, agent):
    consultation = ConsultationFactory(buyer=agent.memberships.get().organisation)
    new = reverse("web:lot-create", args=[consultation.pk])
    client.post(new, {"number": 1, "title": "Chaussée"})

    response = client.post(new, {"number": 1, "title": "Autre"})

    assert "Lot 1 already exists." in text_of(response)


def test_a_published_consultation_cannot_be_edited(client, agent):
    consultation, _owner = published(buyer=agent.memberships.get().organisation)

    response = client.get(reverse("web:consultation-edit", args=[consultation.pk]))

    assert response.status_code == 403


def test_another_buyer_s_draft_is_not_found(client, agent):
    consultation = ConsultationFactory()

    response = client.get(reverse("web:consultation-edit", args=[consultation.pk]))

    assert response.status_code == 404


def test_the_download_register_lists_who_downloaded_what_and_when(client, agent):
    consultation, _owner = published(buyer=agent.memberships.get().organisation)
    business = BusinessFactory(name="Routes de Bourgogne SAS")
    bidder = member(business, Role.BIDDER, full_name="Paul Durand", email="paul@r.fr")
    document = consultation.documents.get()
    actions.record_download(bidder, consultation, document, business)
    from django.contrib.auth.models import AnonymousUser

    actions.record_download(AnonymousUser(), consultation)
    actions.record_download(AnonymousUser(), consultation, document)

    page = text_of(client.get(reverse("web:download-register", args=[consultation.pk])))

    assert "3 downloads, 2 anonymous." in page
    assert "When (Europe/Paris)" in page
    assert (
        "2027-01-11 10:00:00 Paul Durand <paul@r.fr> Routes de Bourgogne SAS "
        "Règlement de consultation.pdf"
    ) in page
    assert "2027-01-11 10:00:00 anonymous whole DCE (zip)" in page
    assert Download.objects.count() == 3


def test_the_register_is_closed_to_bidders(client):
    consultation, _owner = published()
    client.force_login(member(BusinessFactory(), Role.BIDDER))

    response = client.get(reverse("web:download-register", args=[consultation.pk]))

    assert response.status_code == 403


def test_cancelling_a_draft_moves_it_to_cancelled(client, agent):
    consultation = ConsultationFactory(buyer=agent.memberships.get().organisation)

    client.post(reverse("web:consultation-cancel", args=[consultation.pk]))

    consultation.refresh_from_db()
    assert consultation.state == State.CANCELLED


def test_the_register_still_names_a_document_removed_from_the_draft(client, agent):
    consultation, _owner = ready_draft(buyer=agent.memberships.get().organisation)
    document = consultation.documents.get()
    actions.record_download(agent, consultation, document)
    actions.remove_document(agent, document)

    page = text_of(client.get(reverse("web:download-register", args=[consultation.pk])))

    assert "Agnès Martin" in page
    assert "Règlement de consultation.pdf" in page
    assert "whole DCE (zip)" not in page
