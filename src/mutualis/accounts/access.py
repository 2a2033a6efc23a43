"""Who may act for which organisation: the one place membership is read for access.

Every other app asks these functions; none reads Membership itself.
"""

from mutualis.accounts.models import (
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    User,
)

BUYER_STAFF = (Role.BUYER_ADMIN, Role.BUYER_AGENT)
COMPANY_STAFF = (Role.COMPANY_ADMIN, Role.BIDDER)
OPERATOR_STAFF = (Role.OPERATOR_ADMIN, Role.SUPPORT)


def roles_in(user, organisation):
    """The set of roles `user` holds in `organisation` (empty for the anonymous)."""
    if not user.is_authenticated or organisation is None:
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
    memberships = Membership.objects.filter(user=user)
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
        Membership.objects.filter(user=user)
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


def forget_roles(user):
    """Drop the roles cached on `user`, after their memberships changed."""
    user.__dict__.pop("_mutualis_roles", None)
