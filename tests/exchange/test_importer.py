"""Importing eForms notices: what a buyer, a bidder or the portal then sees."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mutualis.accounts.models import Organisation, OrganisationKind, Role
from mutualis.core.models import JournalEntry
from mutualis.exchange.eforms import NoticeError
from mutualis.exchange.importer import (
    Status,
    import_notice,
    import_notices,
    shipped_notices,
)
from mutualis.exchange.models import ImportedNotice
from mutualis.tenders.models import Award, Consultation, Lot, State
from tests.accounts.factories import OperatorFactory
from tests.exchange.notices import (
    BILLION_LAUGHS,
    ensure_codes,
    external_entity,
    needs_sdk,
    sdk,
    sdk_examples,
    ted,
)
from tests.factories import BuyerFactory, member

pytestmark = pytest.mark.django_db

UTC = dt.UTC
FRENCH_CN = "2024-OJS017-00047522.xml"
SIX_LOT_CAN = "2024-OJS198-00611835.xml"
PIN_REFUSED = (
    "prior information notices ({}) are not imported: they announce a procedure, "
    "they do not open one"
)

# What becomes of each notice imported alone: (status, state or refusal reason).
REAL_OUTCOMES = {
    "2023-OJS165-00522031.xml": ("imported", State.AWARDED),
    "2024-OJS012-00032045.xml": ("imported", State.PUBLISHED),
    "2024-OJS015-00041387.xml": ("imported", State.PUBLISHED),
    "2024-OJS017-00047522.xml": ("imported", State.PUBLISHED),
    "2024-OJS018-00050164.xml": ("imported", State.PUBLISHED),
    "2024-OJS028-00082127.xml": ("refused", PIN_REFUSED.format("pin-cfc-standard")),
    "2024-OJS044-00127505.xml": ("refused", PIN_REFUSED.format("pin-cfc-standard")),
    "2024-OJS044-00128154.xml": ("imported", State.PUBLISHED),
    "2024-OJS048-00140913.xml": (
        "refused",
        "qualification system notices (qu-sy) are not imported",
    ),
    "2024-OJS052-00152054.xml": ("refused", PIN_REFUSED.format("pin-cfc-social")),
    "2024-OJS056-00163529.xml": ("imported", State.PUBLISHED),
    "2024-OJS065-00191534.xml": ("imported", State.AWARDED),
    "2024-OJS065-00191536.xml": ("imported", State.AWARDED),
    "2024-OJS072-00215550-modif.xml": ("imported", State.AWARDED),
    "2024-OJS072-00215550.xml": ("imported", State.AWARDED),
    "2024-OJS074-00219998.xml": ("refused", PIN_REFUSED.format("pin-cfc-standard")),
    # Its only lot closed without a winner.
    "2024-OJS197-00607986.xml": ("imported", State.CANCELLED),
    "2024-OJS198-00611835.xml": ("imported", State.AWARDED),
}
SDK_OUTCOMES = {
    "INVALID_cn_24_stage-2.xml": (
        "refused",
        'missing mandatory field "notice identifier (cbc:ID)"',
    ),
    "can-modif_24_value.xml": (
        "refused",
        "contract modification notices (can-modif) are not imported",
    ),
    "can_24_FRA_comments.xml": ("imported", State.AWARDED),
    "can_24_LSBU.xml": ("imported", State.AWARDED),
    "can_24_UKRI.xml": ("imported", State.AWARDED),
    "can_24_minimal.xml": ("imported", State.AWARDED),
    "can_25_ITA.xml": ("imported", State.AWARDED),
    "can_81_FRA.xml": ("imported", State.AWARDED),
    "change-cn_24_open_dates.xml": ("imported", State.PUBLISHED),
    "cn_24_FRA_comments.xml": ("imported", State.PUBLISHED),
    "cn_24_maximal.xml": ("imported", State.PUBLISHED),
    "cn_24_minimal.xml": ("imported", State.PUBLISHED),
    "cn_24_multilingual.xml": ("imported", State.PUBLISHED),
    "cn_24_open.xml": ("imported", State.PUBLISHED),
    "cn_81_FRA.xml": ("imported", State.PUBLISHED),
    "pin-buyer_24.xml": ("refused", PIN_REFUSED.format("pin-buyer")),
    "pin-cfc_24.xml": ("refused", PIN_REFUSED.format("pin-cfc-standard")),
    "pin-only_24.xml": ("refused", PIN_REFUSED.format("pin-only")),
    "pin-only_81_FRA.xml": ("refused", PIN_REFUSED.format("pin-only")),
    "t02_ESP.xml": (
        "refused",
        "public passenger transport notices (can-tran) are not imported",
    ),
    "veat_24.xml": (
        "refused",
        "voluntary ex-ante transparency notices (veat) are not imported",
    ),
}


def imported(path):
    ensure_codes(path)
    return import_notice(path)


def stored_counts():
    models = (Organisation, Consultation, Lot, Award, ImportedNotice, JournalEntry)
    return {model.__name__: model.objects.count() for model in models}


NOTHING_STORED = dict.fromkeys(
    ["Organisation", "Consultation", "Lot", "Award", "ImportedNotice", "JournalEntry"],
    0,
)


# Every notice: imported, or refused with its reason.


def outcome(path):
    ensure_codes(path)
    try:
        result = import_notice(path)
    except NoticeError as error:
        assert error.filename == path.name
        assert str(error) == f"{path.name}: {error.reason}"
        return ("refused", error.reason)
    return (result.status, result.consultation.state)


@pytest.mark.parametrize("name", sorted(REAL_OUTCOMES))
def test_every_real_notice_is_imported_or_refused_with_its_reason(name):
    assert outcome(ted(name)) == REAL_OUTCOMES[name]


def test_the_outcome_table_covers_every_shipped_notice():
    assert sorted(path.name for path in shipped_notices()) == sorted(REAL_OUTCOMES)


@needs_sdk
@pytest.mark.parametrize("path", sdk_examples(), ids=lambda path: path.name)
def test_every_sdk_example_is_imported_or_refused_with_its_reason(path):
    assert outcome(path) == SDK_OUTCOMES[path.name]


@needs_sdk
def test_the_outcome_table_covers_every_sdk_example():
    assert sorted(path.name for path in sdk_examples()) == sorted(SDK_OUTCOMES)


# A French contract notice.


def test_french_contract_notice_becomes_a_published_consultation():
    result = imported(ted(FRENCH_CN))

    consultation = result.consultation
    assert result.status == Status.IMPORTED
    assert consultation.reference == "2024-FCS-0010"
    assert consultation.title == (
        "Prestations de collecte des colonnes de verre et de papier pour la "
        "Communauté de Communes du Piémont Cévenol et transport vers les centres "
        "de traitement"
    )
    assert consultation.language == "fr"
    assert (consultation.nature, consultation.procedure) == ("services", "open")
    assert consultation.state == State.PUBLISHED
    assert consultation.published_at == dt.datetime(2024, 1, 24, tzinfo=UTC)
    assert consultation.notice_id == "a638ab6b-7005-48a9-a9c7-b91bfc6142f1"
    assert consultation.procedure_identifier == "240d1ad9-b2d8-45ec-bea9-d11e7a75b28e"
    assert consultation.notice_publication_id == "00047522-2024"
    assert consultation.estimated_value is None


def test_french_contract_notice_codes_and_deadline():
    consultation = imported(ted(FRENCH_CN)).consultation

    assert consultation.main_cpv.code == "90511100-3"
    assert [cpv.code for cpv in consultation.extra_cpv.all()] == ["90511400-6"]
    assert [nuts.code for nuts in consultation.nuts.all()] == ["FRJ12"]
    assert consultation.submission_deadline == dt.datetime(2024, 2, 28, 10, tzinfo=UTC)
    # Published as 12:00 at +02:00: 11:00 on the wall clocks of Paris in February.
    local = consultation.local_submission_deadline
    assert (local.hour, local.minute, str(local.tzinfo)) == (11, 0, "Europe/Paris")


def test_french_contract_notice_lots():
    consultation = imported(ted(FRENCH_CN)).consultation

    lots = [
        (lot.number, lot.identifier, lot.title, lot.main_cpv.code)
        for lot in consultation.lots.all()
    ]
    assert lots == [
        (1, "LOT-0001", "Collecte et transport des colonnes à verre", "90511100-3"),
        (2, "LOT-0002", "Collecte et transport des colonnes à papier", "90511400-6"),
    ]


def test_french_buyer_is_created_with_its_siret():
    buyer = imported(ted(FRENCH_CN)).consultation.buyer

    assert buyer.kind == OrganisationKind.BUYER
    assert buyer.name == "Communauté de Communes du Piémont Cévenol"
    assert (buyer.siret, buyer.siren) == ("20003441100013", "200034411")
    assert (buyer.country, buyer.postcode, buyer.town) == ("FR", "30260", "Quissac")
    assert buyer.nuts.code == "FRJ12"
    assert buyer.time_zone == "Europe/Paris"


def test_known_buyer_is_found_by_siret_and_keeps_its_name():
    buyer = BuyerFactory(name="CC du Piémont Cévenol", siret="20003441100013")

    consultation = imported(ted(FRENCH_CN)).consultation

    buyer.refresh_from_db()
    assert consultation.buyer == buyer
    assert buyer.name == "CC du Piémont Cévenol"
    assert buyer.town == "Quissac"


def test_import_is_journaled_and_registered():
    consultation = imported(ted(FRENCH_CN)).consultation

    entry = JournalEntry.objects.get()
    notice = ImportedNotice.objects.get()
    assert entry.action == "exchange.notice.imported"
    assert entry.object_id == str(consultation.pk)
    assert entry.data["file"] == FRENCH_CN
    assert entry.data["notice_id"] == "a638ab6b-7005-48a9-a9c7-b91bfc6142f1"
    assert (notice.consultation, notice.notice_type) == (consultation, "cn-standard")
    assert notice.titles == {"FRA": consultation.title}


def test_restricted_procedure_keeps_its_deadline_for_requests_to_participate():
    consultation = imported(ted("2024-OJS056-00163529.xml")).consultation

    assert consultation.procedure == "restricted"
    # <cbc:EndDate>2024-04-15+02:00 <cbc:EndTime>14:00:00+02:00
    assert consultation.participation_deadline == dt.datetime(
        2024, 4, 15, 12, tzinfo=UTC
    )
    assert consultation.submission_deadline is None


def test_design_contest_is_imported_as_such():
    consultation = imported(ted("2024-OJS012-00032045.xml")).consultation

    assert consultation.procedure == "design-contest"
    assert consultation.questions_deadline == dt.datetime(2024, 1, 22, 11, tzinfo=UTC)
    assert consultation.buyer.time_zone == "Europe/Vienna"


# A contract award notice with six lots, imported without its contract notice.


def test_award_notice_alone_creates_an_awarded_consultation():
    consultation = imported(ted(SIX_LOT_CAN)).consultation

    assert consultation.state == State.AWARDED
    assert consultation.reference == "CODSMC-2024-001"
    assert consultation.title == (
        "Bestek met betrekking tot ICT-diensten : Raamovereenkomst voor 4 "
        "ombudsdiensten"
    )
    assert consultation.language == "nl"
    # <efbc:PublicationDate>2024-10-10+02:00
    assert consultation.awarded_at == dt.datetime(2024, 10, 9, 22, tzinfo=UTC)
    assert consultation.buyer.name == "Consumentenombudsdienst"
    assert consultation.buyer.national_id == "0553755479_1899"
    assert [nuts.code for nuts in consultation.nuts.all()] == ["BE100"]


def test_award_notice_lots_and_codes():
    consultation = imported(ted(SIX_LOT_CAN)).consultation

    lots = [(lot.number, lot.main_cpv.code) for lot in consultation.lots.all()]
    assert lots == [
        (1, "72500000-0"),
        (2, "48900000-7"),
        (3, "32412110-8"),
        (4, "72415000-2"),
        (5, "72212000-4"),
        (6, "48820000-2"),
    ]
    assert consultation.lots.get(number=3).title == "Perceel 3: Wifi en beveiliging"
    assert consultation.main_cpv.code == "72500000-0"
    assert sorted(cpv.code for cpv in consultation.extra_cpv.all()) == [
        "32412110-8",
        "48820000-2",
        "48900000-7",
        "72212000-4",
        "72415000-2",
    ]


def test_award_notice_records_the_winners_per_lot():
    consultation = imported(ted(SIX_LOT_CAN)).consultation

    awards = [
        (award.lot.number, award.winner.name, award.value, award.currency)
        for award in consultation.awards.order_by("lot__number")
    ]
    assert awards == [
        (1, "DVIT", Decimal("4535.88"), "EUR"),
        (2, "3D-ICT", Decimal("447.97"), "EUR"),
        (3, "3D-ICT", Decimal("1209.00"), "EUR"),
        (4, "DVIT", Decimal("714.00"), "EUR"),
        (6, "DVIT", Decimal("767.30"), "EUR"),
    ]
    winners = Organisation.objects.filter(kind=OrganisationKind.BUSINESS)
    assert sorted(winners.values_list("name", "national_id")) == [
        ("3D-ICT", "0898973234"),
        ("DVIT", "0461145522"),
    ]


# A notice in 24 languages.


@needs_sdk
def test_multilingual_notice_keeps_its_translations():
    result = imported(sdk("cn_24_multilingual.xml"))

    consultation = result.consultation
    notice = consultation.imported_notices.get()
    assert consultation.title == (
        "Provision of IT Services Related to OP IT Systems (EUR-Lex, N-Lex, "
        "Search Layer, and Others)"
    )
    assert consultation.language == "en"
    assert len(notice.titles) == 24
    assert notice.titles["DEU"] == (
        "Bereitstellung von IT-Dienstleistungen im Zusammenhang mit OP-IT-Systemen "
        "(EUR-Lex, N-Lex, Search Layer und weitere)"
    )
    assert (consultation.estimated_value, consultation.currency) == (
        Decimal("4500000.00"),
        "EUR",
    )
    assert consultation.main_cpv.code == "72230000-6"
    assert [cpv.code for cpv in consultation.extra_cpv.all()] == ["72260000-5"]
    assert [nuts.code for nuts in consultation.nuts.all()] == ["LU000"]
    assert consultation.submission_deadline == dt.datetime(2020, 2, 3, 13, tzinfo=UTC)
    assert consultation.time_zone == "Europe/Luxembourg"
    assert consultation.lots.count() == 0


# A procedure's notices, one after the other.


@needs_sdk
def test_award_notice_after_its_contract_notice_awards_the_same_consultation():
    published = imported(sdk("cn_24_FRA_comments.xml")).consultation

    result = imported(sdk("can_24_FRA_comments.xml"))

    consultation = result.consultation
    assert consultation.pk == published.pk
    assert consultation.state == State.AWARDED
    assert consultation.awarded_at == dt.datetime(2019, 10, 22, 23, tzinfo=UTC)
    awards = [
        (award.lot.number, award.winner.name, award.value, award.decided_on)
        for award in consultation.awards.order_by("lot__number")
    ]
    assert awards == [
        (1, "Espaces Verts Lemire", Decimal("95414.00"), dt.date(2019, 9, 2)),
        (2, "ID Verde SASU", Decimal("26500.00"), dt.date(2019, 9, 2)),
    ]
    assert consultation.submission_deadline == dt.datetime(2019, 6, 24, 16, tzinfo=UTC)
    assert Consultation.objects.count() == 1
    assert list(JournalEntry.objects.values_list("action", flat=True)) == [
        "exchange.notice.imported",
        "exchange.notice.imported",
    ]


@needs_sdk
def test_contract_notice_after_its_award_notice_fills_in_the_same_consultation():
    awarded = imported(sdk("can_24_FRA_comments.xml")).consultation

    consultation = imported(sdk("cn_24_FRA_comments.xml")).consultation

    assert consultation.pk == awarded.pk
    assert consultation.state == State.AWARDED
    assert consultation.notice_id == "da4d46e9-490b-41ff-a2ae-8166d356a619"
    # <cbc:IssueDate>2019-05-10+01:00, the contract notice's own date.
    assert consultation.published_at == dt.datetime(2019, 5, 9, 23, tzinfo=UTC)
    assert consultation.submission_deadline == dt.datetime(2019, 6, 24, 16, tzinfo=UTC)
    assert consultation.awards.count() == 2


@needs_sdk
def test_change_notice_moves_the_deadline_and_the_original_does_not_undo_it():
    original = imported(sdk("cn_24_open.xml")).consultation
    assert original.submission_deadline == dt.datetime(2020, 4, 3, 11, tzinfo=UTC)

    changed = imported(sdk("change-cn_24_open_dates.xml")).consultation
    again = import_notice(sdk("cn_24_open.xml"))

    assert changed.pk == original.pk
    assert changed.submission_deadline == dt.datetime(2020, 6, 12, 11, tzinfo=UTC)
    assert again.status == Status.UNCHANGED
    again.consultation.refresh_from_db()
    assert again.consultation.submission_deadline == changed.submission_deadline


@needs_sdk
def test_original_notice_arriving_after_its_change_keeps_the_change():
    changed = imported(sdk("change-cn_24_open_dates.xml")).consultation

    result = imported(sdk("cn_24_open.xml"))

    assert result.consultation.pk == changed.pk
    assert result.status == Status.IMPORTED
    assert result.warnings == [
        "a later notice of this procedure is already imported; its data stay"
    ]
    result.consultation.refresh_from_db()
    assert result.consultation.submission_deadline == dt.datetime(
        2020, 6, 12, 11, tzinfo=UTC
    )


def test_award_notice_without_winner_cancels_the_consultation():
    result = imported(ted("2024-OJS197-00607986.xml"))

    assert result.consultation.state == State.CANCELLED
    assert result.consultation.awards.count() == 0
    assert result.warnings == ["no lot was awarded"]


@needs_sdk
def test_award_notice_on_a_cancelled_consultation_is_refused_whole():
    consultation = imported(sdk("cn_24_FRA_comments.xml")).consultation
    Consultation.objects.filter(pk=consultation.pk).update(state=State.CANCELLED)
    ensure_codes(sdk("can_24_FRA_comments.xml"))
    before = stored_counts()

    with pytest.raises(NoticeError) as refused:
        import_notice(sdk("can_24_FRA_comments.xml"))

    assert refused.value.reason == (
        "A consultation cannot go from cancelled to awarded."
    )
    assert stored_counts() == before
    assert not Organisation.objects.filter(kind=OrganisationKind.BUSINESS).exists()


# Importing again changes nothing.


@pytest.mark.parametrize("name", [FRENCH_CN, SIX_LOT_CAN, "2023-OJS165-00522031.xml"])
def test_importing_again_changes_nothing(name):
    first = imported(ted(name))
    counts = stored_counts()
    updated_at = Consultation.objects.get().updated_at

    again = import_notice(ted(name))

    assert again.status == Status.UNCHANGED
    assert again.consultation.pk == first.consultation.pk
    assert stored_counts() == counts
    assert Consultation.objects.get().updated_at == updated_at


def test_corrected_copy_of_a_notice_updates_the_consultation():
    imported(ted(FRENCH_CN))
    corrected = (
        ted(FRENCH_CN)
        .read_bytes()
        .replace(
            b"<cbc:EndTime>12:00:00+02:00</cbc:EndTime>",
            b"<cbc:EndTime>16:00:00+02:00</cbc:EndTime>",
        )
    )

    result = import_notice(corrected, FRENCH_CN)

    assert result.status == Status.UPDATED
    assert result.consultation.submission_deadline == dt.datetime(
        2024, 2, 28, 14, tzinfo=UTC
    )
    entry = JournalEntry.objects.latest("id")
    assert entry.action == "exchange.notice.updated"
    assert entry.data["changes"] == ["submission_deadline"]
    assert Consultation.objects.count() == 1


def test_modified_copy_with_the_same_data_changes_nothing():
    imported(ted("2024-OJS072-00215550.xml"))
    counts = stored_counts()

    again = imported(ted("2024-OJS072-00215550-modif.xml"))

    assert again.status == Status.UNCHANGED
    assert stored_counts() == counts
    assert (
        list(again.consultation.awards.values_list("winner__name", flat=True))
        == ["Astrazeneca Kft."] * 6
    )


def test_importing_every_shipped_notice_twice():
    ensure_codes(*shipped_notices())

    first = import_notices(shipped_notices())
    counts = stored_counts()
    second = import_notices(shipped_notices())

    assert [r.status for r in first].count(Status.REFUSED) == 5
    assert {r.status for r in second} == {Status.UNCHANGED, Status.REFUSED}
    assert stored_counts() == counts


# Refused input leaves nothing behind.


def refused_inputs(tmp_path):
    real = ted(FRENCH_CN).read_bytes()
    secret = tmp_path / "secret.txt"
    secret.write_text("s3cr3t")
    return {
        "truncated.xml": (
            real[:4000],
            # libxml2 says which tag was left open, and where.
            "malformed XML at line 57: Premature end of data in tag Contact",
        ),
        "laughs.xml": (
            BILLION_LAUGHS,
            "a DOCTYPE declaration is refused (DTDs and entities are not allowed)",
        ),
        "xxe.xml": (
            external_entity(secret),
            "a DOCTYPE declaration is refused (DTDs and entities are not allowed)",
        ),
        "invoice.xml": (
            b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>',
            "not an eForms notice (the root element is Invoice)",
        ),
        "empty.xml": (b"", "the file is empty"),
        "pin.xml": (
            ted("2024-OJS074-00219998.xml").read_bytes(),
            PIN_REFUSED.format("pin-cfc-standard"),
        ),
    }


@pytest.mark.parametrize(
    "name",
    ["truncated.xml", "laughs.xml", "xxe.xml", "invoice.xml", "empty.xml", "pin.xml"],
)
def test_refused_input_names_the_file_and_writes_nothing(name, tmp_path):
    data, reason = refused_inputs(tmp_path)[name]
    path = tmp_path / name
    path.write_bytes(data)

    with pytest.raises(NoticeError) as refused:
        import_notice(path)

    assert str(refused.value).startswith(f"{name}: {reason}")
    assert stored_counts() == NOTHING_STORED


def test_unknown_cpv_code_is_refused_and_nothing_written():
    with pytest.raises(NoticeError) as refused:
        import_notice(ted(FRENCH_CN))

    assert str(refused.value) == f'{FRENCH_CN}: unknown CPV code "90511100"'
    assert stored_counts() == NOTHING_STORED


def test_report_per_file(tmp_path):
    ensure_codes(ted(FRENCH_CN))
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<ContractNotice>")

    report = import_notices(
        [ted(FRENCH_CN), ted("2024-OJS028-00082127.xml"), broken, ted(FRENCH_CN)]
    )

    assert [(r.filename, r.status) for r in report] == [
        (FRENCH_CN, Status.IMPORTED),
        ("2024-OJS028-00082127.xml", Status.REFUSED),
        ("broken.xml", Status.REFUSED),
        (FRENCH_CN, Status.UNCHANGED),
    ]
    assert report[1].reason == PIN_REFUSED.format("pin-cfc-standard")
    assert report[2].reason.startswith("malformed XML at line 1: ")
    assert report[3].consultation == report[0].consultation


def test_bytes_are_imported_under_their_file_name():
    ensure_codes(ted(FRENCH_CN))

    result = import_notice(ted(FRENCH_CN).read_bytes(), "upload.xml")

    assert result.filename == "upload.xml"
    assert ImportedNotice.objects.get().filename == "upload.xml"


# Who may import.


def test_only_the_operator_imports_for_a_person():
    ensure_codes(ted(FRENCH_CN))
    agent = member(BuyerFactory(), Role.BUYER_ADMIN)
    operator = member(OperatorFactory(), Role.OPERATOR_ADMIN)

    with pytest.raises(PermissionDenied):
        import_notice(ted(FRENCH_CN), actor=agent)
    assert not Consultation.objects.exists()
    import_notice(ted(FRENCH_CN), actor=operator)

    assert JournalEntry.objects.get().actor == operator


# Whatever the bytes, only NoticeError.


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.binary(max_size=2000))
def test_random_bytes_are_refused_with_notice_error_only(data):
    with pytest.raises(NoticeError) as refused:
        import_notice(data, "random.xml")

    assert refused.value.filename == "random.xml"
    assert not Consultation.objects.exists()


REAL = ted(FRENCH_CN).read_bytes()


@pytest.fixture
def french_codes():
    ensure_codes(ted(FRENCH_CN))


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.integers(0, len(REAL)), st.binary(max_size=12))
def test_damaged_real_notice_is_imported_or_refused(french_codes, position, junk):
    damaged = REAL[:position] + junk + REAL[position + len(junk) :]

    try:
        result = import_notice(damaged, FRENCH_CN)
    except NoticeError as error:
        assert error.filename == FRENCH_CN
    else:
        assert result.status in (Status.IMPORTED, Status.UPDATED, Status.UNCHANGED)
