"""Every message of Mutualis has its French translation, and the catalogue is current."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

import mutualis

PACKAGE = Path(mutualis.__file__).resolve().parent
CATALOGUE = PACKAGE / "locale" / "fr" / "LC_MESSAGES" / "django.po"

pytestmark = pytest.mark.skipif(
    shutil.which("msgfmt") is None, reason="GNU gettext (msgfmt) is not installed"
)


def extracted_messages(tmp_path):
    """The msgids makemessages finds today in a copy of the source tree."""
    copy = tmp_path / "mutualis"
    shutil.copytree(
        PACKAGE, copy, ignore=shutil.ignore_patterns("locale", "data", "node_modules")
    )
    (copy / "locale").mkdir()
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "fr", "--no-obsolete"],
        cwd=copy,
        check=True,
        capture_output=True,
        env={"DJANGO_SETTINGS_MODULE": "", "PATH": "/usr/bin:/bin"},
    )
    po = polib.pofile(copy / "locale" / "fr" / "LC_MESSAGES" / "django.po")
    return {(entry.msgctxt, entry.msgid) for entry in po}


def test_every_french_message_is_translated_and_none_is_fuzzy():
    po = polib.pofile(CATALOGUE)

    missing = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]

    assert missing == []
    assert fuzzy == []


def test_the_french_catalogue_holds_every_message_of_the_code(tmp_path):
    committed = {
        (e.msgctxt, e.msgid) for e in polib.pofile(CATALOGUE) if not e.obsolete
    }

    found = extracted_messages(tmp_path)

    assert sorted(found - committed, key=str) == []


def test_the_compiled_catalogue_is_the_one_msgfmt_makes_today(tmp_path):
    compiled = tmp_path / "django.mo"

    subprocess.run(
        ["msgfmt", "--check-format", "-o", str(compiled), str(CATALOGUE)], check=True
    )

    assert compiled.read_bytes() == CATALOGUE.with_suffix(".mo").read_bytes()
