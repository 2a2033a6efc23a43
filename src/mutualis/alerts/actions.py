"""Every change to an alert: created, changed, deleted, unsubscribed from a mail.

Each action checks permission (alerts.access), runs in one transaction and appends
to the audit journal.
"""

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mutualis.alerts import access
from mutualis.alerts.models import Alert
from mutualis.core.journal import record
from mutualis.core.time import now
from mutualis.referential.models import CpvCode, NutsCode

FIELDS = {
    "name",
    "keywords",
    "cpv_codes",
    "nuts_codes",
    "procedures",
    "nature",
    "min_value",
    "max_value",
    "frequency",
    "is_active",
}
UNSUBSCRIBE_SALT = "mutualis.alerts.unsubscribe"


def create_alert(user, *, buyers=(), **fields):
    if not access.can_create(user):
        raise PermissionDenied(_("Only the members of a business save searches."))
    _check_names(fields)
    with transaction.atomic():
        at = now()
        alert = Alert(owner=user, created_at=at, last_run_at=at, **fields)
        validate_alert(alert)
        alert.save()
        alert.buyers.set(buyers)
        record("alerts.alert.created", actor=user, obj=alert, name=alert.name)
    return alert


def update_alert(user, alert, *, buyers=None, **fields):
    _require(user, alert, "edit")
    _check_names(fields)
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        for name, value in fields.items():
            setattr(alert, name, value)
        validate_alert(alert)
        alert.save()
        if buyers is not None:
            alert.buyers.set(buyers)
        record(
            "alerts.alert.updated",
            actor=user,
            obj=alert,
            fields=sorted([*fields, *(["buyers"] if buyers is not None else [])]),
        )
    return alert


def delete_alert(user, alert):
    _require(user, alert, "delete")
    with transaction.atomic():
        record("alerts.alert.deleted", actor=user, obj=alert, name=alert.name)
        alert.delete()


def unsubscribe_token(alert):
    return signing.dumps(alert.pk, salt=UNSUBSCRIBE_SALT)


def alert_for_token(token):
    """The alert a mail's unsubscribe link names, or None for a forged or stale one."""
    try:
        pk = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return Alert.objects.select_related("owner").filter(pk=pk).first()


def unsubscribe(alert):
    """Stop the alert from its mail's link: the signed token stands for the owner."""
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        if alert.is_active:
            alert.is_active = False
            alert.save(update_fields=["is_active"])
            record("alerts.alert.unsubscribed", obj=alert, name=alert.name)
    return alert


def validate_alert(alert):
    errors = {}
    unknown = _unknown_cpv(alert.cpv_codes)
    if unknown:
        errors["cpv_codes"] = _("Unknown CPV codes: %(codes)s.") % {
            "codes": ", ".join(unknown)
        }
    unknown = [code for code in alert.nuts_codes if not _known_nuts(code)]
    if unknown:
        errors["nuts_codes"] = _("Unknown NUTS codes: %(codes)s.") % {
            "codes": ", ".join(unknown)
        }
    low, high = alert.min_value, alert.max_value
    if low is not None and high is not None and low > high:
        errors["max_value"] = _("The maximum is below the minimum.")
    if errors:
        raise ValidationError(errors)
    alert.full_clean(exclude=["owner"], validate_constraints=False)


def _unknown_cpv(codes):
    known = set(CpvCode.objects.filter(code__in=codes).values_list("code", flat=True))
    return [code for code in codes if code not in known]


def _known_nuts(code):
    # NUTS 3 regions are stored; a country or an upper level is a prefix of them.
    return len(code) >= 2 and NutsCode.objects.filter(code__startswith=code).exists()


def _check_names(fields):
    unknown = set(fields) - FIELDS
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")


def _require(user, alert, action):
    if not access.allowed(user, alert, action):
        raise PermissionDenied(_("You may not change this alert."))
