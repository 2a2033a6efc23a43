"""Pages for people and organisations: sign-up, login, my space, members, invitations."""

from itertools import groupby

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mutualis.accounts import access, actions
from mutualis.accounts.forms import (
    AddMemberForm,
    BusinessRegistrationForm,
    EmailAuthenticationForm,
    SignUpForm,
    UserPasswordResetForm,
    UserSetPasswordForm,
)
from mutualis.accounts.identifiers import EU_MEMBER_STATES
from mutualis.accounts.models import Role

TEMPLATES = "web/accounts/"


def apply_language(response, user):
    """Make the pages that follow speak `user`'s language, as set_language does."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        user.language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


class LoginView(auth_views.LoginView):
    template_name = TEMPLATES + "login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True
    next_page = "web:dashboard"

    def form_valid(self, form):
        return apply_language(super().form_valid(form), form.get_user())


def signup(request):
    if request.user.is_authenticated:
        return redirect("web:dashboard")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = form.save()
        except ValidationError as error:
            form.add_error(None, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! Your account is ready."))
            return apply_language(redirect(_next_or_dashboard(request)), user)
    next_url = request.POST.get("next") or request.GET.get("next", "")
    return render(request, TEMPLATES + "signup.html", {"form": form, "next": next_url})


def _next_or_dashboard(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target and safe else "web:dashboard"


@login_required
def dashboard(request):
    memberships = access.memberships_of(request.user)
    organisations = [
        {"organisation": organisation, "roles": [m.get_role_display() for m in group]}
        for organisation, group in groupby(memberships, key=lambda m: m.organisation)
    ]
    context = {
        "organisations": organisations,
        "invitations": access.invitations_for(request.user),
        "is_platform_admin": access.is_platform_admin(request.user),
    }
    return render(request, TEMPLATES + "dashboard.html", context)


@login_required
def business_register(request):
    form = BusinessRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = actions.register_business(request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(name)s is registered; you are its company admin.")
                % {"name": organisation.name},
            )
            return redirect("web:organisation-detail", pk=organisation.pk)
    return render(request, TEMPLATES + "business_register.html", {"form": form})


def _organisation(request, pk):
    return get_object_or_404(access.viewable_organisations(request.user), pk=pk)


@login_required
def organisation_detail(request, pk):
    organisation = _organisation(request, pk)
    roles = access.roles_in(request.user, organisation)
    context = {
        "organisation": organisation,
        "country_name": EU_MEMBER_STATES.get(
            organisation.country, organisation.country
        ),
        "my_roles": [role.label for role in Role if role in roles],
    }
    return render(request, TEMPLATES + "organisation_detail.html", context)


@login_required
def organisation_members(request, pk):
    organisation = _organisation(request, pk)
    can_manage = access.can_manage_members(request.user, organisation)
    form = AddMemberForm(request.POST or None, organisation=organisation)
    if request.method == "POST":
        added = _add_member(request, organisation, form)
        if added:
            return redirect("web:organisation-members", pk=organisation.pk)
    members = [
        {"user": user, "memberships": list(group)}
        for user, group in groupby(
            access.members_of(organisation), key=lambda m: m.user
        )
    ]
    context = {
        "organisation": organisation,
        "members": members,
        "can_manage": can_manage,
        "invitations": access.pending_invitations_of(organisation)
        if can_manage
        else [],
        "form": form,
    }
    return render(request, TEMPLATES + "organisation_members.html", context)


def _add_member(request, organisation, form):
    if not access.can_manage_members(request.user, organisation):
        raise PermissionDenied
    if not form.is_valid():
        return False
    try:
        invitation = actions.add_member(request.user, organisation, **form.cleaned_data)
    except ValidationError as error:
        form.add_error(None, error)
        return False
    # The same words whether or not an account uses the address.
    messages.success(
        request,
        _("Invitation sent to %(email)s, to be %(role)s.")
        % {"email": invitation.email, "role": invitation.get_role_display()},
    )
    return True


@login_required
def invitation(request, token):
    """The page an invitation's link opens: its invitee accepts or declines it."""
    found = access.invitation_by_token(token)
    refusal = (
        access.invitation_refusal(request.user, found)
        if found
        else _(
            "This invitation link is not valid: it may have been replaced by a newer "
            "invitation. Ask the organisation's admin to invite you again."
        )
    )
    if refusal:
        context = {"refusal": refusal}
        return render(request, TEMPLATES + "invitation.html", context, status=403)
    if request.method == "POST":
        return _answer(request, found)
    return render(request, TEMPLATES + "invitation.html", {"invitation": found})


@require_POST
@login_required
def invitation_answer(request, pk):
    """Accept or decline, from my space, an invitation mailed to my address."""
    found = get_object_or_404(access.invitations_for(request.user), pk=pk)
    return _answer(request, found)


def _answer(request, found):
    try:
        if request.POST.get("answer") == "accept":
            membership = actions.accept_invitation(request.user, found)
        else:
            actions.decline_invitation(request.user, found)
            membership = None
    except PermissionDenied as refused:
        messages.error(request, str(refused))
        return redirect("web:dashboard")
    if membership is None:
        messages.success(
            request,
            _("You declined to join %(organisation)s.")
            % {"organisation": found.organisation.name},
        )
        return redirect("web:dashboard")
    messages.success(
        request,
        _("You are now %(role)s of %(organisation)s.")
        % {
            "role": membership.get_role_display(),
            "organisation": membership.organisation.name,
        },
    )
    return redirect("web:organisation-detail", pk=membership.organisation_id)


@require_POST
@login_required
def organisation_role_remove(request, pk, membership_pk):
    organisation = _organisation(request, pk)
    membership = get_object_or_404(access.members_of(organisation), pk=membership_pk)
    try:
        actions.remove_role(request.user, membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(name)s is no longer %(role)s.")
            % {
                "name": membership.user.full_name,
                "role": membership.get_role_display(),
            },
        )
    if not access.can_view_members(request.user, organisation):
        return redirect("web:dashboard")
    return redirect("web:organisation-members", pk=organisation.pk)


password_reset = auth_views.PasswordResetView.as_view(
    template_name=TEMPLATES + "password_reset_form.html",
    email_template_name=TEMPLATES + "password_reset_email.txt",
    subject_template_name=TEMPLATES + "password_reset_subject.txt",
    form_class=UserPasswordResetForm,
    success_url=reverse_lazy("web:password-reset-done"),
    extra_email_context={"platform_name": settings.MUTUALIS_PLATFORM_NAME},
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name=TEMPLATES + "password_reset_done.html"
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name=TEMPLATES + "password_reset_confirm.html",
    form_class=UserSetPasswordForm,
    success_url=reverse_lazy("web:password-reset-complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name=TEMPLATES + "password_reset_complete.html"
)

urlpatterns = [
    path("signup/", signup, name="signup"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", password_reset, name="password-reset"),
    path("password-reset/sent/", password_reset_done, name="password-reset-done"),
    path(
        "password-reset/<uidb64>/<token>/",
        password_reset_confirm,
        name="password-reset-confirm",
    ),
    path(
        "password-reset/complete/",
        password_reset_complete,
        name="password-reset-complete",
    ),
    path("me/", dashboard, name="dashboard"),
    path("businesses/register/", business_register, name="business-register"),
    path("organisations/<int:pk>/", organisation_detail, name="organisation-detail"),
    path(
        "organisations/<int:pk>/members/",
        organisation_members,
        name="organisation-members",
    ),
    path("invitations/<int:pk>/answer/", invitation_answer, name="invitation-answer"),
    path("invitations/<str:token>/", invitation, name="invitation"),
    path(
        "organisations/<int:pk>/members/<int:membership_pk>/remove/",
        organisation_role_remove,
        name="organisation-role-remove",
    ),
]
