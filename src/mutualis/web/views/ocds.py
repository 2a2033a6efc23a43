"""Open data in OCDS 1.1.5: the feed of every release, and each consultation's
releases and record. Only what the portal shows (and cancellations of what it
showed) is published; drafts never are."""

from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from mutualis.core import cursors
from mutualis.exchange import ocds, ocds_feed


def package_response(package):
    return JsonResponse(package, json_dumps_params={"ensure_ascii": False})


def error_response(message, status):
    return JsonResponse({"detail": message}, status=status)


def page_uri(cursor=None):
    uri = ocds.absolute(reverse("web:ocds-releases"))
    return f"{uri}?cursor={cursor}" if cursor else uri


@require_safe
def release_feed(request):
    cursor = request.GET.get("cursor") or None
    try:
        after = ocds_feed.decode_cursor(cursor) if cursor else None
    except cursors.BadCursor:
        return error_response(_("This cursor is not one this feed gave."), 400)
    events, more = ocds_feed.page(after)
    if not events:
        # A package holds at least one release; the last page gives no next link.
        return error_response(_("No release follows this cursor."), 404)
    package = ocds.release_package(ocds_feed.releases_of(events), page_uri(cursor))
    if more:
        package["links"] = {"next": page_uri(ocds_feed.encode_cursor(events[-1]))}
    return package_response(package)


def public_consultation(ocid):
    prefix = f"{settings.MUTUALIS_OCID_PREFIX}-"
    number = ocid.removeprefix(prefix)
    if not ocid.startswith(prefix) or not number.isdigit():
        raise Http404(_("No such contracting process."))
    consultation = (
        ocds.with_everything(ocds.public_consultations()).filter(pk=int(number)).first()
    )
    if consultation is None:
        raise Http404(_("No such contracting process."))
    return consultation


@require_safe
def consultation_releases(request, ocid):
    consultation = public_consultation(ocid)
    uri = ocds.absolute(request.path)
    return package_response(ocds.release_package(ocds.releases(consultation), uri))


@require_safe
def consultation_record(request, ocid):
    consultation = public_consultation(ocid)
    uri = ocds.absolute(request.path)
    return package_response(ocds.record_package([ocds.record(consultation)], uri))


def policy(request):
    return render(
        request, "web/ocds/policy.html", {"prefix": settings.MUTUALIS_OCID_PREFIX}
    )


urlpatterns = [
    path("ocds/", policy, name="ocds-policy"),
    path("ocds/releases/", release_feed, name="ocds-releases"),
    path(
        "ocds/releases/<str:ocid>/",
        consultation_releases,
        name="ocds-consultation-releases",
    ),
    path("ocds/records/<str:ocid>/", consultation_record, name="ocds-record"),
]
