"""The public JSON API (django-ninja): consultations, lots, documents, notices, awards.

Only what the portal shows anyone is here: the public consultations
(`tenders.search.public_consultations`), read without an account. Labels of
CPV and NUTS codes come in the language the reader asks for (Accept-Language).
The OpenAPI 3 schema is at /api/v1/openapi.json, its reference at /api/v1/docs;
the buyers' and bidders' endpoints, with a token, are in buyer.py and deposits.py.
"""

import contextlib
import datetime as dt
from decimal import Decimal

from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query, Schema
from ninja.errors import HttpError
from pydantic import Field

from mutualis.api.auth import Error, install_error_handlers
from mutualis.core import cursors
from mutualis.core.addresses import absolute_url
from mutualis.exchange import ocds
from mutualis.tenders.models import Award as AwardRow
from mutualis.tenders.models import State
from mutualis.tenders.search import public_consultations

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200

api = NinjaAPI(
    title="Mutualis",
    version="1",
    description=(
        "The public consultations of a Mutualis platform, with their lots, "
        "documents, notices and awards; with an organisation's API token "
        "(Authorization: Bearer), a buyer's drafts and publication, and a "
        "business's sealed deposits."
    ),
    urls_namespace="api",
)
install_error_handlers(api)


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
    platform: str | None = Field(
        description="the other platform of the network it comes from (portal "
        "mode); none for this platform's own"
    )
    url: str = Field(
        description="the page where it is answered: here, or on its own platform"
    )


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
    notices: Notices | None = Field(
        description="none for another platform's call: its own platform publishes it"
    )
    awards: list[Award]


class ConsultationPage(Schema):
    results: list[ConsultationSummary]
    next: str | None = Field(
        description="the address of the next page; none at the end for now"
    )


def code(item):
    return {"code": item.code, "label": item.label()} if item is not None else None


def organisation(item):
    return {"id": item.pk, "name": item.name}


def summary(c):
    followed = c.followed_from
    return {
        "id": c.pk,
        "ocid": followed.ocid if followed else ocds.ocid(c),
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
        "platform": followed.source.name if followed else None,
        "url": followed.origin_url
        if followed
        else absolute_url(reverse("web:consultation-detail", args=[c.pk])),
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
        "lots": [lot(x) for x in c.lots.select_related("main_cpv").order_by("number")],
        "documents": [document(c, d) for d in c.documents.order_by("pk")],
        "notices": None if c.followed_from else notices(c, awards),
        "awards": [award(a) for a in awards],
    }


def notices(c, awards):
    return {
        "eforms_contract_notice": absolute_url(
            reverse("web:consultation-eforms", args=[c.pk])
        ),
        "eforms_award_notice": absolute_url(
            reverse("web:consultation-eforms-can", args=[c.pk])
        )
        if awards
        else None,
        "ocds_record": absolute_url(reverse("web:ocds-record", args=[ocds.ocid(c)])),
    }


def lot(item):
    return {
        "number": item.number,
        "title": item.title,
        "description": item.description,
        "estimated_value": item.estimated_value,
        "main_cpv": code(item.main_cpv),
    }


def document(consultation, item):
    return {
        "id": item.pk,
        "name": item.name,
        "size": item.size,
        "content_type": item.content_type,
        "url": absolute_url(
            reverse("web:document-download", args=[consultation.pk, item.pk])
        ),
    }


def award(item):
    return {
        "lot": item.lot.number if item.lot else None,
        "winner": organisation(item.winner),
        "value": item.value,
        "currency": item.currency,
        "decided_on": item.decided_on,
    }


def after(queryset, cursor, moment="published_at"):
    """The items of `queryset` after `cursor`, by (`moment`, id).

    An item published meanwhile sorts after every item already given, so it
    comes at the end instead of shifting the pages; none is seen twice.
    """
    queryset = queryset.order_by(moment, "pk")
    if cursor is None:
        return queryset
    at, pk = cursors.decode(cursor, 1)
    return queryset.filter(Q(**{f"{moment}__gt": at}) | Q(**{moment: at, "pk__gt": pk}))


def listed():
    published = public_consultations().filter(published_at__isnull=False)
    return published.select_related("buyer", "main_cpv", "followed__source")


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
    with bad_cursor_refused():
        rows = list(after(listed(), cursor).prefetch_related("nuts")[: limit + 1])
    rows, following = page(
        rows, limit, lambda c: (c.published_at, c.pk), "api:consultation_list"
    )
    return {"results": [summary(c) for c in rows], "next": following}


@contextlib.contextmanager
def bad_cursor_refused():
    try:
        yield
    except cursors.BadCursor:
        raise HttpError(400, _("This cursor is not one of this list's.")) from None


def page(rows, limit, key, url_name):
    """The first `limit` of `rows` (fetch one more) and the next page's address.

    `key` gives an item's sort key, which the next page's cursor carries.
    """
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    token = cursors.encode(*key(rows[-1]))
    return rows, absolute_url(f"{reverse(url_name)}?cursor={token}&limit={limit}")


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


class AwardItem(Award):
    consultation: int
    ocid: str
    awarded_at: dt.datetime
    award_notice: str = Field(description="the eForms contract award notice")


class AwardPage(Schema):
    results: list[AwardItem]
    next: str | None = Field(description="the next page's address; none at the end")


def awarded():
    public = public_consultations().filter(
        state=State.AWARDED, awarded_at__isnull=False
    )
    return AwardRow.objects.filter(consultation__in=public).select_related(
        "consultation", "lot", "winner"
    )


@api.get(
    "/awards",
    response={200: AwardPage, 400: Error},
    summary="The awards of awarded consultations, oldest award first",
)
def award_list(
    request,
    cursor: str | None = Query(None, description="from a page's `next`"),
    limit: int = Query(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE),
):
    # By the consultation's award instant: an award made meanwhile comes last.
    with bad_cursor_refused():
        rows = list(after(awarded(), cursor, "consultation__awarded_at")[: limit + 1])
    rows, following = page(
        rows,
        limit,
        lambda a: (a.consultation.awarded_at, a.pk),
        "api:award_list",
    )
    return {"results": [award_item(a) for a in rows], "next": following}


def award_item(item):
    consultation = item.consultation
    return {
        **award(item),
        "consultation": consultation.pk,
        "ocid": ocds.ocid(consultation),
        "awarded_at": consultation.awarded_at,
        "award_notice": absolute_url(
            reverse("web:consultation-eforms-can", args=[consultation.pk])
        ),
    }


class Notice(Schema):
    kind: str = Field(description="contract-notice or award-notice")
    consultation: int
    ocid: str
    reference: str
    title: str
    buyer: Organisation
    published_at: dt.datetime
    eforms: str = Field(description="the eForms notice (XML)")
    ocds: str = Field(description="the consultation's OCDS record (JSON)")


class NoticePage(Schema):
    results: list[Notice]
    next: str | None = Field(description="the next page's address; none at the end")


def notified():
    """The consultations whose notices this platform publishes: not those of the
    platforms it follows."""
    return listed().filter(followed__isnull=True)


# Each kind of notice: its rank among notices of one instant, the consultations
# that have one, the instant it was published and its eForms address.
NOTICE_KINDS = [
    ("contract-notice", notified, "published_at", "web:consultation-eforms"),
    (
        "award-notice",
        lambda: notified().filter(state=State.AWARDED, awarded_at__isnull=False),
        "awarded_at",
        "web:consultation-eforms-can",
    ),
]


def notices_after(moment, rank, pk, limit):
    """Up to `limit` notices strictly after (moment, rank, pk), in that order."""
    found = []
    for kind_rank, (kind, consultations, instant, url_name) in enumerate(NOTICE_KINDS):
        rows = consultations().order_by(instant, "pk")
        if moment is not None:
            later = Q(**{f"{instant}__gt": moment})
            if kind_rank > rank:
                later |= Q(**{instant: moment})
            elif kind_rank == rank:
                later |= Q(**{instant: moment, "pk__gt": pk})
            rows = rows.filter(later)
        for c in rows[:limit]:
            found.append(((getattr(c, instant), kind_rank, c.pk), kind, url_name, c))
    found.sort(key=lambda item: item[0])
    return found[:limit]


@api.get(
    "/notices",
    response={200: NoticePage, 400: Error},
    summary="The published notices (eForms CN and CAN, OCDS), oldest first",
)
def notice_list(
    request,
    cursor: str | None = Query(None, description="from a page's `next`"),
    limit: int = Query(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE),
):
    moment, rank, pk = None, 0, 0
    if cursor is not None:
        with bad_cursor_refused():
            moment, rank, pk = cursors.decode(cursor, 2)
    rows, following = page(
        notices_after(moment, rank, pk, limit + 1),
        limit,
        lambda item: item[0],
        "api:notice_list",
    )
    return {"results": [notice(*item) for item in rows], "next": following}


def notice(key, kind, url_name, consultation):
    return {
        "kind": kind,
        "consultation": consultation.pk,
        "ocid": ocds.ocid(consultation),
        "reference": consultation.reference,
        "title": consultation.title,
        "buyer": organisation(consultation.buyer),
        "published_at": key[0],
        "eforms": absolute_url(reverse(url_name, args=[consultation.pk])),
        "ocds": absolute_url(
            reverse("web:ocds-record", args=[ocds.ocid(consultation)])
        ),
    }
