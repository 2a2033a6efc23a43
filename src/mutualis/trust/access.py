"""Who may manage the platform's trust store."""


def can_manage_trust(user):
    """The platform's administrators: superusers and staff accounts, when active."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.is_staff)
    )
