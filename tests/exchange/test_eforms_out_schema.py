"""Exported notices are valid against the eForms SDK 1.15 schemas."""

import pytest

from mutualis.accounts.models import BuyerType
from mutualis.exchange.eforms import read_notice
from mutualis.exchange.eforms_out import award_notice, contract_notice
from mutualis.tenders.models import Procedure
from tests.exchange.eforms_out_support import (
    award,
    awarded,
    published_consultation,
    schema_errors,
)
from tests.factories import BuyerFactory
from tests.shared_data import needs_shared_eforms_schemas

pytestmark = [pytest.mark.django_db, needs_shared_eforms_schemas]


def test_contract_notice_of_one_lot_is_valid():
    data = contract_notice(published_consultation())

    assert schema_errors("ContractNotice", data) == []


def test_award_notice_of_one_lot_is_valid():
    consultation = published_consultation()
    award(consultation)

    data = award_notice(awarded(consultation))

    assert schema_errors("ContractAwardNotice", data) == []


def test_characters_xml_cannot_carry_are_left_out():
    # PostgreSQL refuses NUL itself; these are the control characters it keeps.
    consultation = published_consultation(title="Voirie\x0b communale\x1f\x08")

    data = contract_notice(consultation)

    assert schema_errors("ContractNotice", data) == []
    assert read_notice(data).title == "Voirie communale"


@pytest.mark.parametrize(
    ("buyer_type", "procedure", "subtypes"),
    [
        (BuyerType.COMMUNE, Procedure.OPEN, ("16", "29")),
        (BuyerType.COMMUNE, Procedure.RESTRICTED, ("16", "29")),
        (BuyerType.UTILITY, Procedure.OPEN, ("17", "30")),
        (BuyerType.REGION, Procedure.DESIGN_CONTEST, ("23", "36")),
        (BuyerType.UTILITY, Procedure.DESIGN_CONTEST, ("24", "37")),
    ],
)
def test_subtype_follows_the_procedure_and_the_legal_basis(
    buyer_type, procedure, subtypes
):
    consultation = published_consultation(
        buyer=BuyerFactory(buyer_type=buyer_type), procedure=procedure
    )
    award(consultation)
    notice = read_notice(contract_notice(consultation))

    result = read_notice(award_notice(awarded(consultation)))

    assert (notice.subtype, result.subtype) == subtypes
    assert schema_errors("ContractNotice", contract_notice(consultation)) == []
    assert schema_errors("ContractAwardNotice", award_notice(consultation)) == []
