import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from mutualis.accounts.models import BuyerType
from mutualis.referential.loaders import load_thresholds
from mutualis.referential.models import Threshold
from mutualis.referential.thresholds import (
    NoThreshold,
    applicable_threshold,
    is_above_threshold,
    is_light_regime,
)
from mutualis.tenders.models import Nature
from tests.referential_data import ensure_cpv

SUB_CENTRAL = [
    BuyerType.COMMUNE,
    BuyerType.EPCI,
    BuyerType.DEPARTEMENT,
    BuyerType.REGION,
    BuyerType.HOSPITAL,
    BuyerType.BODY_PUBLIC_LAW,
    BuyerType.OTHER,
]
# Home help services (85311000) are social services: Annex XIV, light regime.
SOCIAL = "85311000"
EXPECTED = [
    *[(buyer, Nature.WORKS, 5_404_000) for buyer in BuyerType.values],
    *[(buyer, Nature.SUPPLIES, 216_000) for buyer in SUB_CENTRAL],
    *[(buyer, Nature.SERVICES, 216_000) for buyer in SUB_CENTRAL],
    (BuyerType.CENTRAL_GOVERNMENT, Nature.SUPPLIES, 140_000),
    (BuyerType.CENTRAL_GOVERNMENT, Nature.SERVICES, 140_000),
    (BuyerType.UTILITY, Nature.SUPPLIES, 432_000),
    (BuyerType.UTILITY, Nature.SERVICES, 432_000),
]
ON = dt.date(2026, 6, 1)


@pytest.fixture
def thresholds(db):
    load_thresholds()


def test_every_buyer_type_and_nature_has_a_rule():
    pairs = {(str(buyer), str(nature)) for buyer, nature, _ in EXPECTED}

    assert pairs == {(b, n) for b in BuyerType.values for n in Nature.values}


@pytest.mark.parametrize(("buyer_type", "nature", "value"), EXPECTED)
def test_the_threshold_for_each_buyer_type_and_nature(
    thresholds, buyer_type, nature, value
):
    threshold = applicable_threshold(buyer_type, nature, ["45233140-2"], on=ON)

    assert threshold.value == Decimal(value)
    assert (threshold.valid_from, threshold.valid_to) == (
        dt.date(2026, 1, 1),
        dt.date(2027, 12, 31),
    )


@pytest.mark.parametrize(
    ("buyer_type", "value", "article"),
    [
        (BuyerType.COMMUNE, 750_000, "4(d)"),
        (BuyerType.CENTRAL_GOVERNMENT, 750_000, "4(d)"),
        (BuyerType.HOSPITAL, 750_000, "4(d)"),
        (BuyerType.UTILITY, 1_000_000, "15(c)"),
    ],
)
def test_social_services_follow_the_light_regime(
    thresholds, buyer_type, value, article
):
    (home_help,) = ensure_cpv(SOCIAL)

    threshold = applicable_threshold(buyer_type, Nature.SERVICES, [home_help], on=ON)

    assert (threshold.article, threshold.value) == (article, Decimal(value))


def test_only_the_main_cpv_code_decides_the_light_regime(thresholds):
    main_only = applicable_threshold(
        BuyerType.COMMUNE, Nature.SERVICES, ["85311000-2", "79000000-4"], on=ON
    )
    extra_only = applicable_threshold(
        BuyerType.COMMUNE, Nature.SERVICES, ["79000000-4", "85311000-2"], on=ON
    )

    assert main_only.value == Decimal(750_000)
    assert extra_only.value == Decimal(216_000)


def test_supplies_and_works_never_follow_the_light_regime(thresholds):
    supplies = applicable_threshold(BuyerType.COMMUNE, Nature.SUPPLIES, [SOCIAL], on=ON)
    works = applicable_threshold(BuyerType.UTILITY, Nature.WORKS, [SOCIAL], on=ON)

    assert supplies.value == Decimal(216_000)
    assert works.value == Decimal(5_404_000)


def test_light_regime_list_is_the_eforms_one():
    assert is_light_regime("85311000-2")
    assert is_light_regime("75121000")
    assert not is_light_regime("45233140-2")


def test_the_legal_basis_is_the_delegated_regulation(thresholds):
    threshold = applicable_threshold(BuyerType.COMMUNE, Nature.SUPPLIES, on=ON)

    assert threshold.directive == "2014/24/EU"
    assert threshold.article == "4(c)"
    assert threshold.legal_basis.startswith(
        "Commission Delegated Regulation (EU) 2025/2152"
    )


def test_today_is_the_date_in_paris(thresholds):
    # 23:30 UTC on 31 December 2025 is already 1 January 2026 in Paris.
    with time_machine.travel(dt.datetime(2025, 12, 31, 23, 30, tzinfo=dt.UTC)):
        threshold = applicable_threshold(BuyerType.COMMUNE, Nature.WORKS)

    assert threshold.value == Decimal(5_404_000)


def test_a_date_no_threshold_covers_is_refused_clearly(thresholds):
    after = dt.datetime(2028, 1, 1, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(after), pytest.raises(NoThreshold) as refused:
        applicable_threshold(BuyerType.COMMUNE, Nature.WORKS)

    assert str(refused.value) == (
        "No EU threshold of Directive 2014/24/EU, Art. 4(a), covers 2028-01-01; "
        "load the thresholds for that period (mutualis load-referential)."
    )


def test_an_unknown_buyer_type_is_refused(thresholds):
    with pytest.raises(ValueError, match="unknown type of buyer: ''"):
        applicable_threshold("", Nature.WORKS, on=ON)


def test_the_threshold_value_itself_calls_for_an_eu_procedure():
    threshold = Threshold(value=Decimal("216000.00"))

    assert is_above_threshold(Decimal("216000.00"), threshold)
    assert is_above_threshold(216_000, threshold)
    assert not is_above_threshold(Decimal("215999.99"), threshold)


THRESHOLD_VALUES = [140_000, 216_000, 432_000, 750_000, 1_000_000, 5_404_000]
CENTS = st.integers(min_value=0, max_value=10**12)


@given(limit=st.sampled_from(THRESHOLD_VALUES), cents=CENTS)
def test_a_value_is_above_exactly_when_it_reaches_the_threshold(limit, cents):
    threshold = Threshold(value=Decimal(limit).quantize(Decimal("0.01")))
    value = Decimal(cents) / 100

    assert is_above_threshold(value, threshold) == (cents >= limit * 100)


@given(limit=st.sampled_from(THRESHOLD_VALUES))
def test_one_cent_below_is_below(limit):
    threshold = Threshold(value=Decimal(limit))

    assert is_above_threshold(threshold.value, threshold)
    assert not is_above_threshold(threshold.value - Decimal("0.01"), threshold)
