"""Consultations to export, the eForms schemas to check them, an empty platform."""

import datetime as dt
from decimal import Decimal
from functools import cache

from lxml import etree

from mutualis.accounts.models import BuyerType, Organisation
from mutualis.exchange.models import ImportedNotice
from mutualis.tenders.models import Award, Consultation, Nature, Procedure, State
from tests.bids.factories import paris
from tests.factories import BusinessFactory, BuyerFactory, ConsultationFactory
from tests.referential_data import ensure_cpv, ensure_nuts
from tests.shared_data import EFORMS_SCHEMAS

DEADLINE = paris(2027, 3, 15, 12, 0)
QUESTIONS = paris(2027, 3, 5, 17, 30)
PUBLISHED = paris(2027, 2, 1, 9, 0)


@cache
def schema(kind):
    """The SDK's XSD for `kind` ("ContractNotice"), its imports read from disk only."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    path = EFORMS_SCHEMAS / "maindoc" / f"UBL-{kind}-2.3.xsd"
    return etree.XMLSchema(etree.parse(str(path), parser))


def schema_errors(kind, data):
    """The schema's complaints about `data`, one line each; empty when valid."""
    checker = schema(kind)
    document = etree.fromstring(data)
    if checker.validate(document):
        return []
    return [f"{e.line}: {e.message}" for e in checker.error_log]


def published_consultation(**fields):
    buyer = fields.pop("buyer", None) or BuyerFactory(
        name="Commune de Châtillon-sur-Seine",
        buyer_type=BuyerType.COMMUNE,
        siret="21210154700017",
        siren="212101547",
        address="Place de la Mairie",
        postcode="21400",
        town="Châtillon-sur-Seine",
    )
    main, *extra = ensure_cpv("45233140-2", "45233141-9", "45112000-5")
    values = {
        "buyer": buyer,
        "reference": "2027-VOI-004",
        "title": "Réfection de la voirie communale",
        "description": "Chaussées et trottoirs du centre-bourg.",
        "nature": Nature.WORKS,
        "procedure": Procedure.OPEN,
        "estimated_value": Decimal("250000.00"),
        "main_cpv": main,
        "submission_deadline": DEADLINE,
        "questions_deadline": QUESTIONS,
        "state": State.PUBLISHED,
        "published_at": PUBLISHED,
    } | fields
    consultation = ConsultationFactory(**values)
    consultation.extra_cpv.set(extra)
    consultation.nuts.set(ensure_nuts("FRC11"))
    return consultation


def award(consultation, lot=None, value=Decimal("198400.50"), **winner_fields):
    winner = BusinessFactory(
        **(
            {
                "name": "Société Générale d'Étanchéité Bourguignonne",
                "siret": "44306184100013",
                "siren": "443061841",
                "town": "Dijon",
                "postcode": "21000",
            }
            | winner_fields
        )
    )
    return Award.objects.create(
        consultation=consultation,
        lot=lot,
        winner=winner,
        value=value,
        decided_on=dt.date(2027, 4, 2),
    )


def awarded(consultation):
    consultation.state = State.AWARDED
    consultation.awarded_at = paris(2027, 4, 10, 10, 0)
    consultation.save()
    return consultation


def forget_everything():
    """Empty the platform but for the reference codes, as a fresh database is."""
    ImportedNotice.objects.all().delete()
    Award.objects.all().delete()
    Consultation.objects.all().delete()
    Organisation.objects.all().delete()
