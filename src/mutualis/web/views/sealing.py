"""Sealing pages: openers' keys, a draft's opening commission, sealing.json."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from mutualis.bids import access, actions, sealing
from mutualis.tenders.access import consultation_for


class KeyForm(forms.Form):
    buyer = forms.ModelChoiceField(
        label=gettext_lazy("Buyer"), queryset=None, empty_label=None
    )
    recipient = forms.CharField(
        label=gettext_lazy("Recipient (age1…)"),
        max_length=100,
        help_text=gettext_lazy(
            "The public key that `mutualis keygen` or the key page printed; never "
            "the secret key."
        ),
    )
    label = forms.CharField(
        label=gettext_lazy("Label"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("Where this key lives, e.g. “office laptop”."),
    )

    def __init__(self, *args, buyers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["buyer"].queryset = buyers


@login_required
def opener_keys(request):
    buyers = access.key_buyers(request.user)
    form = KeyForm(request.POST or None, buyers=buyers)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.register_key(
                request.user, data["buyer"], data["recipient"].strip(), data["label"]
            )
        except ValidationError as error:
            form.add_error("recipient", error)
        else:
            messages.success(request, _("The key is registered."))
            return redirect("web:opener-keys")
    keys = access.own_keys(request.user).select_related("buyer")
    status = 400 if form.errors else 200
    return render(
        request,
        "web/sealing/opener_keys.html",
        {"form": form, "keys": keys, "can_register": buyers.exists()},
        status=status,
    )


@require_POST
@login_required
def opener_key_revoke(request, pk):
    key = access.own_key(request.user, pk)
    actions.revoke_key(request.user, key)
    messages.success(request, _("The key is revoked."))
    return redirect("web:opener-keys")


class CommissionForm(forms.Form):
    keys = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Opener keys"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one opener key.")},
    )
    threshold = forms.IntegerField(
        label=gettext_lazy("Openers needed to open"),
        min_value=1,
        help_text=gettext_lazy(
            "How many of the chosen openers must hand over their share to open a bid."
        ),
    )

    def __init__(self, *args, buyer, **kwargs):
        super().__init__(*args, **kwargs)
        keys = access.current_keys(buyer).select_related("user").order_by("pk")
        self.fields["keys"].queryset = keys
        self.fields["keys"].label_from_instance = _key_label


def _key_label(key):
    label = f" — {key.label}" if key.label else ""
    return f"{key.user.full_name}{label} ({key.recipient[:12]}…{key.recipient[-6:]})"


@login_required
def consultation_commission(request, pk):
    consultation = consultation_for(request.user, pk)
    refusal = access.commission_refusal(request.user, consultation)
    if refusal:
        raise PermissionDenied(refusal)
    form = CommissionForm(
        request.POST or None,
        buyer=consultation.buyer,
        initial=_commission_initial(consultation),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.set_commission(
                request.user, consultation, data["keys"], data["threshold"]
            )
        except ValidationError as error:
            field = "threshold" if error.code == "threshold" else "keys"
            form.add_error(field, error)
        else:
            messages.success(request, _("The opening commission is saved."))
            return redirect("web:consultation-edit", consultation.pk)
    return render(
        request,
        "web/sealing/commission.html",
        {
            "c": consultation,
            "form": form,
            "has_keys": form.fields["keys"].queryset.exists(),
        },
        status=400 if form.errors else 200,
    )


def _commission_initial(consultation):
    commission = getattr(consultation, "opening_commission", None)
    if commission is None:
        return {"threshold": 1}
    return {"keys": list(commission.keys.all()), "threshold": commission.threshold}


def consultation_sealing(request, pk):
    """What a bidder's client needs to seal a bid: public keys only."""
    consultation = consultation_for(request.user, pk)
    info = (
        sealing.sealing_info(consultation)
        if access.can_see_sealing(request.user, consultation)
        else None
    )
    if info is None:
        raise Http404(_("This consultation has no opening commission."))
    return JsonResponse(info, json_dumps_params={"ensure_ascii": False})


urlpatterns = [
    path("me/opener-keys/", opener_keys, name="opener-keys"),
    path(
        "me/opener-keys/<int:pk>/revoke/", opener_key_revoke, name="opener-key-revoke"
    ),
    path(
        "buyer/consultations/<int:pk>/commission/",
        consultation_commission,
        name="consultation-commission",
    ),
    path(
        "consultations/<int:pk>/sealing.json",
        consultation_sealing,
        name="consultation-sealing",
    ),
]
