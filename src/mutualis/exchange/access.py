"""Who may manage the platforms the portal follows."""

from mutualis.accounts.access import is_platform_admin


def can_manage_sources(user):
    return is_platform_admin(user)
