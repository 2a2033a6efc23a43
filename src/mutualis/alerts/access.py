"""Who may see and change which alert: the one place alerts decides it.

A user who acts for a business saves searches; each alert is its owner's alone,
and one that is not theirs is reported as absent, so that alerts do not leak.
"""

from django.http import Http404
from django.utils.translation import gettext as _

from mutualis.accounts.access import business_organisations
from mutualis.alerts.models import Alert


def can_create(user):
    return user.is_authenticated and business_organisations(user).exists()


def can_manage(user, alert):
    return user.is_authenticated and alert.owner_id == user.pk


CHECKS = {"view": can_manage, "edit": can_manage, "delete": can_manage}


def allowed(user, alert, action):
    return CHECKS[action](user, alert)


def alerts_of(user):
    if not user.is_authenticated:
        return Alert.objects.none()
    return Alert.objects.filter(owner=user)


def alert_for(user, pk, action="view"):
    """The alert `pk` if `user` may do `action` on it, else 404."""
    alert = Alert.objects.filter(pk=pk).first()
    if alert is None or not allowed(user, alert, action):
        raise Http404(_("No such alert."))
    return alert
