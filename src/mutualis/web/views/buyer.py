"""The buyer's pages: drafting consultations, their lots and documents, publishing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mutualis.accounts.access import buyer_organisations
from mutualis.bids import access as bids_access
from mutualis.tenders import access, actions, rules
from mutualis.tenders.models import Phase, language_name
from mutualis.web.forms_tenders import (
    ConsultationForm,
    DocumentUploadForm,
    LotForm,
    TextForm,
)


def apply_errors(form, error):
    """Put a ValidationError from an action on the form fields it names."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@login_required
def consultations(request):
    user = request.user
    followed = access.followed_consultations(user).select_related("buyer")
    by_phase = {phase: [] for phase in Phase}
    for consultation in followed.order_by("-created_at"):
        by_phase[consultation.phase].append(
            {
                "c": consultation,
                "can_edit": access.can_edit(user, consultation),
                "can_see_downloads": access.can_see_download_register(
                    user, consultation
                ),
                "can_see_bids": bids_access.register_refusal(user, consultation)
                is None,
            }
        )
    context = {
        "groups": [(phase, items) for phase, items in by_phase.items() if items],
        "can_create": buyer_organisations(request.user).exists(),
    }
    return render(request, "web/buyer/consultations.html", context)


@login_required
def consultation_create(request):
    buyers = buyer_organisations(request.user)
    if not buyers.exists():
        raise PermissionDenied(_("You do not work for a public buyer."))
    form = ConsultationForm(request.POST or None, buyers=buyers)
    if request.method == "POST" and form.is_valid():
        try:
            consultation = actions.create_draft(
                request.user, form.cleaned_data["buyer"], **form.draft_fields()
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The draft is saved."))
            return redirect("web:consultation-edit", consultation.pk)
    status = 400 if form.errors else 200
    return render(
        request, "web/buyer/consultation_create.html", {"form": form}, status=status
    )


@login_required
def consultation_edit(request, pk):
    consultation = access.consultation_for(request.user, pk, "edit")
    form = ConsultationForm(request.POST or None, consultation=consultation)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_draft(request.user, consultation, **form.draft_fields())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The draft is saved."))
            return redirect("web:consultation-edit", consultation.pk)
    return render_edit(request, consultation, form=form)


def render_edit(
    request, consultation, form=None, upload_form=None, text_form=None, refused=None
):
    consultation.refresh_from_db()
    language = request.GET.get("language", "")
    context = {
        "c": consultation,
        "form": form or ConsultationForm(consultation=consultation),
        "upload_form": upload_form or DocumentUploadForm(),
        "text_form": text_form or TextForm.for_text(consultation, language),
        "texts": consultation.texts.all(),
        "documents": consultation.documents.all(),
        "lots": consultation.lots.select_related("main_cpv"),
        "allowed_procedures": rules.allowed_procedures(consultation),
        "pending": rules.check_publication(consultation),
        "refused": refused,
    }
    status = 400 if refused or (form and form.errors) else 200
    if any(f is not None and f.errors for f in (upload_form, text_form)):
        status = 400
    return render(request, "web/buyer/consultation_edit.html", context, status=status)


@login_required
def lot_create(request, pk):
    consultation = access.consultation_for(request.user, pk, "edit")
    next_number = consultation.lots.count() + 1
    form = LotForm(request.POST or None, initial={"number": next_number})
    if request.method == "POST" and form.is_valid():
        try:
            actions.add_lot(request.user, consultation, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return redirect(edit_url(consultation, "lots"))
    return render_lot(request, consultation, form, lot=None)


@login_required
def lot_edit(request, pk, lot_pk):
    consultation = access.consultation_for(request.user, pk, "edit")
    lot = access.lot_for(request.user, consultation, lot_pk)
    form = LotForm.for_lot(lot, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_lot(request.user, lot, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return redirect(edit_url(consultation, "lots"))
    return render_lot(request, consultation, form, lot=lot)


def render_lot(request, consultation, form, lot):
    context = {"c": consultation, "form": form, "lot": lot}
    status = 400 if form.errors else 200
    return render(request, "web/buyer/lot_form.html", context, status=status)


@login_required
@require_POST
def lot_remove(request, pk, lot_pk):
    consultation = access.consultation_for(request.user, pk, "edit")
    lot = access.lot_for(request.user, consultation, lot_pk)
    actions.remove_lot(request.user, lot)
    messages.success(request, _("Lot %(number)s is removed.") % {"number": lot.number})
    return redirect(edit_url(consultation, "lots"))


@login_required
@require_POST
def text_save(request, pk):
    consultation = access.consultation_for(request.user, pk, "edit")
    form = TextForm(request.POST, consultation=consultation)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.set_text(
                request.user,
                consultation,
                data["language"],
                title=data["title"],
                description=data["description"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            name = language_name(data["language"])
            messages.success(
                request, _("The text in %(language)s is saved.") % {"language": name}
            )
            return redirect(edit_url(consultation, "languages"))
    return render_edit(request, consultation, text_form=form)


@login_required
@require_POST
def text_remove(request, pk, language):
    consultation = access.consultation_for(request.user, pk, "edit")
    actions.remove_text(request.user, consultation, language)
    name = language_name(language)
    messages.success(
        request, _("The text in %(language)s is removed.") % {"language": name}
    )
    return redirect(edit_url(consultation, "languages"))


@login_required
@require_POST
def document_upload(request, pk):
    consultation = access.consultation_for(request.user, pk, "add_document")
    form = DocumentUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            documents = actions.add_documents(
                request.user, consultation, form.cleaned_data["files"]
            )
        except ValidationError as error:
            form.add_error("files", error)
        else:
            names = ", ".join(document.name for document in documents)
            messages.success(request, _("Attached: %(names)s.") % {"names": names})
            return redirect(edit_url(consultation, "documents"))
    return render_edit(request, consultation, upload_form=form)


@login_required
@require_POST
def document_remove(request, pk, document_pk):
    consultation = access.consultation_for(request.user, pk, "remove_document")
    document = access.document_for(request.user, consultation, document_pk)
    actions.remove_document(request.user, document)
    messages.success(request, _("%(name)s is removed.") % {"name": document.name})
    return redirect(edit_url(consultation, "documents"))


@login_required
@require_POST
def consultation_publish(request, pk):
    consultation = access.consultation_for(request.user, pk, "publish")
    try:
        actions.publish(request.user, consultation)
    except actions.PublicationRefused as refusal:
        return render_edit(request, consultation, refused=refusal.failures)
    messages.success(request, _("The consultation is published."))
    return redirect("web:consultation-detail", consultation.pk)


@login_required
@require_POST
def consultation_cancel(request, pk):
    consultation = access.consultation_for(request.user, pk, "cancel")
    actions.cancel(request.user, consultation)
    messages.success(request, _("The consultation is cancelled."))
    return redirect("web:buyer-consultations")


@login_required
def download_register(request, pk):
    consultation = access.consultation_for(request.user, pk, "download_register")
    downloads = consultation.downloads.select_related("user", "organisation")
    downloads = downloads.order_by("-at")
    totals = downloads.aggregate(
        total=Count("pk"), anonymous=Count("pk", filter=Q(user__isnull=True))
    )
    context = {"c": consultation, "downloads": downloads, "totals": totals}
    return render(request, "web/buyer/download_register.html", context)


def edit_url(consultation, anchor):
    return f"{reverse('web:consultation-edit', args=[consultation.pk])}#{anchor}"


urlpatterns = [
    path("buyer/", consultations, name="buyer-consultations"),
    path("buyer/consultations/new/", consultation_create, name="consultation-create"),
    path(
        "buyer/consultations/<int:pk>/edit/",
        consultation_edit,
        name="consultation-edit",
    ),
    path("buyer/consultations/<int:pk>/lots/new/", lot_create, name="lot-create"),
    path(
        "buyer/consultations/<int:pk>/lots/<int:lot_pk>/",
        lot_edit,
        name="lot-edit",
    ),
    path(
        "buyer/consultations/<int:pk>/lots/<int:lot_pk>/remove/",
        lot_remove,
        name="lot-remove",
    ),
    path("buyer/consultations/<int:pk>/texts/", text_save, name="text-save"),
    path(
        "buyer/consultations/<int:pk>/texts/<str:language>/remove/",
        text_remove,
        name="text-remove",
    ),
    path(
        "buyer/consultations/<int:pk>/documents/",
        document_upload,
        name="document-upload",
    ),
    path(
        "buyer/consultations/<int:pk>/documents/<int:document_pk>/remove/",
        document_remove,
        name="document-remove",
    ),
    path(
        "buyer/consultations/<int:pk>/publish/",
        consultation_publish,
        name="consultation-publish",
    ),
    path(
        "buyer/consultations/<int:pk>/cancel/",
        consultation_cancel,
        name="consultation-cancel",
    ),
    path(
        "buyer/consultations/<int:pk>/downloads/",
        download_register,
        name="download-register",
    ),
]
