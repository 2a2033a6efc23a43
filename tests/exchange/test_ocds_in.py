"""Reading another publisher's compiled release: whatever it holds, a consultation's
values or a refusal that says why, never a crash."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mutualis.exchange import ocds_in

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
TENDER_KEYS = st.sampled_from(
    [
        "id",
        "title",
        "description",
        "status",
        "procurementMethod",
        "mainProcurementCategory",
        "value",
        "tenderPeriod",
        "enquiryPeriod",
        "items",
        "lots",
        "documents",
        "procuringEntity",
    ]
)


@given(
    tender=st.dictionaries(TENDER_KEYS, JSON, max_size=10),
    buyer=JSON,
    parties=JSON,
    language=JSON,
)
def test_any_tender_gives_values_or_a_refusal(tender, buyer, parties, language):
    compiled = {
        "ocid": "ocds-x-1",
        "tender": tender,
        "buyer": buyer,
        "parties": parties,
        "language": language,
    }

    try:
        incoming = ocds_in.read(compiled, "Europe/Rome")
    except ocds_in.ProcessRefused as refusal:
        assert str(refusal)
    else:
        assert 0 < len(incoming.title) <= 500
        assert 0 < len(incoming.buyer_name) <= 300
        assert len(incoming.reference) <= 100
        assert all(len(code) == 8 and code.isdigit() for code in incoming.cpv)
        value = incoming.estimated_value
        assert value is None or Decimal(0) <= value < ocds_in.MAX_AMOUNT
        assert all(d["url"].lower().startswith("http") for d in incoming.documents)


def tender(**fields):
    return {
        "ocid": "ocds-x-1",
        "buyer": {"name": "Kraj Vysočina"},
        "tender": {"title": "Oprava silnice II/602", **fields},
    }


@pytest.mark.parametrize(
    ("cpv", "nature"),
    [("45233142", "works"), ("09134100", "supplies"), ("90911200", "services")],
)
def test_the_nature_comes_from_the_cpv_when_the_category_is_not_given(cpv, nature):
    item = {"id": "1", "classification": {"scheme": "CPV", "id": f"{cpv}-7"}}

    incoming = ocds_in.read(tender(items=[item]), "Europe/Prague")

    assert (incoming.cpv, incoming.nature) == ([cpv], nature)


def test_a_deadline_without_offset_is_read_in_the_sources_time_zone():
    incoming = ocds_in.read(
        tender(tenderPeriod={"endDate": "2027-03-01T12:00:00"}), "Europe/Prague"
    )

    assert incoming.submission_deadline.astimezone(dt.UTC).hour == 11


def test_a_deadline_that_is_no_date_is_refused_naming_the_field():
    with pytest.raises(ocds_in.ProcessRefused) as refusal:
        ocds_in.read(tender(tenderPeriod={"endDate": "next Monday"}), "Europe/Rome")

    assert str(refusal.value) == (
        "its tender.tenderPeriod.endDate is not a date-time: 'next Monday'"
    )


def test_a_tender_without_a_title_is_refused():
    with pytest.raises(ocds_in.ProcessRefused, match="it has no tender title"):
        ocds_in.read({"ocid": "ocds-x-2", "tender": {"id": "7"}}, "Europe/Rome")


def test_a_process_without_a_tender_is_not_a_call_yet():
    with pytest.raises(ocds_in.NoTender):
        ocds_in.read({"ocid": "ocds-x-3", "planning": {}}, "Europe/Rome")


def test_an_awards_lot_is_its_mutualis_item_or_its_related_lot():
    supplier = [{"id": "CZ12345678", "name": "Silnice Jihlava a.s."}]
    by_item = tender(items=[{"id": "lot-2", "description": "Lot 2: Most"}])
    by_item["awards"] = [{"id": "a", "suppliers": supplier, "items": [{"id": "lot-2"}]}]
    related = tender(lots=[{"id": "L-A", "title": "Silnice"}, {"id": "L-B"}])
    related["awards"] = [{"id": "b", "suppliers": supplier, "relatedLots": ["L-B"]}]

    (first,) = ocds_in.read(by_item, "Europe/Prague").awards
    (second,) = ocds_in.read(related, "Europe/Prague").awards

    assert (first.lot_number, first.supplier_name) == (2, "Silnice Jihlava a.s.")
    assert (second.lot_number, second.supplier_key) == (2, "CZ12345678")
