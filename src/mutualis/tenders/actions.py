"""Every change to a consultation, its lots and its documents.

Each action checks permission (tenders.access), runs in one transaction and appends
to the audit journal. Files are written before the transaction and removed again if
it fails, so a document is either complete with its row or absent.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mutualis.alerts.tasks import alert_on_publication
from mutualis.core import journal
from mutualis.core.journal import record
from mutualis.core.time import is_valid_time_zone, now
from mutualis.tenders import access, dce
from mutualis.tenders.models import (
    Consultation,
    ConsultationText,
    Document,
    Download,
    Language,
    Lot,
    State,
    language_name,
)
from mutualis.tenders.rules import check_publication

DRAFT_FIELDS = {
    "reference",
    "title",
    "description",
    "language",
    "nature",
    "procedure",
    "estimated_value",
    "currency",
    "main_cpv",
    "time_zone",
    "questions_deadline",
    "participation_deadline",
    "submission_deadline",
}
DRAFT_RELATIONS = {"extra_cpv", "nuts"}
TEXT_FIELDS = {"title", "description"}
LOT_FIELDS = {"number", "title", "description", "estimated_value", "main_cpv"}
# A draft may lack these until it is published; rules.py asks for them then.
OPTIONAL_UNTIL_PUBLISHED = ["main_cpv", "questions_deadline", "submission_deadline"]


class PublicationRefused(ValidationError):
    """Publication failed the rules of rules.py; `failures` names each of them."""

    def __init__(self, failures):
        super().__init__([failure.message for failure in failures])
        self.failures = failures


def create_draft(user, buyer, **fields):
    """A new draft consultation of `buyer`, drafted by `user`."""
    access.require_create_for(user, buyer)
    plain, relations = split_fields(fields, DRAFT_FIELDS, DRAFT_RELATIONS)
    with transaction.atomic():
        consultation = Consultation(buyer=buyer, created_by=user, **plain)
        validate_consultation(consultation)
        consultation.save()
        set_relations(consultation, relations)
        record(
            "tenders.consultation.created",
            actor=user,
            obj=consultation,
            reference=consultation.reference,
        )
    return consultation


def update_draft(user, consultation, **fields):
    access.require(user, consultation, "edit")
    plain, relations = split_fields(fields, DRAFT_FIELDS, DRAFT_RELATIONS)
    with transaction.atomic():
        consultation = locked(user, consultation, "edit")
        for name, value in plain.items():
            setattr(consultation, name, value)
        validate_consultation(consultation)
        consultation.save()
        set_relations(consultation, relations)
        record(
            "tenders.consultation.updated",
            actor=user,
            obj=consultation,
            fields=sorted([*plain, *relations]),
        )
    return consultation


def publish(user, consultation):
    """Put the draft on the portal, or raise PublicationRefused with every failure."""
    access.require(user, consultation, "publish")
    with transaction.atomic():
        consultation = locked(user, consultation, "publish")
        journal.hold()
        at = now()
        failures = check_publication(consultation, at)
        if failures:
            raise PublicationRefused(failures)
        consultation.move_to(State.PUBLISHED)
        consultation.published_at = at
        consultation.save(update_fields=["state", "published_at", "updated_at"])
        record("tenders.consultation.published", actor=user, obj=consultation, at=at)
        transaction.on_commit(lambda: alert_on_publication(consultation.pk))
    return consultation


def cancel(user, consultation):
    access.require(user, consultation, "cancel")
    with transaction.atomic():
        consultation = locked(user, consultation, "cancel")
        journal.hold()
        consultation.move_to(State.CANCELLED)
        consultation.save(update_fields=["state", "updated_at"])
        record("tenders.consultation.cancelled", actor=user, obj=consultation)
    return consultation


def add_lot(user, consultation, **fields):
    access.require(user, consultation, "edit")
    plain, _relations = split_fields(fields, LOT_FIELDS, set())
    with transaction.atomic():
        consultation = locked(user, consultation, "edit")
        lot = Lot(consultation=consultation, **plain)
        validate_lot(lot)
        lot.save()
        record("tenders.lot.added", actor=user, obj=consultation, lot=lot.number)
    return lot


def update_lot(user, lot, **fields):
    access.require(user, lot.consultation, "edit")
    plain, _relations = split_fields(fields, LOT_FIELDS, set())
    with transaction.atomic():
        lot.consultation = locked(user, lot.consultation, "edit")
        for name, value in plain.items():
            setattr(lot, name, value)
        validate_lot(lot)
        lot.save()
        record(
            "tenders.lot.updated",
            actor=user,
            obj=lot.consultation,
            lot=lot.number,
            fields=sorted(plain),
        )
    return lot


def remove_lot(user, lot):
    access.require(user, lot.consultation, "edit")
    with transaction.atomic():
        lot.consultation = locked(user, lot.consultation, "edit")
        number = lot.number
        lot.delete()
        record("tenders.lot.removed", actor=user, obj=lot.consultation, lot=number)


def set_text(user, consultation, language, **fields):
    """Give the draft its title and description in `language`, or replace them."""
    access.require(user, consultation, "edit")
    plain, _relations = split_fields(fields, TEXT_FIELDS, set())
    with transaction.atomic():
        consultation = locked(user, consultation, "edit")
        text = consultation.texts.filter(language=language).first()
        created = text is None
        text = text or ConsultationText(consultation=consultation, language=language)
        for name, value in plain.items():
            setattr(text, name, value)
        validate_text(text)
        text.save()
        record(
            "tenders.text.added" if created else "tenders.text.updated",
            actor=user,
            obj=consultation,
            language=language,
        )
    return text


def remove_text(user, consultation, language):
    access.require(user, consultation, "edit")
    with transaction.atomic():
        consultation = locked(user, consultation, "edit")
        deleted, _rows = consultation.texts.filter(language=language).delete()
        if deleted:
            record(
                "tenders.text.removed",
                actor=user,
                obj=consultation,
                language=language,
            )


def add_documents(user, consultation, uploads):
    """Attach every file of `uploads` to the draft, or none of them."""
    access.require(user, consultation, "add_document")
    check_uploads(consultation, uploads)
    stored = []
    try:
        for upload in uploads:
            stored.append(dce.store(upload, consultation.pk))
        with transaction.atomic():
            consultation = locked(user, consultation, "add_document")
            documents = [attach(user, consultation, item) for item in stored]
    except BaseException:
        for item in stored:
            dce.delete_stored(item.path)
        raise
    return documents


def add_document(user, consultation, upload):
    return add_documents(user, consultation, [upload])[0]


def remove_document(user, document):
    consultation = document.consultation
    access.require(user, consultation, "remove_document")
    with transaction.atomic():
        locked(user, consultation, "remove_document")
        path = document.file.name
        name = document.name
        document.delete()
        record("tenders.document.removed", actor=user, obj=consultation, name=name)
        transaction.on_commit(lambda: delete_if_unused(path))


def record_download(user, consultation, document=None, organisation=None):
    """One line of the download register, for one document or the whole DCE."""
    access.require(user, consultation, "download")
    user = user if user.is_authenticated else None
    with transaction.atomic():
        download = Download.objects.create(
            consultation=consultation,
            document=document,
            document_name=document.name if document else "",
            user=user,
            organisation=organisation if user else None,
            at=now(),
        )
        record(
            "tenders.dce.downloaded",
            actor=user,
            obj=consultation,
            document=document.name if document else "",
        )
    return download


def locked(user, consultation, action):
    """The consultation as it is now, locked until commit, if `user` may still act.

    The caller's copy may be stale (published meanwhile, in another request).
    """
    fresh = (
        Consultation.objects.select_for_update()
        .select_related("buyer")
        .get(pk=consultation.pk)
    )
    access.require(user, fresh, action)
    return fresh


def split_fields(fields, plain_names, relation_names):
    unknown = set(fields) - plain_names - relation_names
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")
    plain = {k: v for k, v in fields.items() if k in plain_names}
    relations = {k: v for k, v in fields.items() if k in relation_names}
    return plain, relations


def set_relations(consultation, relations):
    for name, values in relations.items():
        getattr(consultation, name).set(values)


def validate_consultation(consultation):
    errors = {}
    taken = Consultation.objects.filter(
        buyer=consultation.buyer_id, reference=consultation.reference
    ).exclude(pk=consultation.pk)
    if taken.exists():
        errors["reference"] = _(
            "This buyer already has a consultation with the reference %(reference)s."
        ) % {"reference": consultation.reference}
    if (
        consultation.pk
        and consultation.texts.filter(language=consultation.language).exists()
    ):
        errors["language"] = _(
            "%(language)s is one of the consultation's other languages: "
            "remove that text first."
        ) % {"language": language_name(consultation.language)}
    if not is_valid_time_zone(consultation.time_zone):
        errors["time_zone"] = _("%(zone)s is not a known time zone.") % {
            "zone": consultation.time_zone
        }
    if errors:
        raise ValidationError(errors)
    consultation.full_clean(
        exclude=OPTIONAL_UNTIL_PUBLISHED, validate_constraints=False
    )


def validate_text(text):
    if text.language not in Language.values:
        raise ValidationError(
            {
                "language": _("%(code)s is not an official language of the EU.")
                % {"code": text.language}
            }
        )
    if text.language == text.consultation.language:
        raise ValidationError(
            {
                "language": _(
                    "%(language)s is the consultation's main language: "
                    "its title and description are in the draft itself."
                )
                % {"language": language_name(text.language)}
            }
        )
    text.full_clean(exclude=["consultation"], validate_constraints=False)


def validate_lot(lot):
    taken = Lot.objects.filter(consultation=lot.consultation_id, number=lot.number)
    if taken.exclude(pk=lot.pk).exists():
        raise ValidationError(
            {"number": _("Lot %(number)s already exists.") % {"number": lot.number}}
        )
    lot.full_clean(exclude=["consultation"], validate_constraints=False)


def check_uploads(consultation, uploads):
    if not uploads:
        raise ValidationError(_("Choose at least one file."), code="no-file")
    errors = []
    taken = set(consultation.documents.values_list("name", flat=True))
    for upload in uploads:
        name = dce.clean_name(upload.name)
        try:
            dce.check_size(upload)
        except ValidationError as error:
            errors.append(error)
        if name in taken:
            errors.append(
                ValidationError(
                    _("A document named %(name)s is already attached."),
                    code="duplicate",
                    params={"name": name},
                )
            )
        taken.add(name)
    if errors:
        raise ValidationError(errors)


def new_document(user, consultation, stored):
    """A Document of `consultation` for the file `stored` (dce), saved."""
    document = Document(
        consultation=consultation,
        name=stored.name,
        size=stored.size,
        sha256=stored.sha256,
        content_type=stored.content_type,
        uploaded_by=user,
    )
    document.file.name = stored.path
    document.save()
    return document


def attach(user, consultation, stored):
    document = new_document(user, consultation, stored)
    record(
        "tenders.document.added",
        actor=user,
        obj=consultation,
        name=stored.name,
        size=stored.size,
        sha256=stored.sha256,
    )
    return document


def delete_if_unused(path):
    if not Document.objects.filter(file=path).exists():
        dce.delete_stored(path)
