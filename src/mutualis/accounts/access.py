"""Who may act for which organisation: the one place membership is read for access.

Every other app asks these functions; none reads Membership itself.
"""

from mutualis.accounts.models import Membership, Organisation, OrganisationKind, Role

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


def can_manage_members(user, organisation):
    admin_role = {
        OrganisationKind.BUYER: Role.BUYER_ADMIN,
        OrganisationKind.BUSINESS: Role.COMPANY_ADMIN,
        OrganisationKind.OPERATOR: Role.OPERATOR_ADMIN,
    }.get(organisation.kind)
    return admin_role is not None and has_role(user, organisation, admin_role)
