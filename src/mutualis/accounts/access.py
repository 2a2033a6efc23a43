"""Who may act for which organisation: the one place membership is read for access.

Every other app asks these functions; none reads Membership itself.
"""

import hashlib

from django.utils.translation import gettext as _

from mutualis.accounts.models import (
    Invitation,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    User,
)
from mutualis.core.time import now

BUYER_STAFF = (Role.BUYER_ADMIN, Role.BUYER_AGENT)
COMPANY_STAFF = (Role.COMPANY_ADMIN, Role.BIDDER)
OPERATOR_STAFF = (Role.OPERATOR_ADMIN, Role.SUPPORT)


def act_within(user, organisation):
    """Limit `user`, for this request, to the roles they hold in `organisation`.

    An API token acts so: every lookup below then sees that membership alone.
    """
    user.__dict__["_mutualis_within"] = organisation.pk
    forget_roles(user)
    return user


def _own_memberships(user):
    memberships = Membership.objects.filter(user=user)
    within = user.__dict__.get("_mutualis_within")
    return memberships if within is None else memberships.filter(organisation=within)


def roles_in(user, organisation):
    """The set of roles `user` holds in `organisation` (empty for the anonymous)."""
    if not user.is_authenticated or organisation is None:
        return set()
    if user.__dict__.get("_mutualis_within", organisation.pk) != organisation.pk:
        return set()
    cache = user.__dict__.setdefault("_mutualis_roles", {})
    if organisation.pk not in cache:
        cache[organisation.pk] = set(
            Membership.objects.filter(user=user, organisation=organisation).values_list(
                "role", flat=True
            )
        )
    return cache[organisation.pk]


def has_role(user, organisation, *roles):
    return bool(roles_in(user, organisation) & set(roles))


def organisations_of(user, *roles, kind=None):
    """The organisations in which `user` holds one of `roles` (any role if none)."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    memberships = _own_memberships(user)
    if roles:
        memberships = memberships.filter(role__in=roles)
    organisations = Organisation.objects.filter(
        pk__in=memberships.values("organisation")
    )
    if kind:
        organisations = organisations.filter(kind=kind)
    return organisations


def buyer_organisations(user):
    return organisations_of(user, *BUYER_STAFF, kind=OrganisationKind.BUYER)


def business_organisations(user):
    return organisations_of(user, *COMPANY_STAFF, kind=OrganisationKind.BUSINESS)


def is_platform_admin(user):
    """The platform's administrators: its operator's admins, superusers and staff."""
    if not (user.is_authenticated and user.is_active):
        return False
    return (
        user.is_superuser
        or user.is_staff
        or organisations_of(
            user, Role.OPERATOR_ADMIN, kind=OrganisationKind.OPERATOR
        ).exists()
    )


def is_operator(user):
    return organisations_of(
        user, *OPERATOR_STAFF, kind=OrganisationKind.OPERATOR
    ).exists()


# The role that manages an organisation's members; State authorities have none.
ADMIN_ROLES = {
    OrganisationKind.BUYER: Role.BUYER_ADMIN,
    OrganisationKind.BUSINESS: Role.COMPANY_ADMIN,
    OrganisationKind.OPERATOR: Role.OPERATOR_ADMIN,
}


def admin_role_of(organisation):
    return ADMIN_ROLES.get(organisation.kind)


def can_manage_members(user, organisation):
    admin_role = admin_role_of(organisation)
    return admin_role is not None and has_role(user, organisation, admin_role)


def can_view_members(user, organisation):
    """Members see their own organisation's members; the operator's staff see all."""
    return bool(roles_in(user, organisation)) or is_operator(user)


def viewable_organisations(user):
    """The organisations whose page and members `user` may see."""
    if is_operator(user):
        return Organisation.objects.all()
    return organisations_of(user)


def memberships_of(user):
    """`user`'s memberships with their organisations, by organisation name."""
    if not user.is_authenticated:
        return Membership.objects.none()
    return (
        _own_memberships(user)
        .select_related("organisation")
        .order_by("organisation__name", "organisation_id", "role")
    )


def members_of(organisation):
    """The memberships of `organisation` with their users, by name."""
    return (
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .order_by("user__full_name", "user_id", "role")
    )


def admins_of(organisation):
    """The people who manage `organisation`'s members, to tell others whom to ask."""
    admin_role = admin_role_of(organisation)
    if admin_role is None:
        return User.objects.none()
    return User.objects.filter(
        is_active=True,
        memberships__organisation=organisation,
        memberships__role=admin_role,
    ).order_by("full_name")


def pending_invitations_of(organisation):
    """The open invitations of `organisation`, for those who manage its members."""
    return Invitation.objects.filter(
        organisation=organisation,
        accepted_at=None,
        declined_at=None,
        expires_at__gt=now(),
    ).order_by("email", "role")


def token_digest(token):
    """What is kept of an invitation link's token: 256 random bits need no salt."""
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_by_token(token):
    """The invitation whose link carries `token`, answered or not; None if none."""
    return (
        Invitation.objects.select_related("organisation", "invited_by")
        .filter(token_digest=token_digest(token))
        .first()
    )


def invitations_for(user):
    """The open invitations mailed to `user`'s address, with their organisations."""
    if not user.is_authenticated:
        return Invitation.objects.none()
    return (
        Invitation.objects.filter(
            email__iexact=user.email,
            accepted_at=None,
            declined_at=None,
            expires_at__gt=now(),
        )
        .select_related("organisation", "invited_by")
        .order_by("organisation__name", "role")
    )


def invitation_refusal(user, invitation):
    """Why `user` may not answer `invitation`, or None.

    Only the holder of the address it was mailed to may; the address is not
    repeated to anyone else.
    """
    if not user.is_authenticated or user.email.lower() != invitation.email.lower():
        return _(
            "This invitation was sent to another e-mail address. Log in with the "
            "account of the address that received it."
        )
    if invitation.accepted_at is not None:
        return _("This invitation has already been accepted.")
    if invitation.declined_at is not None:
        return _("This invitation has already been declined.")
    if invitation.expires_at <= now():
        return _(
            "This invitation has expired. Ask the organisation's admin to invite "
            "you again."
        )
    return None


def forget_roles(user):
    """Drop the roles cached on `user`, after their memberships changed."""
    user.__dict__.pop("_mutualis_roles", None)
