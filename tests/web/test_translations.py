"""Every message of Mutualis has its translation in every language of the platform,
and each catalogue is current: French first, then the partner regions' languages."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

import mutualis

PACKAGE = Path(mutualis.__file__).resolve().parent
# English is the language of the msgids.
TRANSLATED = [code for code, _name in settings.LANGUAGES if code != "en"]
COUNTS = {"%(count)d", "%(count)s", "%(counter)s", "%d"}
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")


def catalogue(language):
    return PACKAGE / "locale" / language / "LC_MESSAGES" / "django.po"


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


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    po = polib.pofile(catalogue(language))

    missing = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]

    assert missing == []
    assert fuzzy == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_translation_keeps_the_placeholders_of_its_message(language):
    wrong = []
    for entry in polib.pofile(catalogue(language)):
        expected = set(PLACEHOLDER.findall(entry.msgid + (entry.msgid_plural or "")))
        forms = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        # A plural form may spell its number out ("one file") and drop the count.
        may_drop = COUNTS if entry.msgid_plural else set()
        for form in forms:
            found = set(PLACEHOLDER.findall(form))
            if found - expected or expected - found - may_drop:
                wrong.append((entry.msgid, form))

    assert wrong == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_each_catalogue_holds_every_message_of_the_code(language, extracted):
    committed = {
        (e.msgctxt, e.msgid)
        for e in polib.pofile(catalogue(language))
        if not e.obsolete
    }

    assert sorted(extracted - committed, key=str) == []


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    return extracted_messages(tmp_path_factory.mktemp("messages"))


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_compiled_catalogue_is_the_one_msgfmt_makes_today(language, tmp_path):
    compiled = tmp_path / "django.mo"
    source = catalogue(language)

    subprocess.run(
        ["msgfmt", "--check-format", "-o", str(compiled), str(source)], check=True
    )

    assert compiled.read_bytes() == source.with_suffix(".mo").read_bytes()
