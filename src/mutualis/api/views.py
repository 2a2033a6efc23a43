"""The public JSON API (django-ninja): consultations, lots, documents, notices, awards.

Only what the portal shows anyone is here: the public consultations
(`tenders.search.public_consultations`), read without an account. Labels of
CPV and NUTS codes come in the language the reader asks for (Accept-Language).
The OpenAPI 3 schema is at /api/v1/openapi.json, its reference at /api/v1/docs.
"""

import datetime as dt
from decimal import Decimal

from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query, Schema
from ninja.errors import HttpError
from pydantic import Field

from mutualis.core import cursors
from mutualis.core.addresses import absolute_url
from mutualis.exchange import ocds
from mutualis.tenders.search import public_consultations

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200

api = NinjaAPI(
    title="Mutualis",
    version="1",
    description=(
        "The public consultations of a Mutualis platform, with their lots, "
        "documents, notices and awards."
    ),
    urls_namespace="api",
)


class Code(Schema):
    code: str
    label: str


class Organisation(Schema):
    id: int
    name: str


class Lot(Schema):
    number: int
    title: str
    description: str
    estimated_value: Decimal | None
    main_cpv: Code | None


class Document(Schema):
    id: int
    name: str
    size: int = Field(description="bytes")
    content_type: str
    url: str = Field(description="download address (an account may be asked)")


class Notices(Schema):
    eforms_contract_notice: str
    eforms_award_notice: str | None
    ocds_record: str


class Award(Schema):
    lot: int | None = Field(description="the lot's number; none for the whole")
    winner: Organisation
    value: Decimal | None
    currency: str
    decided_on: dt.date | None


class ConsultationSummary(Schema):
    id: int
    ocid: str
    reference: str
    title: str
    buyer: Organisation
    nature: str
    procedure: str
    state: str
    main_cpv: Code | None
    nuts: list[Code]
    published_at: dt.datetime | None
    questions_deadline: dt.datetime | None
    submission_deadline: dt.datetime | None
    url: str = Field(description="the consultation's page, to answer it")


class Consultation(ConsultationSummary):
    description: str
    language: str = Field(description="the main language")
    text_language: str = Field(
        description="the language of title and description: the reader's "
        "(Accept-Language) where the consultation is given in it, else the main one"
    )
    languages: list[str] = Field(
        description="every language of the title and description, the main first"
    )
    estimated_value: Decimal | None
    currency: str
    extra_cpv: list[Code]
    lots: list[Lot]
    documents: list[Document]
    notices: Notices
    awards: list[Award]


class ConsultationPage(Schema):
    results: list[ConsultationSummary]
    next: str | None = Field(
        description="the address of the next page; none at the end for now"
    )


class Error(Schema):
    detail: str


def code(item):
    return {"code": item.code, "label": item.label()} if item is not None else None


def organisation(item):
    return {"id": item.pk, "name": item.name}


def summary(c):
    return {
        "id": c.pk,
        "ocid": ocds.ocid(c),
        "reference": c.reference,
        "title": c.title,
        "buyer": organisation(c.buyer),
        "nature": c.nature,
        "procedure": c.procedure,
        "state": c.state,
        "main_cpv": code(c.main_cpv),
        "nuts": [code(n) for n in c.nuts.all()],
        "published_at": c.published_at,
        "questions_deadline": c.questions_deadline,
        "submission_deadline": c.submission_deadline,
        "url": absolute_url(reverse("web:consultation-detail", args=[c.pk])),
    }


def detail(c):
    awards = c.awards.select_related("winner", "lot")
    text = c.text_in()
    return {
        **summary(c),
        "title": text.title,
        "description": text.description,
        "language": c.language,
        "text_language": text.language,
        "languages": [t.language for t in c.all_texts()],
        "estimated_value": c.estimated_value,
        "currency": c.currency,
        "extra_cpv": [code(x) for x in c.extra_cpv.all()],
        "lots": [
            {
                "number": lot.number,
                "title": lot.title,
                "description": lot.description,
                "estimated_value": lot.estimated_value,
                "main_cpv": code(lot.main_cpv),
            }
            for lot in c.lots.select_related("main_cpv").order_by("number")
        ],
        "documents": [
            {
                "id": d.pk,
                "name": d.name,
                "size": d.size,
                "content_type": d.content_type,
                "url": absolute_url(
                    reverse("web:document-download", args=[c.pk, d.pk])
                ),
            }
            for d in c.documents.order_by("pk")
        ],
        "notices": {
            "eforms_contract_notice": absolute_url(
                reverse("web:consultation-eforms", args=[c.pk])
            ),
            "eforms_award_notice": absolute_url(
                reverse("web:consultation-eforms-can", args=[c.pk])
            )
            if awards
            else None,
            "ocds_record": absolute_url(
                reverse("web:ocds-record", args=[ocds.ocid(c)])
            ),
        },
        "awards": [
            {
                "lot": a.lot.number if a.lot else None,
                "winner": organisation(a.winner),
                "value": a.value,
                "currency": a.currency,
                "decided_on": a.decided_on,
            }
            for a in awards
        ],
    }


def after(queryset, cursor):
    """The consultations of `queryset` after `cursor`, by (publication, id).

    An item published meanwhile sorts after every item already given, so it
    comes at the end instead of shifting the pages; none is seen twice.
    """
    queryset = queryset.order_by("published_at", "pk")
    if cursor is None:
        return queryset
    moment, pk = cursors.decode(cursor, 1)
    return queryset.filter(
        Q(published_at__gt=moment) | Q(published_at=moment, pk__gt=pk)
    )


def listed():
    published = public_consultations().filter(published_at__isnull=False)
    return published.select_related("buyer", "main_cpv")


@api.get(
    "/consultations",
    response={200: ConsultationPage, 400: Error},
    summary="The public consultations, oldest publication first",
)
def consultation_list(
    request,
    cursor: str | None = Query(None, description="from a page's `next`"),
    limit: int = Query(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE),
):
    try:
        rows = list(after(listed(), cursor).prefetch_related("nuts")[: limit + 1])
    except cursors.BadCursor:
        raise HttpError(400, _("This cursor is not one of this list's.")) from None
    more = len(rows) > limit
    rows = rows[:limit]
    following = None
    if more:
        last = rows[-1]
        token = cursors.encode(last.published_at, last.pk)
        following = absolute_url(
            f"{reverse('api:consultation_list')}?cursor={token}&limit={limit}"
        )
    return {"results": [summary(c) for c in rows], "next": following}


@api.get(
    "/consultations/{int:pk}",
    response={200: Consultation, 404: Error},
    summary="One public consultation, with its lots, documents, notices and awards",
)
def consultation_detail(request, pk: int):
    consultation = listed().filter(pk=pk).prefetch_related("texts").first()
    if consultation is None:
        raise Http404(_("No such consultation."))
    return detail(consultation)
