"""Where the test notices are, and the reference codes they need in the database."""

import os
from pathlib import Path

import pytest

from mutualis.exchange.eforms import NoticeError, read_notice
from mutualis.exchange.importer import SHIPPED_DIR
from mutualis.referential.loaders import NUTS_FILE, read_nuts
from tests.referential_data import ensure_cpv, ensure_nuts

SHARED_DATA = Path(
    os.environ.get("MUTUALIS_SHARED_DATA")
    or Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
)
SDK_EXAMPLES = SHARED_DATA / "eforms-sdk" / "examples"
TED_UPSTREAM = SHARED_DATA / "ted-real-notices" / "eforms"

needs_sdk = pytest.mark.skipif(
    not SDK_EXAMPLES.is_dir(),
    reason="the eForms SDK examples of the shared data are not here "
    "(set MUTUALIS_SHARED_DATA)",
)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz>&lol9;</lolz>
"""


def ted(name):
    """A real TED notice as shipped with Mutualis."""
    return SHIPPED_DIR / name


def sdk(name):
    return SDK_EXAMPLES / name


def sdk_examples():
    return sorted(SDK_EXAMPLES.glob("*.xml")) if SDK_EXAMPLES.is_dir() else []


def ensure_codes(*paths):
    """Load the CPV codes and the known NUTS codes that the notices at `paths` name."""
    cpv, nuts = set(), set()
    for path in paths:
        try:
            notice = read_notice(path)
        except NoticeError:
            continue
        cpv.update(notice.all_cpv)
        nuts.update(notice.all_nuts)
        if notice.buyer and notice.buyer.nuts:
            nuts.add(notice.buyer.nuts)
        for result in notice.results:
            nuts.update(award.winner.nuts for award in result.awards)
    known = read_nuts(NUTS_FILE).keys()
    if cpv:
        ensure_cpv(*sorted(cpv))
    if nuts & known:
        ensure_nuts(*sorted(nuts & known))


def external_entity(path):
    """A notice whose buyer name would be the content of the file at `path`."""
    data = ted("2024-OJS017-00047522.xml").read_bytes()
    doctype = f'<!DOCTYPE doc [<!ENTITY leak SYSTEM "file://{path}">]>'.encode()
    data = data.replace(b"?>", b"?>" + doctype, 1)
    return data.replace(
        "Communauté de Communes du Piémont Cévenol</cbc:Name>".encode(),
        b"&leak;</cbc:Name>",
        1,
    )
