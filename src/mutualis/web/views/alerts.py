"""A business user's saved searches (alerts), and the unsubscribe link of their mails."""

import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt

from mutualis.accounts.models import Organisation
from mutualis.alerts import access, actions
from mutualis.alerts.models import Frequency
from mutualis.tenders.models import Nature, Procedure
from mutualis.tenders.search import public_consultations
from mutualis.web.forms_tenders import (
    NUTS_FORMAT,
    CpvCodesField,
    split_codes,
    with_blank,
)

PLAIN_FIELDS = [
    "name",
    "keywords",
    "procedures",
    "nature",
    "min_value",
    "max_value",
    "frequency",
    "is_active",
]
SHORT_CPV = re.compile(r"^\d{2,7}$")


class AlertCpvField(CpvCodesField):
    """CPV codes as the portal takes them, or their first digits (4523 for 45230000)."""

    def clean(self, value):
        padded = [
            code.ljust(8, "0") if SHORT_CPV.match(code) else code
            for code in split_codes(value)
        ]
        return [cpv.code for cpv in super().clean(" ".join(padded))]


class AlertNutsField(forms.CharField):
    def clean(self, value):
        codes = [code.upper() for code in split_codes(super().clean(value))]
        wrong = [code for code in codes if not NUTS_FORMAT.match(code)]
        if wrong:
            raise ValidationError(
                _("Not a NUTS code (as FR, FRC1 or FRC11): %(codes)s."),
                params={"codes": ", ".join(wrong)},
            )
        return list(dict.fromkeys(codes))


class AlertForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name of the alert"), max_length=200)
    keywords = forms.CharField(
        label=gettext_lazy("Words"),
        required=False,
        max_length=300,
        help_text=gettext_lazy(
            "Every word must appear in the title or the description, as in the "
            "portal search; accents and capitals do not matter."
        ),
    )
    cpv_codes = AlertCpvField(
        label=gettext_lazy("CPV codes"),
        required=False,
        help_text=gettext_lazy(
            "Separated by spaces, as 45233140 or 4523: a code covers every code "
            "below it."
        ),
    )
    nuts_codes = AlertNutsField(
        label=gettext_lazy("Places (NUTS codes)"),
        required=False,
        help_text=gettext_lazy(
            "FR, FRC or FRC11: a code covers the regions inside it."
        ),
    )
    buyers = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Buyers"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=gettext_lazy("None chosen: any buyer."),
    )
    procedures = forms.MultipleChoiceField(
        label=gettext_lazy("Procedures"),
        choices=Procedure.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: any procedure."),
    )
    nature = forms.ChoiceField(
        label=gettext_lazy("Contract nature"),
        choices=with_blank(Nature.choices),
        required=False,
    )
    min_value = forms.DecimalField(
        label=gettext_lazy("Estimated value from (EUR excl. VAT)"),
        required=False,
        min_value=0,
        max_digits=16,
        decimal_places=2,
        help_text=gettext_lazy(
            "With a value range, a consultation that gives no estimated value does "
            "not match."
        ),
    )
    max_value = forms.DecimalField(
        label=gettext_lazy("Estimated value up to (EUR excl. VAT)"),
        required=False,
        min_value=0,
        max_digits=16,
        decimal_places=2,
    )
    frequency = forms.ChoiceField(
        label=gettext_lazy("Send me the new calls"),
        choices=Frequency.choices,
        initial=Frequency.DAILY,
        widget=forms.RadioSelect,
    )
    is_active = forms.BooleanField(
        label=gettext_lazy("Active"), required=False, initial=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["buyers"].queryset = Organisation.objects.filter(
            pk__in=public_consultations().values("buyer")
        ).order_by("name")

    def clean(self):
        data = super().clean()
        low, high = data.get("min_value"), data.get("max_value")
        if low is not None and high is not None and low > high:
            self.add_error("max_value", _("The maximum is below the minimum."))
        return data

    def fields_for_action(self):
        data = self.cleaned_data
        fields = {name: data[name] for name in PLAIN_FIELDS}
        fields["cpv_codes"] = data["cpv_codes"]
        fields["nuts_codes"] = data["nuts_codes"]
        fields["buyers"] = list(data["buyers"])
        return fields


def initial_of(alert):
    return {
        **{name: getattr(alert, name) for name in PLAIN_FIELDS},
        "cpv_codes": " ".join(alert.cpv_codes),
        "nuts_codes": " ".join(alert.nuts_codes),
        "buyers": list(alert.buyers.all()),
    }


@login_required
def alert_list(request):
    alerts = access.alerts_of(request.user).prefetch_related("buyers")
    context = {"alerts": alerts, "can_create": access.can_create(request.user)}
    return render(request, "web/alerts/alert_list.html", context)


@login_required
def alert_create(request):
    if not access.can_create(request.user):
        raise PermissionDenied(_("Only the members of a business save searches."))
    form = AlertForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _saved(request, form, None):
        return redirect("web:alert-list")
    return _form_page(request, form, None)


@login_required
def alert_edit(request, pk):
    alert = access.alert_for(request.user, pk, "edit")
    form = AlertForm(request.POST or None, initial=initial_of(alert))
    if request.method == "POST" and form.is_valid() and _saved(request, form, alert):
        return redirect("web:alert-list")
    return _form_page(request, form, alert)


def _saved(request, form, alert):
    fields = form.fields_for_action()
    try:
        if alert is None:
            alert = actions.create_alert(request.user, **fields)
        else:
            alert = actions.update_alert(request.user, alert, **fields)
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return False
    messages.success(request, _("Alert “%(name)s” saved.") % {"name": alert.name})
    return True


def _form_page(request, form, alert):
    status = 400 if form.is_bound and form.errors else 200
    context = {"form": form, "alert": alert}
    return render(request, "web/alerts/alert_form.html", context, status=status)


@login_required
def alert_delete(request, pk):
    alert = access.alert_for(request.user, pk, "delete")
    if request.method == "POST":
        actions.delete_alert(request.user, alert)
        messages.success(request, _("Alert “%(name)s” deleted.") % {"name": alert.name})
        return redirect("web:alert-list")
    return render(request, "web/alerts/alert_delete.html", {"alert": alert})


# The signed token stands for the owner; mail clients post here without a session
# or a CSRF token (RFC 8058 one-click), so the page takes none.
@csrf_exempt
def alert_unsubscribe(request, token):
    alert = actions.alert_for_token(token)
    if alert is None:
        return render(request, "web/alerts/unsubscribe_invalid.html", status=400)
    if request.method == "POST":
        actions.unsubscribe(alert)
        return render(request, "web/alerts/unsubscribed.html", {"alert": alert})
    return render(request, "web/alerts/unsubscribe.html", {"alert": alert})


urlpatterns = [
    path("business/alerts/", alert_list, name="alert-list"),
    path("business/alerts/new/", alert_create, name="alert-create"),
    path("business/alerts/<int:pk>/edit/", alert_edit, name="alert-edit"),
    path("business/alerts/<int:pk>/delete/", alert_delete, name="alert-delete"),
    path(
        "alerts/unsubscribe/<str:token>/",
        alert_unsubscribe,
        name="alert-unsubscribe",
    ),
]
