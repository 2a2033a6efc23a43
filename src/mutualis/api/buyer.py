"""A buyer's consultations through a token: draft, read, change, attach, publish.

The token's organisation is the buyer; its person must be a buyer admin or
agent there (tenders.access decides). Drafts are checked by the page's own
form and changed by the page's own actions, so both say the same things.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, PatchDict, Query, Router, Schema, Status, UploadedFile
from pydantic import Field

from mutualis.accounts.access import buyer_organisations
from mutualis.api.auth import Error, Problem, TokenAuth
from mutualis.api.views import (
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    Code,
    Document,
    Lot,
    after,
    bad_cursor_refused,
    code,
    document,
    lot,
    page,
)
from mutualis.core.addresses import absolute_url
from mutualis.core.time import DEFAULT_TIME_ZONE
from mutualis.tenders import access, actions, rules
from mutualis.tenders.models import Nature, Procedure, State
from mutualis.web.forms_tenders import ConsultationForm, initial_for

router = Router(auth=TokenAuth(), tags=["buyers"])

WALL_CLOCK = "a date and time in the consultation's time zone, as 2027-03-01T17:00"


class Draft(Schema):
    reference: str
    title: str
    description: str = ""
    nature: Nature
    procedure: Procedure
    estimated_value: Decimal | None = Field(None, description="excluding VAT")
    currency: str = "EUR"
    main_cpv: str | None = Field(None, description="as 45233140-2")
    extra_cpv: list[str] = []
    nuts: list[str] = Field([], description="the place of performance, as FRC11")
    time_zone: str = DEFAULT_TIME_ZONE
    questions_deadline: str | None = Field(None, description=WALL_CLOCK)
    participation_deadline: str | None = Field(None, description=WALL_CLOCK)
    submission_deadline: str | None = Field(None, description=WALL_CLOCK)


class OwnConsultationSummary(Schema):
    id: int
    reference: str
    title: str
    state: str
    created_at: dt.datetime
    published_at: dt.datetime | None
    submission_deadline: dt.datetime | None
    url: str = Field(description="its page: the draft's editing page until published")


class OwnConsultation(OwnConsultationSummary):
    description: str
    nature: str
    procedure: str
    estimated_value: Decimal | None
    currency: str
    main_cpv: Code | None
    extra_cpv: list[Code]
    nuts: list[Code]
    time_zone: str
    questions_deadline: dt.datetime | None
    participation_deadline: dt.datetime | None
    lots: list[Lot]
    documents: list[Document]
    pending: list[Problem] = Field(
        description="what publication would refuse now; empty once published"
    )


class OwnConsultationPage(Schema):
    results: list[OwnConsultationSummary]
    next: str | None = Field(description="the next page's address; none at the end")


REFUSALS = {401: Error, 403: Error, 404: Error, 422: Error}


def own_summary(c):
    page_name = "web:consultation-edit" if c.state == State.DRAFT else None
    return {
        "id": c.pk,
        "reference": c.reference,
        "title": c.title,
        "state": c.state,
        "created_at": c.created_at,
        "published_at": c.published_at,
        "submission_deadline": c.submission_deadline,
        "url": absolute_url(
            reverse(page_name or "web:consultation-detail", args=[c.pk])
        ),
    }


def own_detail(c):
    pending = rules.check_publication(c) if c.state == State.DRAFT else []
    return {
        **own_summary(c),
        **{
            name: getattr(c, name)
            for name in (
                "description",
                "nature",
                "procedure",
                "estimated_value",
                "currency",
                "time_zone",
                "questions_deadline",
                "participation_deadline",
            )
        },
        "main_cpv": code(c.main_cpv),
        "extra_cpv": [code(x) for x in c.extra_cpv.all()],
        "nuts": [code(n) for n in c.nuts.all()],
        "lots": [lot(x) for x in c.lots.select_related("main_cpv").order_by("number")],
        "documents": [document(c, d) for d in c.documents.order_by("pk")],
        "pending": [{"rule": f.rule, "message": f.message} for f in pending],
    }


def managed(user):
    """The token's buyer's consultations; refused to anyone but its staff."""
    if not buyer_organisations(user).exists():
        raise PermissionDenied(
            _("This token acts for no public buyer of which you are admin or agent.")
        )
    return access.managed_consultations(user)


def managed_consultation(user, pk, action="view"):
    return access.consultation_for(user, pk, action, queryset=managed(user))


def cleaned(values, consultation=None):
    """The draft's fields as the page's form cleans them, or a ValidationError."""
    data = initial_for(consultation) if consultation else {}
    data.update(values)
    for name in ("extra_cpv", "nuts"):
        if isinstance(data.get(name), list):
            data[name] = " ".join(data[name])
    form = ConsultationForm(
        {name: "" if value is None else value for name, value in data.items()}
    )
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    return form.draft_fields()


@router.get(
    "/consultations",
    response={200: OwnConsultationPage, 400: Error, **REFUSALS},
    summary="The token's buyer's consultations, drafts included, oldest first",
)
def own_list(
    request,
    cursor: str | None = Query(None, description="from a page's `next`"),
    limit: int = Query(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE),
):
    # By creation: a draft made meanwhile comes after every one already given.
    with bad_cursor_refused():
        rows = list(after(managed(request.user), cursor, "created_at")[: limit + 1])
    rows, following = page(
        rows,
        limit,
        lambda c: (c.created_at, c.pk),
        "api:own_list",
    )
    return {"results": [own_summary(c) for c in rows], "next": following}


@router.post(
    "/consultations",
    response={201: OwnConsultation, **REFUSALS},
    summary="Draft a consultation for the token's buyer",
)
def own_create(request, draft: Draft):
    fields = cleaned(draft.model_dump())
    consultation = actions.create_draft(
        request.user, request.auth.organisation, **fields
    )
    return Status(201, own_detail(consultation))


@router.get(
    "/consultations/{int:pk}",
    response={200: OwnConsultation, **REFUSALS},
    summary="One of the buyer's consultations, with what publication still needs",
)
def own_read(request, pk: int):
    return own_detail(managed_consultation(request.user, pk))


@router.patch(
    "/consultations/{int:pk}",
    response={200: OwnConsultation, **REFUSALS},
    summary="Change the fields given of a draft",
)
def own_update(request, pk: int, changes: PatchDict[Draft]):
    consultation = managed_consultation(request.user, pk, "edit")
    fields = cleaned(changes, consultation)
    consultation = actions.update_draft(request.user, consultation, **fields)
    return own_detail(consultation)


@router.post(
    "/consultations/{int:pk}/documents",
    response={201: list[Document], **REFUSALS},
    summary="Attach documents (DCE) to a draft, all of them or none",
)
def own_attach(request, pk: int, files: File[list[UploadedFile]]):
    consultation = managed_consultation(request.user, pk, "add_document")
    try:
        documents = actions.add_documents(request.user, consultation, files)
    except ValidationError as error:
        raise ValidationError({"files": error.messages}) from None
    return Status(201, [document(consultation, d) for d in documents])


@router.post(
    "/consultations/{int:pk}/publish",
    response={200: OwnConsultation, **REFUSALS},
    summary="Publish a draft, or learn every rule it fails",
)
def own_publish(request, pk: int):
    consultation = managed_consultation(request.user, pk, "publish")
    try:
        consultation = actions.publish(request.user, consultation)
    except actions.PublicationRefused as refusal:
        failures = [{"rule": f.rule, "message": f.message} for f in refusal.failures]
        detail = " ".join(f.message for f in refusal.failures)
        return Status(422, {"detail": detail, "errors": failures})
    return own_detail(consultation)
