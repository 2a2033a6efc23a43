"""The operator's trust page: imported trusted lists and accepted authorities."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from mutualis.trust import store
from mutualis.trust.access import can_manage_trust
from mutualis.trust.models import AcceptedAuthority

# A CA certificate is a few kilobytes; anything much larger is not one.
MAX_CERTIFICATE_SIZE = 64 * 1024


class AuthorityForm(forms.Form):
    certificate = forms.FileField(
        label=gettext_lazy("CA certificate (PEM or DER)"),
        help_text=gettext_lazy("A .pem, .crt, .cer or .der file."),
    )
    note = forms.CharField(
        label=gettext_lazy("Why it is accepted"),
        max_length=500,
        help_text=gettext_lazy("For instance: partner region X."),
    )

    def clean_certificate(self):
        upload = self.cleaned_data["certificate"]
        if upload.size > MAX_CERTIFICATE_SIZE:
            raise ValidationError(_("This file is too large to be a certificate."))
        return upload.read()


def _operator(request):
    if not can_manage_trust(request.user):
        raise PermissionDenied(_("Only the platform's administrators manage trust."))


@login_required
def trust_page(request):
    _operator(request)
    form = AuthorityForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            authority = store.accept_authority(
                request.user,
                form.cleaned_data["certificate"],
                form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_error("certificate", error)
        else:
            messages.success(
                request,
                _("%(subject)s is now accepted.") % {"subject": authority.subject},
            )
            return redirect("web:operator-trust")
    context = {
        # The EU list of trusted lists first, then the national ones.
        "lists": sorted(
            store.current_lists(), key=lambda tl: (not tl.is_lotl, tl.territory)
        ),
        "authorities": AcceptedAuthority.objects.select_related("added_by"),
        "form": form,
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "web/trust/trust.html", context, status=status)


@require_POST
@login_required
def authority_withdraw(request, pk):
    _operator(request)
    authority = get_object_or_404(AcceptedAuthority, pk=pk)
    try:
        store.withdraw_authority(request.user, authority)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(subject)s is no longer accepted.") % {"subject": authority.subject},
        )
    return redirect("web:operator-trust")


urlpatterns = [
    path("operator/trust/", trust_page, name="operator-trust"),
    path(
        "operator/trust/authorities/<int:pk>/withdraw/",
        authority_withdraw,
        name="operator-trust-withdraw",
    ),
]
