"""A consultation's other languages in the open data: OCDS, eForms out and back in."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from mutualis.exchange import ocds
from mutualis.exchange.eforms import read_notice
from mutualis.exchange.eforms_out import award_notice, contract_notice
from mutualis.exchange.importer import import_notice
from mutualis.tenders.models import Consultation, Language
from tests.exchange.eforms_out_support import (
    award,
    awarded,
    forget_everything,
    published_consultation,
    schema_errors,
)
from tests.exchange.notices import ensure_codes, needs_sdk, sdk
from tests.exchange.test_ocds import URI
from tests.exchange.test_ocds import schema_errors as ocds_errors
from tests.factories import ConsultationTextFactory, LotFactory
from tests.shared_data import needs_shared_eforms_schemas, needs_shared_ocds

pytestmark = pytest.mark.django_db

CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS = {"cbc": CBC, "cac": CAC}
ITALIAN = ("Rifacimento della viabilità comunale", "Carreggiate e marciapiedi.")


def in_italian_and_english(consultation):
    title, description = ITALIAN
    ConsultationTextFactory(
        consultation=consultation, language="it", title=title, description=description
    )
    ConsultationTextFactory(
        consultation=consultation, language="en", title="Road works", description=""
    )
    return consultation


@needs_shared_ocds
def test_ocds_gives_each_language_as_a_suffixed_field_and_stays_valid():
    consultation = in_italian_and_english(published_consultation())

    (release,) = ocds.releases(consultation)
    record = ocds.record(consultation)

    tender = release["tender"]
    assert (tender["title"], release["language"]) == (consultation.title, "fr")
    assert (tender["title_it"], tender["description_it"]) == ITALIAN
    assert tender["title_en"] == "Road works"
    assert "description_en" not in tender
    assert record["compiledRelease"]["tender"]["title_it"] == ITALIAN[0]
    assert ocds_errors(ocds.release_package([release], URI)) == []
    assert ocds_errors(ocds.record_package([record], URI), "record") == []


TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]),
    min_size=1,
    max_size=80,
)


@needs_shared_ocds
@needs_shared_eforms_schemas
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    texts=st.dictionaries(
        st.sampled_from([code for code in Language.values if code != "fr"]),
        # PostgreSQL refuses NUL and lone surrogates; other control characters are
        # left out of XML.
        st.tuples(
            TEXT,
            st.text(
                st.characters(exclude_characters="\x00", exclude_categories=["Cs"]),
                max_size=80,
            ),
        ),
        max_size=4,
    )
)
def test_any_set_of_languages_gives_valid_ocds_and_eforms(texts):
    consultation = Consultation.objects.first() or published_consultation()
    consultation.texts.all().delete()
    for language, (title, description) in texts.items():
        ConsultationTextFactory(
            consultation=consultation,
            language=language,
            title=title,
            description=description,
        )

    releases = ocds.releases(consultation)
    data = contract_notice(consultation)

    assert ocds_errors(ocds.release_package(releases, URI)) == []
    assert schema_errors("ContractNotice", data) == []
    tender = releases[0]["tender"]
    assert {k[6:] for k in tender if k.startswith("title_")} == set(texts)


@needs_shared_eforms_schemas
def test_eforms_names_the_other_languages_and_gives_the_texts_in_each():
    consultation = in_italian_and_english(published_consultation())

    data = contract_notice(consultation)

    root = etree.fromstring(data)
    assert root.xpath("cac:AdditionalNoticeLanguage/cbc:ID/text()", namespaces=NS) == [
        "ENG",
        "ITA",
    ]
    names = root.xpath("cac:ProcurementProject/cbc:Name", namespaces=NS)
    assert [(n.get("languageID"), n.text) for n in names] == [
        ("FRA", "Réfection de la voirie communale"),
        ("ENG", "Road works"),
        ("ITA", ITALIAN[0]),
    ]
    notice = read_notice(data)
    assert notice.descriptions["ITA"] == ITALIAN[1]
    assert schema_errors("ContractNotice", data) == []


@needs_shared_eforms_schemas
def test_an_award_notice_with_lots_in_two_languages_is_valid():
    consultation = in_italian_and_english(published_consultation())
    lot = LotFactory(consultation=consultation, number=1)
    LotFactory(consultation=consultation, number=2)
    award(consultation, lot=lot)

    data = award_notice(awarded(consultation))

    assert schema_errors("ContractAwardNotice", data) == []
    assert read_notice(data).titles["ITA"] == ITALIAN[0]


def test_a_round_trip_through_eforms_keeps_every_language():
    consultation = in_italian_and_english(published_consultation())
    data = contract_notice(consultation)

    forget_everything()
    import_notice(data, "cn.xml")

    back = Consultation.objects.get()
    assert [(t.language, t.title, t.description) for t in back.all_texts()] == [
        ("fr", "Réfection de la voirie communale", consultation.description),
        ("en", "Road works", ""),
        ("it", *ITALIAN),
    ]


def test_a_later_notice_replaces_the_languages_it_no_longer_gives():
    consultation = in_italian_and_english(published_consultation())
    first = contract_notice(consultation)
    consultation.texts.filter(language="en").delete()
    consultation.texts.filter(language="it").update(title="Viabilità")
    forget_everything()
    import_notice(first, "cn.xml")
    back = Consultation.objects.get()

    changed = first.replace(b"<cbc:VersionID>01<", b"<cbc:VersionID>02<")
    changed = changed.replace(b'languageID="ENG">Road works<', b'languageID="ENG"><')
    import_notice(changed.replace(ITALIAN[0].encode(), b"Viabilit\xc3\xa0"), "cn2.xml")

    assert [(t.language, t.title) for t in back.all_texts()][1:] == [
        ("it", "Viabilità")
    ]


@needs_sdk
def test_a_notice_in_24_languages_gives_23_other_texts():
    path = sdk("cn_24_multilingual.xml")
    ensure_codes(path)

    consultation = import_notice(path).consultation

    texts = {t.language: t.title for t in consultation.texts.all()}
    assert consultation.language == "en"
    assert len(texts) == 23
    assert "en" not in texts
    assert texts["de"] == (
        "Bereitstellung von IT-Dienstleistungen im Zusammenhang mit OP-IT-Systemen "
        "(EUR-Lex, N-Lex, Search Layer und weitere)"
    )


@needs_shared_eforms_schemas
def test_a_main_language_eforms_cannot_name_gives_no_second_french_name():
    # An imported notice may keep a main language eForms knows no code for.
    consultation = published_consultation(language="isl")
    ConsultationTextFactory(consultation=consultation, language="fr", title="Voirie")
    ConsultationTextFactory(consultation=consultation, language="it", title="Strade")

    root = etree.fromstring(contract_notice(consultation))

    names = root.xpath("cac:ProcurementProject/cbc:Name/@languageID", namespaces=NS)
    assert names == ["FRA", "ITA"]
