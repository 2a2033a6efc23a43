"""Alerts for the tests, made through the action as a user would."""

from mutualis.alerts.actions import create_alert
from mutualis.alerts.matching import Matcher, alert_criteria, consultation_facts
from mutualis.alerts.models import Alert
from mutualis.tenders.models import Consultation


def alert(owner, name="Voirie en Côte-d'Or", **fields):
    return create_alert(owner, name=name, **fields)


def matched(alert, consultations=None):
    """The references of the consultations the alert matches, sorted."""
    consultations = consultations or Consultation.objects.all()
    found = Matcher(alert_criteria(Alert.objects.filter(pk=alert.pk))).matches(
        consultation_facts(consultations)
    )
    pks = found.get(alert.pk, [])
    return sorted(
        Consultation.objects.filter(pk__in=pks).values_list("reference", flat=True)
    )
