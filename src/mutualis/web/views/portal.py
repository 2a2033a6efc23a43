"""The public portal: finding consultations, reading them, downloading their DCE."""

import mimetypes

from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import path
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_safe

from mutualis.accounts.access import business_organisations
from mutualis.tenders import access, actions, dce
from mutualis.tenders.models import texts_in_reader_language
from mutualis.tenders.search import Criteria, no_results, search
from mutualis.web.forms_tenders import DownloadAsForm, SearchForm

PAGE_SIZE = 20
# Past this many results the list says "more than" and pages stop: an exact
# COUNT over hundreds of thousands of matches took longer than the rest of the page.
COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """A paginator that counts at most `cap` rows, and says whether there were more."""

    def __init__(self, object_list, per_page, cap):
        super().__init__(object_list, per_page)
        self.cap = cap

    @cached_property
    def counted(self):
        return self.object_list.count_up_to(self.cap + 1)

    @property
    def count(self):
        return min(self.counted, self.cap)

    @property
    def capped(self):
        return self.counted > self.cap


@require_safe
def consultation_list(request):
    form = SearchForm(request.GET or None)
    consultations = no_results()
    if not form.is_bound or form.is_valid():
        criteria = form.criteria() if form.is_bound else Criteria()
        consultations = search(criteria).select_related(
            "buyer", "main_cpv", "followed__source"
        )
        consultations = consultations.prefetch_related(texts_in_reader_language())
    paginator = CappedPaginator(consultations, PAGE_SIZE, COUNT_CAP)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request, "web/portal/consultation_list.html", {"form": form, "page": page}
    )


@require_safe
def consultation_detail(request, pk):
    consultation = access.consultation_for(request.user, pk)
    chosen = download_organisation(request, chosen_only=True)
    prefetch_related_objects([consultation], "texts")
    texts = consultation.all_texts()
    # ?lang= picks one of the texts; without it the reader's language, if given.
    asked = request.GET.get("lang", "")
    shown = next((t for t in texts if t.language == asked), consultation.text_in())
    context = {
        "c": consultation,
        "text": shown,
        "other_texts": [t for t in texts if t != shown],
        "lots": consultation.lots.select_related("main_cpv"),
        "documents": consultation.documents.all(),
        "extra_cpv": consultation.extra_cpv.all(),
        "nuts": consultation.nuts.all(),
        "awards": consultation.awards.select_related("winner", "lot"),
        "download_as": download_as_form(request, chosen),
        "organisation_query": f"?organisation={chosen.pk}" if chosen else "",
        "is_staff": access.is_buyer_staff(request.user, consultation),
    }
    return render(request, "web/portal/consultation_detail.html", context)


def download_as_form(request, chosen):
    if not request.user.is_authenticated:
        return None
    organisations = business_organisations(request.user)
    if organisations.count() < 2:
        return None
    return DownloadAsForm(organisations=organisations, initial={"organisation": chosen})


def download_organisation(request, chosen_only=False):
    """The business named by ?organisation= if it is the user's, else their only one."""
    chosen = request.GET.get("organisation", "")
    chosen = chosen if chosen.isdigit() else None
    if chosen_only and chosen is None:
        return None
    return access.download_organisation(request.user, chosen)


@require_GET
def document_download(request, pk, document_pk):
    consultation = access.consultation_for(request.user, pk, "download")
    document = access.document_for(request.user, consultation, document_pk)
    source = dce.open_document(document)
    actions.record_download(
        request.user, consultation, document, download_organisation(request)
    )
    content_type = mimetypes.guess_type(document.name)[0] or "application/octet-stream"
    response = FileResponse(source, content_type=content_type)
    response["Content-Disposition"] = dce.content_disposition(document.name)
    response["Content-Length"] = str(document.size)
    return response


@require_GET
def dce_zip(request, pk):
    consultation = access.consultation_for(request.user, pk, "download")
    documents = list(consultation.documents.all())
    if not documents:
        raise Http404(_("This consultation has no documents yet."))
    archive = dce.build_zip(consultation, documents)
    actions.record_download(
        request.user, consultation, None, download_organisation(request)
    )
    response = FileResponse(archive, content_type="application/zip")
    response["Content-Disposition"] = dce.content_disposition(
        dce.zip_name(consultation)
    )
    return response


urlpatterns = [
    path("consultations/", consultation_list, name="consultation-list"),
    path("consultations/<int:pk>/", consultation_detail, name="consultation-detail"),
    path(
        "consultations/<int:pk>/documents/<int:document_pk>/",
        document_download,
        name="document-download",
    ),
    path("consultations/<int:pk>/dce.zip", dce_zip, name="dce-zip"),
]
