import hashlib
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage

from mutualis.accounts.models import Role
from mutualis.core.journal import entries_for
from mutualis.tenders import actions
from mutualis.tenders.models import Document, Nature, Procedure, State
from tests.factories import BusinessFactory, BuyerFactory, ConsultationFactory, member
from tests.tenders.factories import agent_of, ready_draft, upload

pytestmark = pytest.mark.django_db

DRAFT = {
    "reference": "2027-VOIRIE-01",
    "title": "Réfection de la voirie",
    "nature": Nature.WORKS,
    "procedure": Procedure.ADAPTED,
}


def test_a_buyer_agent_drafts_a_consultation_and_the_journal_says_so():
    buyer = BuyerFactory()
    agent = agent_of(buyer)

    consultation = actions.create_draft(agent, buyer, **DRAFT)

    assert consultation.state == State.DRAFT
    assert consultation.time_zone == "Europe/Paris"
    entry = entries_for(consultation).get()
    assert (entry.action, entry.actor) == ("tenders.consultation.created", agent)


def test_a_bidder_cannot_draft_for_a_buyer():
    buyer = BuyerFactory()
    bidder = member(BusinessFactory(), Role.BIDDER)

    with pytest.raises(PermissionDenied):
        actions.create_draft(bidder, buyer, **DRAFT)


def test_an_opener_cannot_draft():
    buyer = BuyerFactory()
    opener = agent_of(buyer, role=Role.OPENER)

    with pytest.raises(PermissionDenied):
        actions.create_draft(opener, buyer, **DRAFT)


def test_a_reference_is_unique_per_buyer():
    buyer = BuyerFactory()
    agent = agent_of(buyer)
    actions.create_draft(agent, buyer, **DRAFT)

    with pytest.raises(ValidationError) as error:
        actions.create_draft(agent, buyer, **DRAFT)

    assert error.value.message_dict == {
        "reference": [
            "This buyer already has a consultation with the reference 2027-VOIRIE-01."
        ]
    }


def test_update_draft_changes_the_facts():
    consultation = ConsultationFactory()
    agent = agent_of(consultation.buyer)

    actions.update_draft(agent, consultation, estimated_value=Decimal("90000.50"))

    consultation.refresh_from_db()
    assert consultation.estimated_value == Decimal("90000.50")


def test_a_published_consultation_is_no_longer_a_draft_to_edit():
    consultation = ConsultationFactory(published=True)
    agent = agent_of(consultation.buyer)

    with pytest.raises(PermissionDenied):
        actions.update_draft(agent, consultation, title="Autre")


def test_a_document_is_stored_with_its_size_and_sha256():
    consultation = ConsultationFactory()
    agent = agent_of(consultation.buyer)
    content = b"CCTP " * 1000

    document = actions.add_document(
        agent, consultation, upload("CCTP lot n°1.pdf", content)
    )

    assert (document.name, document.size) == ("CCTP lot n°1.pdf", 5000)
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    with default_storage.open(document.file.name) as stored:
        assert stored.read() == content


def test_a_file_above_the_limit_is_refused_by_name_and_nothing_is_kept(settings):
    settings.MUTUALIS_MAX_DOCUMENT_SIZE = 1000
    consultation = ConsultationFactory()
    agent = agent_of(consultation.buyer)
    files = [upload("RC.pdf", b"x" * 10), upload("Plans d'exécution.zip", b"x" * 1001)]

    with pytest.raises(ValidationError) as error:
        actions.add_documents(agent, consultation, files)

    assert error.value.messages == [
        "Plans d'exécution.zip is larger than the limit of 1000\xa0bytes."
    ]
    assert not Document.objects.exists()
    assert not default_storage.exists(f"dce/{consultation.pk}")


def test_a_file_that_grows_past_the_limit_while_streaming_is_refused(settings):
    settings.MUTUALIS_MAX_DOCUMENT_SIZE = 1000
    consultation = ConsultationFactory()
    agent = agent_of(consultation.buyer)
    lying = upload("CCAP.pdf", b"x" * 2000)
    lying.size = 10

    with pytest.raises(ValidationError, match="CCAP.pdf is larger than the limit"):
        actions.add_document(agent, consultation, lying)

    assert not Document.objects.exists()


def test_a_second_file_of_the_same_name_is_refused():
    consultation, agent = ready_draft()

    with pytest.raises(ValidationError) as error:
        actions.add_document(agent, consultation, upload())

    assert error.value.messages == [
        "A document named Règlement de consultation.pdf is already attached."
    ]


def test_an_empty_file_is_refused():
    consultation = ConsultationFactory()
    agent = agent_of(consultation.buyer)

    with pytest.raises(ValidationError, match="vide.txt is empty"):
        actions.add_document(agent, consultation, upload("vide.txt", b""))


def test_removing_a_draft_document_deletes_its_file(django_capture_on_commit_callbacks):
    consultation, agent = ready_draft()
    document = consultation.documents.get()

    with django_capture_on_commit_callbacks(execute=True):
        actions.remove_document(agent, document)

    assert not consultation.documents.exists()
    assert not default_storage.exists(document.file.name)


def test_documents_of_a_published_consultation_stay():
    consultation, agent = ready_draft()
    actions.publish(agent, consultation)

    with pytest.raises(PermissionDenied):
        actions.remove_document(agent, consultation.documents.get())


def test_lots_are_added_changed_and_removed():
    consultation = ConsultationFactory()
    agent = agent_of(consultation.buyer)

    lot = actions.add_lot(agent, consultation, number=1, title="Chaussée")
    actions.update_lot(agent, lot, title="Chaussée et trottoirs")
    second = actions.add_lot(agent, consultation, number=2, title="Signalisation")
    actions.remove_lot(agent, second)

    assert [str(lot) for lot in consultation.lots.all()] == [
        "Lot 1: Chaussée et trottoirs"
    ]


def test_a_lot_number_is_unique_in_its_consultation():
    consultation = ConsultationFactory()
    agent = agent_of(consultation.buyer)
    actions.add_lot(agent, consultation, number=1, title="Chaussée")

    with pytest.raises(ValidationError) as error:
        actions.add_lot(agent, consultation, number=1, title="Autre")

    assert error.value.message_dict == {"number": ["Lot 1 already exists."]}


def test_a_published_consultation_cannot_be_cancelled_silently():
    consultation, agent = ready_draft()
    consultation = actions.publish(agent, consultation)

    with pytest.raises(PermissionDenied):
        actions.cancel(agent, consultation)

    consultation.refresh_from_db()
    assert consultation.state == State.PUBLISHED


def test_cancel_moves_a_draft_to_cancelled():
    consultation = ConsultationFactory()
    agent = agent_of(consultation.buyer)

    actions.cancel(agent, consultation)

    consultation.refresh_from_db()
    assert consultation.get_phase_display() == "cancelled"


def test_an_anonymous_download_is_registered_without_a_person():
    from django.contrib.auth.models import AnonymousUser

    consultation = ConsultationFactory(published=True)

    download = actions.record_download(AnonymousUser(), consultation)

    assert download.is_anonymous
    assert download.organisation is None
