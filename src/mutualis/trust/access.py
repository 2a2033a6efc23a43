"""Who may manage the platform's trust store."""

from mutualis.accounts.access import organisations_of
from mutualis.accounts.models import OrganisationKind, Role


def can_manage_trust(user):
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
