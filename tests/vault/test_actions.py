"""Upload, replace, delete: stored and hashed, journalled, and nothing left on error."""

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from mutualis.core.journal import entries_for
from mutualis.core.models import JournalEntry
from mutualis.vault import actions, storage
from mutualis.vault.models import Document, Version
from tests.bids.factories import at, paris, stored_files
from tests.vault.conftest import KBIS, day, upload

pytestmark = pytest.mark.django_db

MORNING = paris(2027, 3, 1, 9, 30)


def read(version):
    with storage.open_stored(version.stored_as) as stream:
        return stream.read()


def test_an_upload_is_stored_hashed_and_journalled(admin, business, settings):
    with at(MORNING):
        document = upload(admin, business, valid_until=day(2027, 6, 30))

    version = document.current
    assert (version.number, version.name, version.size) == (1, "kbis.pdf", len(KBIS))
    assert version.sha256 == hashlib.sha256(KBIS).hexdigest()
    assert read(version) == KBIS
    assert stored_files(settings) == [version.stored_as]
    assert version.stored_as.startswith(f"vault/{business.pk}/")
    assert (version.uploaded_by, version.uploaded_at) == (admin, MORNING)
    (entry,) = entries_for(document)
    assert (entry.action, entry.actor, entry.data["sha256"]) == (
        "vault.uploaded",
        admin,
        version.sha256,
    )
    assert entry.data["valid_until"] == "2027-06-30"


def test_a_replacement_becomes_current_and_the_earlier_version_stays(
    admin, bidder, business
):
    document = upload(admin, business, valid_until=day(2027, 6, 30))
    first = document.current

    with at(MORNING):
        second = actions.replace_document(
            bidder,
            document,
            SimpleUploadedFile("kbis-2027.pdf", b"%PDF-1.7 nouveau Kbis"),
            day(2027, 3, 1),
            day(2027, 9, 30),
        )

    document.refresh_from_db()
    assert document.current == second
    assert (second.number, second.uploaded_by) == (2, bidder)
    assert list(document.versions.values_list("number", flat=True)) == [2, 1]
    assert read(first) == KBIS
    assert read(second) == b"%PDF-1.7 nouveau Kbis"
    assert [(e.action, e.data["version"]) for e in entries_for(document)] == [
        ("vault.uploaded", 1),
        ("vault.replaced", 2),
    ]


def test_deleting_removes_every_version_and_file_after_the_commit(
    admin, business, settings, django_capture_on_commit_callbacks
):
    document = upload(admin, business)
    pk = document.pk
    actions.replace_document(
        admin, document, SimpleUploadedFile("b.pdf", b"b"), None, None
    )
    assert len(stored_files(settings)) == 2

    with django_capture_on_commit_callbacks(execute=True):
        actions.delete_document(admin, document)

    assert Document.objects.count() == Version.objects.count() == 0
    assert stored_files(settings) == []
    entry = JournalEntry.objects.get(action="vault.deleted")
    assert (entry.object_id, entry.actor, entry.data["title"]) == (
        str(pk),
        admin,
        "Extrait Kbis",
    )
    assert entry.data["versions"] == 2


def test_a_file_past_the_limit_is_refused_and_nothing_is_kept(
    admin, business, settings
):
    settings.MUTUALIS_MAX_DOCUMENT_SIZE = 1024

    with pytest.raises(ValidationError) as refused:
        upload(admin, business, name="gros.pdf", content=b"x" * 1025)

    assert refused.value.messages == [
        "“gros.pdf” is larger than 1.0\xa0KB, the most a document may weigh."
    ]
    assert stored_files(settings) == []
    assert Document.objects.count() == 0


def test_a_file_that_grows_past_the_limit_while_stored_leaves_nothing(
    admin, business, settings
):
    settings.MUTUALIS_MAX_DOCUMENT_SIZE = 1024
    lying = SimpleUploadedFile("menteur.pdf", b"x" * 4096)
    lying.size = 10

    with pytest.raises(ValidationError, match="larger than 1.0"):
        actions.upload_document(admin, business, "other", "Autre", lying, None, None)

    assert stored_files(settings) == []
    assert Document.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"content": b""}, "Choose a file that is not empty."),
        ({"title": "  "}, "Give the document a title."),
        ({"kind": "passport"}, "Choose the type of document."),
        (
            {"valid_from": day(2027, 5, 2), "valid_until": day(2027, 5, 1)},
            "The document cannot be valid until a day before it is valid from.",
        ),
    ],
)
def test_what_is_refused_before_anything_is_stored(
    admin, business, settings, fields, message
):
    with pytest.raises(ValidationError) as refused:
        upload(admin, business, **fields)

    assert refused.value.messages == [message]
    assert stored_files(settings) == []
