"""Who may manage the platform's trust store."""

from mutualis.accounts.access import is_platform_admin


def can_manage_trust(user):
    """The platform's administrators: its operator's admins, superusers and staff."""
    return is_platform_admin(user)
