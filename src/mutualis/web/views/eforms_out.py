"""A public consultation's eForms notices, as XML for TED and other platforms."""

from django.http import Http404, HttpResponse
from django.urls import path
from django.utils.translation import gettext as _

from mutualis.exchange.eforms_out import award_notice, contract_notice
from mutualis.tenders.models import PUBLIC_STATES, Consultation, State


def contract_notice_xml(request, pk):
    consultation = _public(pk, PUBLIC_STATES)
    return _xml(contract_notice(consultation), f"{consultation.pk}-cn.xml")


def award_notice_xml(request, pk):
    consultation = _public(pk, [State.AWARDED])
    return _xml(award_notice(consultation), f"{consultation.pk}-can.xml")


def _public(pk, states):
    # Only what the portal shows: a draft stays unknown, even to its buyer, here;
    # a followed platform's call is its publisher's to notify.
    consultation = (
        Consultation.objects.filter(pk=pk, state__in=states, followed__isnull=True)
        .select_related("buyer__nuts", "main_cpv")
        .first()
    )
    if consultation is None:
        raise Http404(_("No such consultation."))
    return consultation


def _xml(data, filename):
    response = HttpResponse(data, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


urlpatterns = [
    path(
        "consultations/<int:pk>/eforms.xml",
        contract_notice_xml,
        name="consultation-eforms",
    ),
    path(
        "consultations/<int:pk>/eforms-can.xml",
        award_notice_xml,
        name="consultation-eforms-can",
    ),
]
