"""`mutualis import-eforms`: what the operator reads, and the exit code."""

import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from mutualis.exchange.importer import SHIPPED_DIR, shipped_notices
from mutualis.tenders.models import Consultation
from tests.exchange.notices import TED_UPSTREAM, ensure_codes, ted

pytestmark = pytest.mark.django_db

FRENCH_CN = "2024-OJS017-00047522.xml"
PIN = "2024-OJS028-00082127.xml"


def run(*args):
    out = StringIO()
    call_command("import_eforms", *args, stdout=out)
    return out.getvalue().splitlines()


def test_prints_what_became_of_each_file():
    ensure_codes(ted(FRENCH_CN))

    lines = run(str(ted(FRENCH_CN)), str(ted(FRENCH_CN)))

    assert lines == [
        f"imported: {FRENCH_CN} (cn-standard) → 2024-FCS-0010, published",
        f"unchanged: {FRENCH_CN} (cn-standard) → 2024-FCS-0010, published",
    ]


def test_a_refused_file_fails_the_command_after_the_others_are_imported():
    ensure_codes(ted(FRENCH_CN))
    out = StringIO()

    with pytest.raises(CommandError) as failed:
        call_command("import_eforms", str(ted(PIN)), str(ted(FRENCH_CN)), stdout=out)

    assert str(failed.value) == "1 of 2 files refused."
    assert out.getvalue().splitlines()[0] == (
        f"refused: {PIN}: prior information notices (pin-cfc-standard) are not "
        "imported: they announce a procedure, they do not open one"
    )
    assert Consultation.objects.get().reference == "2024-FCS-0010"


def test_notes_are_printed_under_their_file():
    ensure_codes(ted("2024-OJS197-00607986.xml"))

    lines = run(str(ted("2024-OJS197-00607986.xml")))

    assert lines == [
        "imported: 2024-OJS197-00607986.xml (can-standard) → "
        "RDGB-LOG-2023-232318-145, cancelled",
        "    note: no lot was awarded",
    ]


def test_shipped_notices_exit_with_1_for_the_refused_ones():
    ensure_codes(*shipped_notices())
    out = StringIO()

    with pytest.raises(CommandError) as failed:
        call_command("import_eforms", "--shipped", stdout=out)

    lines = out.getvalue().splitlines()
    statuses = [line.split(":")[0] for line in lines if not line.startswith(" ")]
    assert (failed.value.returncode, str(failed.value)) == (
        1,
        "5 of 18 files refused.",
    )
    # The modified copy of 2024-OJS072-00215550 comes first and holds its data.
    assert (statuses.count("imported"), statuses.count("unchanged")) == (12, 1)
    assert statuses.count("refused") == 5
    assert Consultation.objects.count() == 12


def test_no_file_named_is_an_error():
    with pytest.raises(CommandError) as failed:
        run()

    assert str(failed.value) == "Name the files to import, or use --shipped."


def test_shipped_notices_are_the_upstream_files_listed_in_sources():
    sources = (SHIPPED_DIR / "SOURCES.md").read_text(encoding="utf-8")

    paths = shipped_notices()

    assert len(paths) == 18
    for path in paths:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert f"{digest}  {path.name}" in sources
        upstream = TED_UPSTREAM / path.name
        if upstream.exists():
            assert upstream.read_bytes() == path.read_bytes()
    assert "880148839902332684fcc6b8caf835fb1ae9eea8" in sources
