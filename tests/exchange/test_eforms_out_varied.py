"""Consultations of every shape: valid notices, and the same call once re-imported."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mutualis.accounts.models import BuyerType
from mutualis.exchange.eforms_out import award_notice, contract_notice
from mutualis.exchange.importer import import_notice
from mutualis.tenders.models import Consultation, Procedure
from tests.exchange.eforms_out_support import (
    award,
    awarded,
    forget_everything,
    published_consultation,
    schema_errors,
)
from tests.factories import BuyerFactory, LotFactory
from tests.shared_data import needs_shared_eforms_schemas

pytestmark = pytest.mark.django_db

# Letters of many scripts, digits, punctuation, symbols and single spaces, as titles
# are typed; the importer folds runs of white space, so they are folded here too.
TEXT = st.text(
    st.characters(categories=("L", "M", "N", "P", "S", "Zs")), min_size=1, max_size=80
).map(lambda text: " ".join(text.split()))
TITLES = TEXT.filter(bool)
VALUES = st.none() | st.decimals(
    min_value=0, max_value=10**12, places=2, allow_nan=False, allow_infinity=False
)
INSTANTS = st.datetimes(
    min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2035, 12, 31)
).map(lambda moment: moment.replace(second=0, microsecond=0, tzinfo=dt.UTC))
ZONES = st.sampled_from(
    ["Europe/Paris", "America/Cayenne", "Indian/Reunion", "Pacific/Noumea"]
)
PROCEDURES = st.sampled_from(
    [p for p in Procedure if p not in (Procedure.ADAPTED, Procedure.OTHER)]
)
# No lot, or two and more: a call in one lot has no Lot rows.
LOTS = st.lists(st.tuples(TITLES, VALUES), max_size=4).filter(
    lambda lots: len(lots) != 1
)
CALLS = st.fixed_dictionaries(
    {
        "title": TITLES,
        "description": TEXT,
        "estimated_value": VALUES,
        "time_zone": ZONES,
        "procedure": PROCEDURES,
        "submission_deadline": INSTANTS,
        "questions_deadline": st.none() | INSTANTS,
        "participation_deadline": st.none() | INSTANTS,
    }
)
HYPOTHESIS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def make(fields, lots, utility=False):
    buyer = BuyerFactory(
        name="Syndicat des eaux de l'Auxois",
        buyer_type=BuyerType.UTILITY if utility else BuyerType.EPCI,
    )
    consultation = published_consultation(buyer=buyer, **fields)
    for number, (title, value) in enumerate(lots, start=1):
        LotFactory(
            consultation=consultation, number=number, title=title, estimated_value=value
        )
    return consultation


@needs_shared_eforms_schemas
@HYPOTHESIS
@given(CALLS, LOTS, st.booleans())
def test_contract_notice_is_valid(fields, lots, utility):
    data = contract_notice(make(fields, lots, utility))

    assert schema_errors("ContractNotice", data) == []


@needs_shared_eforms_schemas
@HYPOTHESIS
@given(CALLS, LOTS, st.lists(VALUES, min_size=1, max_size=4))
def test_award_notice_is_valid(fields, lots, values):
    consultation = make(fields, lots)
    targets = list(consultation.lots.all()) or [None]
    for position, value in enumerate(values):
        award(
            consultation,
            lot=targets[position % len(targets)],
            value=value,
            siret="",
            siren="",
            name=f"Entreprise {position}",
        )

    data = award_notice(awarded(consultation))

    assert schema_errors("ContractAwardNotice", data) == []


@HYPOTHESIS
@given(CALLS, LOTS)
def test_contract_notice_comes_back_field_by_field(fields, lots):
    data = contract_notice(make(fields, lots))
    forget_everything()

    import_notice(data, "cn.xml")

    back = Consultation.objects.get()
    assert back.title == fields["title"]
    assert back.description == fields["description"]
    assert back.procedure == fields["procedure"]
    assert back.estimated_value == fields["estimated_value"]
    assert back.time_zone == "Europe/Paris"  # a French buyer's, whatever the call's
    for name in ("submission", "questions", "participation"):
        assert getattr(back, f"{name}_deadline") == fields[f"{name}_deadline"]
    assert [(lot.title, lot.estimated_value) for lot in back.lots.all()] == lots
