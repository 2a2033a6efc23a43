"""The eForms parser: real notices read field by field, hostile input refused."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mutualis.exchange.eforms import NoticeError, parse_notice, read_notice
from tests.exchange.notices import BILLION_LAUGHS, external_entity, needs_sdk, sdk, ted

UTC = dt.UTC
FRENCH_CN = "2024-OJS017-00047522.xml"
FRENCH_DEADLINE = re.compile(
    rb"<cbc:EndDate>2024-02-28\+02:00</cbc:EndDate>\s*"
    rb"<cbc:EndTime>12:00:00\+02:00</cbc:EndTime>"
)

DOCTYPE_REFUSED = "a DOCTYPE declaration is refused (DTDs and entities are not allowed)"


def french_cn(*replacements):
    """The French notice with each (pattern, bytes) replaced; patterns must match."""
    data = ted(FRENCH_CN).read_bytes()
    for old, new in replacements:
        pattern = old if isinstance(old, re.Pattern) else re.compile(re.escape(old))
        data, count = pattern.subn(new.replace(b"\\", b"\\\\"), data)
        assert count
    return data


# A French contract notice, read as published.


def test_french_contract_notice_identity():
    notice = read_notice(ted(FRENCH_CN))

    assert notice.document_type == "ContractNotice"
    assert notice.sdk_version == "1.9"
    assert notice.notice_id == "a638ab6b-7005-48a9-a9c7-b91bfc6142f1"
    assert notice.version == "01"
    assert (notice.notice_type, notice.subtype) == ("cn-standard", "16")
    assert notice.publication_id == "00047522-2024"
    assert notice.published_at == dt.datetime(2024, 1, 24, tzinfo=UTC)
    # <cbc:IssueDate>2024-01-22+02:00 <cbc:IssueTime>17:34:12+02:00
    assert notice.issued_at == dt.datetime(2024, 1, 22, 15, 34, 12, tzinfo=UTC)
    assert (notice.language, notice.language_code) == ("FRA", "fr")
    assert notice.procedure_identifier == "240d1ad9-b2d8-45ec-bea9-d11e7a75b28e"
    assert notice.internal_reference == "2024-FCS-0010"


def test_french_contract_notice_buyer():
    buyer = read_notice(ted(FRENCH_CN)).buyer

    assert buyer.name == "Communauté de Communes du Piémont Cévenol"
    assert buyer.company_id == "20003441100013"
    assert (buyer.country, buyer.country_code) == ("FRA", "FR")
    assert (buyer.postcode, buyer.town) == ("30260", "Quissac")
    assert buyer.nuts == "FRJ12"


def test_french_contract_notice_object():
    notice = read_notice(ted(FRENCH_CN))

    assert notice.title == (
        "Prestations de collecte des colonnes de verre et de papier pour la "
        "Communauté de Communes du Piémont Cévenol et transport vers les centres "
        "de traitement"
    )
    assert notice.description == (
        "Le présent marché porte sur la collecte des colonnes de verre et de papier "
        "pour la Communauté de Communes du Piémont Cévenol et leurs transports vers "
        "les centres de traitement."
    )
    assert (notice.nature, notice.procedure_code) == ("services", "open")
    assert (notice.main_cpv, notice.additional_cpv) == ("90511100", ["90511400"])
    assert notice.nuts == ["FRJ12"]
    assert notice.estimated_value is None


def test_french_contract_notice_lots_and_deadline():
    notice = read_notice(ted(FRENCH_CN))

    assert [(lot.identifier, lot.number) for lot in notice.lots] == [
        ("LOT-0001", 1),
        ("LOT-0002", 2),
    ]
    assert [lot.titles for lot in notice.lots] == [
        {"FRA": "Collecte et transport des colonnes à verre"},
        {"FRA": "Collecte et transport des colonnes à papier"},
    ]
    assert [lot.main_cpv for lot in notice.lots] == ["90511100", "90511400"]
    # <cbc:EndDate>2024-02-28+02:00 <cbc:EndTime>12:00:00+02:00, as published.
    assert notice.submission_deadline == dt.datetime(2024, 2, 28, 10, tzinfo=UTC)
    assert notice.questions_deadline is None


# A contract award notice with six lots.


def test_award_notice_with_six_lots():
    notice = read_notice(ted("2024-OJS198-00611835.xml"))

    assert (notice.notice_type, notice.language) == ("can-standard", "NLD")
    assert notice.titles == {
        "FRA": "Cahier spécial des charges relatif à des services ICT : Accord cadre "
        "pour 4 services de médiation",
        "NLD": "Bestek met betrekking tot ICT-diensten : Raamovereenkomst voor 4 "
        "ombudsdiensten",
    }
    assert notice.title.startswith("Bestek met betrekking tot ICT-diensten")
    assert notice.buyer.name == "Consumentenombudsdienst"
    assert [lot.main_cpv for lot in notice.lots] == [
        "72500000",
        "48900000",
        "32412110",
        "72415000",
        "72212000",
        "48820000",
    ]
    assert notice.lots[2].titles == {
        "NLD": "Perceel 3: Wifi en beveiliging",
        "FRA": "Lot 3 : Wifi et sa sécurisation",
    }
    assert {nuts for lot in notice.lots for nuts in lot.nuts} == {"BE100"}


def test_award_notice_winners_per_lot():
    notice = read_notice(ted("2024-OJS198-00611835.xml"))

    winners = {
        result.lot_identifier: [
            (award.winner.name, award.value, award.currency) for award in result.awards
        ]
        for result in notice.results
    }

    assert winners == {
        "LOT-0001": [("DVIT", Decimal("4535.88"), "EUR")],
        "LOT-0002": [("3D-ICT", Decimal("447.97"), "EUR")],
        "LOT-0003": [("3D-ICT", Decimal("1209"), "EUR")],
        "LOT-0004": [("DVIT", Decimal("714"), "EUR")],
        "LOT-0005": [],
        "LOT-0006": [("DVIT", Decimal("767.3"), "EUR")],
    }
    assert notice.results[4].status == "clos-nw"
    assert notice.results[0].awards[0].winner.company_id == "0461145522"


def test_winners_follow_the_contracts_when_a_result_lists_other_lots_tenders():
    # Results 3 to 5 list tenders of lot 5, and the contract of lot 2 lists none:
    # the contract naming each lot's tender decides, as its reference confirms.
    notice = read_notice(ted("2024-OJS065-00191534.xml"))

    winners = [
        (result.lot_identifier, [award.winner.name for award in result.awards])
        for result in notice.results
    ]

    assert winners == [
        ("LOT-0001", ["Belgo Facility Services"]),
        ("LOT-0002", ["M&G CLEANING"]),
        ("LOT-0003", ["Belgo Facility Services"]),
        ("LOT-0004", ["Belgo Facility Services"]),
        ("LOT-0005", ["Belgo Facility Services"]),
    ]


def test_decision_date_comes_from_the_settled_contract():
    notice = read_notice(ted("2024-OJS065-00191536.xml"))

    award = notice.results[0].awards[0]

    assert award.winner.name == "Hegeman Bouw & Infra B.V."
    assert (award.value, award.decided_on) == (
        Decimal("3887000.00"),
        dt.date(2024, 2, 14),
    )


# A notice in the 24 official languages.


@needs_sdk
def test_multilingual_notice_keeps_every_language():
    notice = read_notice(sdk("cn_24_multilingual.xml"))

    assert len(notice.titles) == 24
    assert notice.title == (
        "Provision of IT Services Related to OP IT Systems (EUR-Lex, N-Lex, "
        "Search Layer, and Others)"
    )
    assert notice.titles["FRA"] == (
        "Fourniture de services informatiques liés aux systèmes informatiques OP "
        "(EUR-Lex, N-Lex, Search Layer, etc.)"
    )
    assert notice.titles["POL"] == (
        "Świadczenie usług informatycznych związanych z systemami informatycznymi "
        "Urzędu Publikacji (EUR-Lex, N-Lex i Search Layer i inne)"
    )
    assert len(notice.descriptions) == 24
    assert (notice.estimated_value, notice.currency) == (Decimal("4500000"), "EUR")
    assert (notice.main_cpv, notice.additional_cpv) == ("72230000", ["72260000"])
    assert notice.nuts == ["LU000"]
    # <cbc:EndDate>2020-02-03Z <cbc:EndTime>13:00:00Z
    assert notice.submission_deadline == dt.datetime(2020, 2, 3, 13, tzinfo=UTC)


# Dates and times with their UTC offsets.


def test_questions_deadline_with_winter_offset():
    # <cbc:EndDate>2024-01-22+01:00 <cbc:EndTime>12:00:00+01:00
    notice = read_notice(ted("2024-OJS012-00032045.xml"))

    assert notice.questions_deadline == dt.datetime(2024, 1, 22, 11, tzinfo=UTC)
    assert notice.submission_deadline == dt.datetime(2024, 3, 18, 11, tzinfo=UTC)


@pytest.mark.parametrize(
    ("end", "instant"),
    [
        (
            b"<cbc:EndDate>2024-03-18+01:00</cbc:EndDate>"
            b"<cbc:EndTime>12:00:00+01:00</cbc:EndTime>",
            dt.datetime(2024, 3, 18, 11, tzinfo=UTC),
        ),
        (
            b"<cbc:EndDate>2024-03-18Z</cbc:EndDate><cbc:EndTime>12:00:00Z</cbc:EndTime>",
            dt.datetime(2024, 3, 18, 12, tzinfo=UTC),
        ),
        (
            # The time's own offset wins over the date's.
            b"<cbc:EndDate>2024-03-18+02:00</cbc:EndDate>"
            b"<cbc:EndTime>12:00:00-05:00</cbc:EndTime>",
            dt.datetime(2024, 3, 18, 17, tzinfo=UTC),
        ),
        (
            b"<cbc:EndDate>2024-03-18+01:00</cbc:EndDate>"
            b"<cbc:EndTime>00:30:00+01:00</cbc:EndTime>",
            dt.datetime(2024, 3, 17, 23, 30, tzinfo=UTC),
        ),
        (
            b"<cbc:EndDate>2024-03-18+01:00</cbc:EndDate>"
            b"<cbc:EndTime>24:00:00+01:00</cbc:EndTime>",
            dt.datetime(2024, 3, 18, 23, tzinfo=UTC),
        ),
        (
            # A day alone lasts until its end.
            b"<cbc:EndDate>2024-03-18+01:00</cbc:EndDate>",
            dt.datetime(2024, 3, 18, 23, tzinfo=UTC),
        ),
        (
            b"<cbc:EndDate>2024-03-18+01:00</cbc:EndDate>"
            b"<cbc:EndTime>16:59:59.500+01:00</cbc:EndTime>",
            dt.datetime(2024, 3, 18, 15, 59, 59, 500000, tzinfo=UTC),
        ),
    ],
)
def test_deadline_instants(end, instant):
    notice = parse_notice(french_cn((FRENCH_DEADLINE, end)), FRENCH_CN)

    assert notice.submission_deadline == instant
    assert notice.submission_deadline.utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize(
    ("end", "reason"),
    [
        (
            b"<cbc:EndDate>2024-03-18</cbc:EndDate><cbc:EndTime>12:00:00</cbc:EndTime>",
            "cbc:EndTime '12:00:00' has no UTC offset",
        ),
        (
            b"<cbc:EndDate>2024-02-30+01:00</cbc:EndDate>",
            "invalid date '2024-02-30+01:00' in cbc:EndDate",
        ),
        (
            b"<cbc:EndDate>2024-03-18+01:00</cbc:EndDate>"
            b"<cbc:EndTime>12h00+01:00</cbc:EndTime>",
            "invalid time '12h00+01:00' in cbc:EndTime",
        ),
        (
            b"<cbc:EndDate>2024-03-18+15:00</cbc:EndDate>",
            "invalid date '2024-03-18+15:00' in cbc:EndDate",
        ),
    ],
)
def test_unreadable_dates_are_refused_with_the_field(end, reason):
    with pytest.raises(NoticeError) as refused:
        parse_notice(french_cn((FRENCH_DEADLINE, end)), FRENCH_CN)

    assert refused.value.filename == FRENCH_CN
    assert refused.value.reason == reason


def test_bad_amount_and_currency_are_refused():
    base = french_cn()
    amount = b"<cbc:EstimatedOverallContractAmount currencyID=%s>%s</cbc:EstimatedOverallContractAmount>"
    place = b"<cac:MainCommodityClassification>"

    def with_amount(currency, value):
        block = b"<cac:RequestedTenderTotal>" + amount % (currency, value)
        return base.replace(place, block + b"</cac:RequestedTenderTotal>" + place, 1)

    good = parse_notice(with_amount(b'"EUR"', b"125000.50"), FRENCH_CN)
    with pytest.raises(NoticeError) as negative:
        parse_notice(with_amount(b'"EUR"', b"-3"), FRENCH_CN)
    with pytest.raises(NoticeError) as currency:
        parse_notice(with_amount(b'"EURO"', b"3"), FRENCH_CN)

    assert (good.estimated_value, good.currency) == (Decimal("125000.50"), "EUR")
    assert negative.value.reason == (
        "invalid amount '-3' in cbc:EstimatedOverallContractAmount"
    )
    assert currency.value.reason == (
        "invalid currency 'EURO' in cbc:EstimatedOverallContractAmount"
    )


# Hostile and broken input.


def test_billion_laughs_is_refused_unexpanded():
    with pytest.raises(NoticeError) as refused:
        parse_notice(BILLION_LAUGHS, "laughs.xml")

    assert str(refused.value) == f"laughs.xml: {DOCTYPE_REFUSED}"


def test_external_entity_is_refused_and_the_file_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("s3cr3t-do-not-leak")

    with pytest.raises(NoticeError) as refused:
        parse_notice(external_entity(secret), "xxe.xml")

    assert refused.value.reason == DOCTYPE_REFUSED
    assert "s3cr3t" not in str(refused.value)


def test_doctype_in_utf16_is_refused():
    data = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>'

    with pytest.raises(NoticeError) as refused:
        parse_notice(data.encode("utf-16"), "utf16.xml")

    assert refused.value.reason == DOCTYPE_REFUSED


def test_truncated_notice_names_the_line():
    data = ted("2023-OJS165-00522031.xml").read_bytes()
    cut = data[: len(data) // 2]

    with pytest.raises(NoticeError) as refused:
        parse_notice(cut, "half.xml")

    reason = refused.value.reason
    last_line = cut.count(b"\n") + 1
    assert reason.startswith(f"malformed XML at line {last_line}: ")
    assert "Premature end of data" in reason


@pytest.mark.parametrize("data", [b"", b"  \n\t\n"])
def test_empty_file_is_refused(data):
    with pytest.raises(NoticeError) as refused:
        parse_notice(data, "empty.xml")

    assert str(refused.value) == "empty.xml: the file is empty"


def test_other_xml_is_not_an_eforms_notice():
    invoice = (
        b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>'
    )
    not_eforms = french_cn((b"eforms-sdk-1.9", b"my-own-profile"))

    with pytest.raises(NoticeError) as other:
        parse_notice(invoice, "invoice.xml")
    with pytest.raises(NoticeError) as profile:
        parse_notice(not_eforms, FRENCH_CN)

    assert other.value.reason == "not an eForms notice (the root element is Invoice)"
    assert profile.value.reason == (
        "not an eForms notice (CustomizationID is 'my-own-profile')"
    )


def test_oversized_file_is_refused_unread(tmp_path, settings):
    path = tmp_path / "huge.xml"
    with path.open("wb") as file:
        file.truncate(11 * 1024 * 1024)

    with pytest.raises(NoticeError) as refused:
        read_notice(path)

    assert refused.value.reason == (
        "the file is larger than 10 MB, far more than any notice"
    )


def test_missing_file_is_refused():
    with pytest.raises(NoticeError) as refused:
        read_notice(ted("no-such-notice.xml"))

    assert str(refused.value) == (
        "no-such-notice.xml: the file cannot be read (No such file or directory)"
    )


def test_prior_information_notice_is_read_as_such():
    notice = read_notice(ted("2024-OJS028-00082127.xml"))

    assert notice.document_type == "PriorInformationNotice"
    assert notice.is_prior_information


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=3000))
def test_random_bytes_raise_only_notice_error(data):
    try:
        parse_notice(data, "random.xml")
    except NoticeError as error:
        assert error.filename == "random.xml"
        assert error.reason


REAL = ted(FRENCH_CN).read_bytes()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(REAL)), st.binary(min_size=0, max_size=12))
def test_damaged_real_notice_is_read_or_refused(position, junk):
    damaged = REAL[:position] + junk + REAL[position + len(junk) :]

    try:
        notice = parse_notice(damaged, FRENCH_CN)
    except NoticeError as error:
        assert error.reason
    else:
        assert notice.filename == FRENCH_CN
