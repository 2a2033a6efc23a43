"""Vault pages: a business's documents, kept once and added to bids from the vault."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mutualis.vault import access, actions, storage
from mutualis.vault.models import DocumentType

TEMPLATES = "web/vault/"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self):
        super().__init__(format="%Y-%m-%d")


class VersionForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File"))
    valid_from = forms.DateField(
        label=gettext_lazy("Valid from"), required=False, widget=DateInput()
    )
    valid_until = forms.DateField(
        label=gettext_lazy("Valid until"),
        required=False,
        widget=DateInput(),
        help_text=gettext_lazy(
            "The last day the document is valid; you are reminded before it."
        ),
    )


class DocumentForm(VersionForm):
    kind = forms.ChoiceField(label=gettext_lazy("Type"), choices=DocumentType.choices)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)

    field_order = ["kind", "title", "file", "valid_from", "valid_until"]


@login_required
def vault_home(request):
    businesses = list(access.vault_businesses(request.user))
    if len(businesses) == 1:
        return redirect("web:vault-business", businesses[0].pk)
    return render(request, TEMPLATES + "home.html", {"businesses": businesses})


@login_required
def vault_business(request, pk):
    business = access.business_for(request.user, pk)
    can_manage = access.can_manage(request.user, business)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.upload_document(
                request.user,
                business,
                data["kind"],
                data["title"],
                data["file"],
                data["valid_from"],
                data["valid_until"],
            )
        except ValidationError as error:
            _add_error(form, error)
        else:
            messages.success(request, _("The document is in the vault."))
            return redirect("web:vault-business", business.pk)
    return render(
        request,
        TEMPLATES + "business.html",
        {
            "business": business,
            "documents": _listed(request.user, business),
            "form": form if can_manage else None,
            "can_manage": can_manage,
        },
        status=400 if form.errors else 200,
    )


def _listed(user, business):
    today = access.today_of(business)
    documents = list(access.documents_of(user, business).prefetch_related("versions"))
    for document in documents:
        document.expired = document.current.is_expired(today)
        document.not_yet_valid = not document.expired and not (
            document.current.is_valid(today)
        )
        document.earlier = [v for v in document.versions.all() if v != document.current]
    return documents


def _add_error(form, error):
    field = {"title": "title", "kind": "kind", "dates": "valid_until"}
    form.add_error(field.get(error.code, "file"), error)


@login_required
def vault_replace(request, pk):
    document = access.document_for(request.user, pk)
    access.require_manage(request.user, document.business)
    form = VersionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.replace_document(
                request.user,
                document,
                data["file"],
                data["valid_from"],
                data["valid_until"],
            )
        except ValidationError as error:
            _add_error(form, error)
        else:
            messages.success(request, _("The new version replaces the earlier one."))
            return redirect("web:vault-business", document.business_id)
    return render(
        request,
        TEMPLATES + "replace.html",
        {"document": document, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def vault_delete(request, pk):
    document = access.document_for(request.user, pk)
    access.require_manage(request.user, document.business)
    if request.method == "POST":
        actions.delete_document(request.user, document)
        messages.success(
            request,
            _("“%(title)s” was deleted from the vault.") % {"title": document.title},
        )
        return redirect("web:vault-business", document.business_id)
    return render(request, TEMPLATES + "delete.html", {"document": document})


@login_required
def vault_file(request, pk):
    """A version's file, for its business's members only; the deposit page fetches
    it to seal it in the browser with the bid."""
    # TODO(vault-cli): `mutualis deposit` cannot add vault documents yet; it needs
    # this view to accept a personal API token, and the tool to fetch and seal.
    version = access.version_for(request.user, pk)
    response = FileResponse(
        storage.open_stored(version.stored_as),
        as_attachment=True,
        filename=version.name,
        content_type="application/octet-stream",
    )
    response["Cache-Control"] = "no-store"
    return response


urlpatterns = [
    path("business/vault/", vault_home, name="vault"),
    path("business/<int:pk>/vault/", vault_business, name="vault-business"),
    path(
        "business/vault/documents/<int:pk>/replace/",
        vault_replace,
        name="vault-replace",
    ),
    path(
        "business/vault/documents/<int:pk>/delete/", vault_delete, name="vault-delete"
    ),
    path("business/vault/versions/<int:pk>/file", vault_file, name="vault-file"),
]
