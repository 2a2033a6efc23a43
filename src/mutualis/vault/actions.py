"""What changes a vault: upload, replace, delete. Each checks, then commits."""

import uuid
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from mutualis.core.journal import record
from mutualis.core.time import now
from mutualis.vault import access, storage
from mutualis.vault.models import Document, DocumentType, Version

MAX_NAME_LENGTH = Version._meta.get_field("name").max_length


def upload_document(user, business, kind, title, upload, valid_from, valid_until):
    """Keep `upload` in `business`'s vault as a new document; return the document."""
    access.require_manage(user, business)
    if kind not in DocumentType.values:
        raise ValidationError(_("Choose the type of document."), code="kind")
    if not title.strip():
        raise ValidationError(_("Give the document a title."), code="title")
    _check(upload, valid_from, valid_until)
    dates = (valid_from, valid_until)

    stored = _store(business, upload)
    try:
        with transaction.atomic():
            at = now()
            document = Document.objects.create(
                business=business, kind=kind, title=title.strip(), created_at=at
            )
            version = _add_version(document, 1, user, upload, stored, at, dates)
            _journal("vault.uploaded", user, version, at)
    except BaseException:
        storage.discard([stored.name])
        raise
    return document


def replace_document(user, document, upload, valid_from, valid_until):
    """Make `upload` the new version of `document`; earlier versions stay."""
    access.require_manage(user, document.business)
    _check(upload, valid_from, valid_until)
    dates = (valid_from, valid_until)

    stored = _store(document.business, upload)
    try:
        with transaction.atomic():
            # Under lock: two replacements at once must not share a number.
            document = Document.objects.select_for_update().get(pk=document.pk)
            last = document.versions.order_by("-number").first()
            number = last.number + 1 if last else 1
            at = now()
            version = _add_version(document, number, user, upload, stored, at, dates)
            _journal("vault.replaced", user, version, at)
    except BaseException:
        storage.discard([stored.name])
        raise
    return version


def delete_document(user, document):
    """Delete `document`, every version and, once committed, their files."""
    access.require_manage(user, document.business)
    with transaction.atomic():
        names = list(document.versions.values_list("stored_as", flat=True))
        record(
            "vault.deleted",
            actor=user,
            obj=document,
            business=document.business_id,
            kind=document.kind,
            title=document.title,
            versions=len(names),
        )
        document.delete()
        transaction.on_commit(partial(storage.discard, names))


def _check(upload, valid_from, valid_until):
    if upload is None or upload.size == 0:
        raise ValidationError(_("Choose a file that is not empty."), code="empty")
    if len(upload.name) > MAX_NAME_LENGTH:
        raise ValidationError(
            _("A file name may have at most %(limit)d characters.")
            % {"limit": MAX_NAME_LENGTH},
            code="long_name",
        )
    if upload.size > settings.MUTUALIS_MAX_DOCUMENT_SIZE:
        raise too_large(upload.name)
    if valid_from and valid_until and valid_from > valid_until:
        raise ValidationError(
            _("The document cannot be valid until a day before it is valid from."),
            code="dates",
        )


def too_large(name):
    return ValidationError(
        _("“%(name)s” is larger than %(limit)s, the most a document may weigh.")
        % {
            "name": name,
            "limit": filesizeformat(settings.MUTUALIS_MAX_DOCUMENT_SIZE),
        },
        code="too_large",
    )


def _store(business, upload):
    # Stored before the short transaction that records it, so that a large file
    # holds no database lock; a random name needs no row to exist first.
    name = f"vault/{business.pk}/{uuid.uuid4().hex}"
    try:
        return storage.store(name, upload, settings.MUTUALIS_MAX_DOCUMENT_SIZE)
    except storage.FileTooLarge:
        raise too_large(upload.name) from None


def _add_version(document, number, user, upload, stored, at, dates):
    valid_from, valid_until = dates
    version = Version.objects.create(
        document=document,
        number=number,
        name=upload.name,
        size=stored.size,
        sha256=stored.sha256,
        stored_as=stored.name,
        valid_from=valid_from,
        valid_until=valid_until,
        uploaded_by=user,
        uploaded_at=at,
    )
    document.current = version
    document.save(update_fields=["current"])
    return version


def _journal(action, user, version, at):
    record(
        action,
        actor=user,
        obj=version.document,
        at=at,
        business=version.document.business_id,
        version=version.number,
        name=version.name,
        size=version.size,
        sha256=version.sha256,
        valid_from=version.valid_from,
        valid_until=version.valid_until,
    )
