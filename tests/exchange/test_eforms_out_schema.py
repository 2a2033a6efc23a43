"""Exported notices are valid against the eForms SDK 1.15 schemas."""

import pytest

from mutualis.exchange.eforms_out import award_notice, contract_notice
from tests.exchange.eforms_out_support import (
    award,
    awarded,
    published_consultation,
    schema_errors,
)
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
