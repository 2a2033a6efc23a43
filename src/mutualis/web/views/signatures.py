"""Checking one's signatures before depositing: a page, and the tool that needs no upload."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mutualis.bids.signatures import summary
from mutualis.trust.store import current_anchors
from mutualis.trust.validation import validate
from mutualis.trust.xades import validate_xades

# A file checked here is read into memory; larger ones are checked with the tool.
MAX_CHECK_SIZE = 50 * 1024 * 1024


class CheckForm(forms.Form):
    signed = forms.FileField(
        label=gettext_lazy("Signed file"),
        help_text=gettext_lazy(
            "A signed PDF, a signature (.p7s, .p7m) or a signed XML file."
        ),
    )
    content = forms.FileField(
        label=gettext_lazy("File the signature is about (for a .p7s or an XML file)"),
        required=False,
    )

    def clean(self):
        for name in ("signed", "content"):
            upload = self.cleaned_data.get(name)
            if upload is not None and upload.size > MAX_CHECK_SIZE:
                raise ValidationError(
                    _(
                        "“%(file)s” is larger than 50 MB: check it on your computer "
                        "with the command-line tool."
                    )
                    % {"file": upload.name}
                )
        return self.cleaned_data


@login_required
def check_signatures(request):
    form = CheckForm(request.POST or None, request.FILES or None)
    reports = None
    if request.method == "POST" and form.is_valid():
        reports = [summary(report.as_dict()) for report in _reports(form.cleaned_data)]
    return render(
        request,
        "web/signatures/check.html",
        {"form": form, "reports": reports},
        status=400 if request.method == "POST" and not form.is_valid() else 200,
    )


def _reports(data):
    signed, content = data["signed"], data.get("content")
    body = signed.read()
    detached = content.read() if content else None
    anchors = current_anchors()
    if signed.name.lower().endswith(".xml"):
        files = {content.name: detached} if content else {}
        return validate_xades(signed.name, body, detached=files, anchors=anchors)
    return validate(signed.name, body, detached=detached, anchors=anchors)


urlpatterns = [
    path("signatures/check/", check_signatures, name="check-signatures"),
]
