"""Importing the real EU list of trusted lists and national lists from files."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from pyhanko.sign.validation.qualified.eutl_parse import latest_known_lotl_tlso_certs

from mutualis.core.models import JournalEntry
from mutualis.trust.lists import TrustedListError
from mutualis.trust.models import TrustedList
from mutualis.trust.store import Document, current_lists, import_trusted_lists
from tests.shared_data import TRUST_DATA, needs_shared_trust

LISTS = TRUST_DATA / "trusted-lists"

pytestmark = [pytest.mark.django_db, needs_shared_trust]


def document(name):
    return Document(name, (LISTS / name).read_bytes())


def test_imports_the_lotl_and_national_lists_with_what_they_say():
    outcomes = import_trusted_lists(
        [document("eu-lotl-seq390.xml"), document("tl-SE-seq62.xml")]
    )

    assert [(o.territory, o.sequence, o.imported) for o in outcomes] == [
        ("EU", 390, True),
        ("SE", 62, True),
    ]
    sweden = TrustedList.objects.get(territory="SE")
    assert f"{sweden.issued_at:%Y-%m-%d}" == "2026-08-19"
    assert f"{sweden.next_update:%Y-%m-%d}" == "2027-02-19"
    assert sweden.sha256 == (
        "fddd4a9af4bbfa89059b32eba6d821dc036ffba6a3839dc4abba7b668c104789"
    )
    assert bytes(sweden.xml) == (LISTS / "tl-SE-seq62.xml").read_bytes()
    assert sweden.file_name == "tl-SE-seq62.xml"
    assert sweden.signer_subject.startswith(
        "Common Name: Swedish Post and Telecom Agency (PTS)"
    )
    lotl = TrustedList.objects.get(territory="EU")
    assert f"{lotl.next_update:%Y-%m-%d}" == "2027-01-27"
    assert lotl.signer_subject.startswith("Common Name: EUROPEAN COMMISSION;")
    assert lotl.signer_sha256 in {
        cert.sha256.hex() for cert in latest_known_lotl_tlso_certs()
    }


def test_a_national_list_needs_a_lotl():
    with pytest.raises(TrustedListError) as refused:
        import_trusted_lists([document("tl-SE-seq62.xml")])

    assert refused.value.file_name == "tl-SE-seq62.xml"
    assert "No EU list of trusted lists is imported yet" in refused.value.reason


def test_a_later_import_uses_the_stored_lotl():
    import_trusted_lists([document("eu-lotl-seq390.xml")])

    outcomes = import_trusted_lists([document("tl-BE-seq81.xml")])

    assert [(o.territory, o.sequence) for o in outcomes] == [("BE", 81)]
    assert TrustedList.objects.count() == 2


def test_the_old_belgian_list_is_refused_since_its_signer_expired():
    batch = [document("eu-lotl-seq390.xml"), document("tl-BE-seq74-old.xml")]

    with pytest.raises(TrustedListError) as refused:
        import_trusted_lists(batch)

    assert refused.value.file_name == "tl-BE-seq74-old.xml"
    assert "does not verify with any of the 6 certificates" in refused.value.reason
    assert "expired on 2025-06-11" in refused.value.reason
    assert TrustedList.objects.count() == 0
    assert not JournalEntry.objects.filter(action="trust.list-imported").exists()


def test_a_list_changed_by_one_byte_is_refused_and_nothing_is_written():
    original = (LISTS / "tl-SE-seq62.xml").read_bytes()
    service = b"SignGuard Europe AB - qualified certificate service"
    assert service in original
    tampered = original.replace(service, b"SignGuard Europe AC" + service[19:], 1)
    assert len(tampered) == len(original)
    batch = [
        document("eu-lotl-seq390.xml"),
        document("tl-BE-seq81.xml"),
        Document("tl-SE-tampered.xml", tampered),
    ]

    with pytest.raises(TrustedListError) as refused:
        import_trusted_lists(batch)

    assert refused.value.file_name == "tl-SE-tampered.xml"
    assert "Its signature does not verify" in refused.value.reason
    assert TrustedList.objects.count() == 0


def test_malformed_xml_is_refused_with_its_file_name():
    with pytest.raises(TrustedListError) as refused:
        import_trusted_lists([Document("broken.xml", b"<TrustServiceStatusList")])

    assert refused.value.file_name == "broken.xml"
    assert "not well-formed XML" in refused.value.reason


def test_an_entity_is_not_expanded():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b'<TrustServiceStatusList xmlns="http://uri.etsi.org/02231/v2#">&e;'
        b"</TrustServiceStatusList>"
    )

    with pytest.raises(TrustedListError) as refused:
        import_trusted_lists([Document("entity.xml", bomb)])

    assert refused.value.reason == "This is not an ETSI TS 119 612 trusted list."


def test_a_stale_list_is_kept_and_flagged():
    import_trusted_lists([document("eu-lotl-seq390.xml"), document("tl-FR-seq174.xml")])

    france = current_lists().get(territory="FR")
    assert france.sequence == 174
    assert france.is_stale
    assert f"{france.next_update:%Y-%m-%d}" == "2026-10-16"


def test_the_same_list_twice_is_skipped_and_an_older_one_too():
    import_trusted_lists([document("eu-lotl-seq390.xml"), document("tl-SE-seq62.xml")])

    outcomes = import_trusted_lists(
        [document("tl-SE-seq62.xml"), document("tl-SE-seq55.xml")]
    )

    assert [(o.sequence, o.skipped) for o in outcomes] == [
        (55, "older than sequence 62, already imported"),
        (62, "already imported"),
    ]
    assert list(TrustedList.objects.values_list("sequence", flat=True)) == [390, 62]


def test_each_import_is_journalled():
    import_trusted_lists([document("eu-lotl-seq390.xml"), document("tl-SE-seq62.xml")])

    entries = JournalEntry.objects.filter(action="trust.list-imported").order_by(
        "sequence"
    )
    assert [(e.data["territory"], e.data["sequence"]) for e in entries] == [
        ("EU", 390),
        ("SE", 62),
    ]
    assert entries[1].data["sha256"] == TrustedList.objects.get(territory="SE").sha256
    assert entries[1].data["file"] == "tl-SE-seq62.xml"


def test_the_command_imports_a_folder_and_says_which_lists_are_stale(tmp_path):
    for name in ("eu-lotl-seq390.xml", "tl-SE-seq62.xml", "tl-FR-seq174.xml"):
        (tmp_path / name).write_bytes((LISTS / name).read_bytes())
    out = StringIO()

    call_command("import_trusted_lists", str(tmp_path), stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith("eu-lotl-seq390.xml: EU 390 imported (issued 2026-08-03")
    assert lines[1] == (
        "tl-FR-seq174.xml: FR 174 imported (issued 2026-04-16, next update 2026-10-16)"
    )
    assert lines[2] == "  stale: its next update was due on 2026-10-16"
    assert lines[3].startswith("tl-SE-seq62.xml: SE 62 imported")
    assert lines[-1].startswith("3 lists read in ")


def test_the_command_refuses_the_old_belgian_list_and_imports_nothing():
    paths = [str(LISTS / "eu-lotl-seq390.xml"), str(LISTS / "tl-BE-seq74-old.xml")]

    with pytest.raises(CommandError) as refused:
        call_command("import_trusted_lists", *paths, stdout=StringIO())

    message = str(refused.value)
    assert message.startswith("tl-BE-seq74-old.xml refused: Its signature does not")
    assert message.endswith("Nothing was imported.")
    assert TrustedList.objects.count() == 0
