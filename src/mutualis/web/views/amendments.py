"""Amendments: the buyer publishes one; everyone reads their history and downloads
the previous versions of the documents."""

import mimetypes

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from mutualis.core.time import WallClockError, to_local, to_utc
from mutualis.tenders import access, amendments, dce
from mutualis.web.forms_tenders import MultipleFileField, WallClockField
from mutualis.web.views.buyer import apply_errors
from mutualis.web.views.portal import download_organisation

DEADLINES = amendments.DEADLINES


class AmendmentForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for the amendment"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=amendments.REASON_MAX_LENGTH,
        help_text=gettext_lazy("Published with the amendment, and sent by mail."),
    )
    files = MultipleFileField(
        label=gettext_lazy("New or replacing documents"),
        required=False,
        help_text=gettext_lazy(
            "A file named as a current document replaces it; the replaced one stays "
            "downloadable as a previous version."
        ),
    )
    withdrawn = forms.MultipleChoiceField(
        label=gettext_lazy("Documents to withdraw"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    questions_deadline = WallClockField(
        label=gettext_lazy("Deadline for questions"),
        required=False,
        help_text=gettext_lazy("Date and time in the consultation's time zone."),
    )
    submission_deadline = WallClockField(
        label=gettext_lazy("Deadline for bids"),
        required=False,
        help_text=gettext_lazy("Date and time in the consultation's time zone."),
    )

    def __init__(self, *args, consultation, **kwargs):
        self.consultation = consultation
        initial = {
            name: to_local(getattr(consultation, name), consultation.time_zone).replace(
                tzinfo=None
            )
            for name in DEADLINES
            if getattr(consultation, name)
        }
        super().__init__(*args, initial=initial, **kwargs)
        names = consultation.documents.values_list("name", flat=True)
        self.fields["withdrawn"].choices = [(name, name) for name in names]

    def clean(self):
        data = super().clean()
        for name in DEADLINES:
            local = data.get(name)
            if local is None:
                continue
            try:
                data[name] = to_utc(local, self.consultation.time_zone)
            except WallClockError as error:
                self.add_error(name, str(error))
        return data


@login_required
def amendment_create(request, pk):
    consultation = access.consultation_for(request.user, pk)
    refusal = amendments.amend_refusal(request.user, consultation)
    if refusal:
        raise PermissionDenied(refusal)
    form = AmendmentForm(
        request.POST or None, request.FILES or None, consultation=consultation
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            amendment = amendments.publish_amendment(
                request.user,
                consultation,
                reason=data["reason"],
                uploads=data["files"],
                withdrawn=data["withdrawn"],
                **{name: data[name] for name in DEADLINES},
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("Amendment %(number)s is published.") % {"number": amendment.number},
            )
            return redirect("web:consultation-detail", consultation.pk)
    context = {"c": consultation, "form": form}
    status = 400 if form.errors else 200
    return render(request, "web/amendments/new.html", context, status=status)


@require_GET
def previous_download(request, pk, previous_pk):
    consultation = access.consultation_for(request.user, pk, "download")
    previous = consultation.previous_documents.filter(pk=previous_pk).first()
    if previous is None:
        raise Http404(_("No such document."))
    source = dce.open_document(previous)
    amendments.record_previous_download(
        request.user, previous, download_organisation(request)
    )
    content_type = mimetypes.guess_type(previous.name)[0] or "application/octet-stream"
    response = FileResponse(source, content_type=content_type)
    response["Content-Disposition"] = dce.content_disposition(previous.name)
    response["Content-Length"] = str(previous.size)
    return response


urlpatterns = [
    path(
        "buyer/consultations/<int:pk>/amendments/new/",
        amendment_create,
        name="amendment-create",
    ),
    path(
        "consultations/<int:pk>/previous-documents/<int:previous_pk>/",
        previous_download,
        name="previous-document-download",
    ),
]
