"""The forms people fill in to sign up, log in, register a business, invite a member."""

import math

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import (
    AdminUserCreationForm,
    AuthenticationForm,
    BaseUserCreationForm,
    PasswordResetForm,
    SetPasswordForm,
    UserChangeForm,
)
from django.core.exceptions import ValidationError
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from mutualis.accounts import actions, ratelimit
from mutualis.accounts.identifiers import EU_MEMBER_STATES
from mutualis.accounts.models import ROLES_BY_KIND, Role, User
from mutualis.core.time import now


class EmailAuthenticationForm(AuthenticationForm):
    """Log in by e-mail; too many failures refuse further attempts for a while."""

    username = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        "invalid_login": _(
            "This e-mail address and password do not match an account. Check both "
            "and try again."
        ),
        "inactive": _("This account is disabled."),
    }

    def clean_username(self):
        return self.cleaned_data["username"].lower()

    def clean(self):
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not email or not password:
            return self.cleaned_data
        address = ratelimit.client_address(self.request)
        until = ratelimit.blocked_until(email, address)
        if until is not None:
            raise ValidationError(blocked_message(until), code="rate_limited")
        self.user_cache = authenticate(self.request, username=email, password=password)
        if self.user_cache is None:
            ratelimit.record_failure(email, address)
            raise self.get_invalid_login_error()
        self.confirm_login_allowed(self.user_cache)
        ratelimit.clear(email, address)
        return self.cleaned_data


class AdminLoginForm(EmailAuthenticationForm):
    """The admin site's login: the same limit on failures, for staff accounts only."""

    required_css_class = "required"

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not user.is_staff:
            raise self.get_invalid_login_error()


def blocked_message(until):
    """Tell someone refused for too many failures when they may try again."""
    minutes = max(1, math.ceil((until - now()).total_seconds() / 60))
    at = formats.time_format(timezone.localtime(until), "H:i")
    return ngettext(
        "Too many failed login attempts. Try again in %(minutes)d minute, at %(at)s.",
        "Too many failed login attempts. Try again in %(minutes)d minutes, at %(at)s.",
        minutes,
    ) % {"minutes": minutes, "at": at}


class SignUpForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ["email", "full_name", "language"]
        labels = {"language": _("Preferred language")}
        widgets = {
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
        }
        error_messages = {"email": {"unique": actions.EMAIL_TAKEN}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        language = (translation.get_language() or "")[:2]
        if language in dict(self.fields["language"].choices):
            self.fields["language"].initial = language

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(actions.EMAIL_TAKEN, code="email_taken")
        return email

    def save(self, commit=True):
        """Create the account through the sign-up action."""
        data = self.cleaned_data
        return actions.sign_up(
            email=data["email"],
            full_name=data["full_name"],
            password=data["password1"],
            language=data["language"],
        )


class UserPasswordResetForm(PasswordResetForm):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def send_mail(self, subject_template, body_template, context, *args, **kwargs):
        """Write the mail in the language its reader chose."""
        with translation.override(context["user"].language):
            super().send_mail(subject_template, body_template, context, *args, **kwargs)


class UserSetPasswordForm(SetPasswordForm):
    def save(self, commit=True):
        return actions.reset_password(self.user, self.cleaned_data["new_password1"])


def country_choices():
    """France first, then the other Member States by name in the reader's language."""
    others = sorted(
        ((code, name) for code, name in EU_MEMBER_STATES.items() if code != "FR"),
        key=lambda choice: str(choice[1]),
    )
    return [("FR", EU_MEMBER_STATES["FR"]), *others]


class BusinessRegistrationForm(forms.Form):
    country = forms.ChoiceField(
        label=_("Country of establishment"), choices=country_choices, initial="FR"
    )
    siret = forms.CharField(
        label=_("SIRET"),
        required=False,
        max_length=20,
        help_text=_("For a business established in France: 14 digits."),
    )
    vat_number = forms.CharField(
        label=_("VAT number"),
        required=False,
        max_length=20,
        help_text=_(
            "For a business established in another Member State: its VAT number, "
            "starting with the country's two letters (EL for Greece). Optional in "
            "France."
        ),
    )
    name = forms.CharField(label=_("Business name"), max_length=300)
    address = forms.CharField(
        label=_("Address"),
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    postcode = forms.CharField(
        label=_("Postcode"),
        max_length=16,
        required=False,
        help_text=_("Required in France."),
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )
    town = forms.CharField(label=_("Town"), max_length=200)

    def clean(self):
        data = super().clean()
        try:
            actions.check_business(
                **{field: data.get(field, "") for field in self.fields}
            )
        except ValidationError as error:
            for field, errors in error.error_dict.items():
                # A field Django already refused keeps its one message.
                if field not in self._errors:
                    self.add_error(field, errors)
        return data


class AddMemberForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        help_text=_(
            "We send the person an invitation; they become a member once they "
            "accept it, logged in with this address."
        ),
    )
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = ROLES_BY_KIND.get(organisation.kind, set())
        self.fields["role"].choices = [
            (role.value, role.label) for role in Role if role in allowed
        ]


class MutualisUserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email", "full_name", "language"]

    def clean_email(self):
        return self.cleaned_data["email"].lower()


class MutualisUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
