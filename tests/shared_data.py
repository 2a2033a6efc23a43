"""The reference data beside the checkout (../shared/data) that Mutualis does not ship.

MUTUALIS_SHARED_DATA names it when it lives elsewhere. The tests that read it are
marked with `needs_shared_trust`: where it is absent they are skipped, saying why.
"""

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(
    os.environ.get("MUTUALIS_SHARED_DATA")
    or Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
)
TRUST_DATA = SHARED_DATA / "trust"

needs_shared_trust = pytest.mark.skipif(
    not (TRUST_DATA / "SOURCES.md").is_file(),
    reason="the trust data of ../shared/data is not here (set MUTUALIS_SHARED_DATA)",
)

EFORMS_SCHEMAS = SHARED_DATA / "eforms-sdk" / "schemas"

needs_shared_eforms_schemas = pytest.mark.skipif(
    not (EFORMS_SCHEMAS / "maindoc" / "UBL-ContractNotice-2.3.xsd").is_file(),
    reason="the eForms SDK schemas of ../shared/data are not here "
    "(set MUTUALIS_SHARED_DATA)",
)

OCDS_SCHEMA = SHARED_DATA / "ocds" / "schema-1.1.5"

needs_shared_ocds = pytest.mark.skipif(
    not (OCDS_SCHEMA / "release-package-schema.json").is_file(),
    reason="the OCDS 1.1.5 schema of ../shared/data is not here "
    "(set MUTUALIS_SHARED_DATA)",
)

OCDS_REAL = SHARED_DATA / "ocds" / "real"

needs_shared_ocds_real = pytest.mark.skipif(
    not (OCDS_REAL / "ocdskit-realdata" / "release-package-1.json").is_file(),
    reason="the real OCDS packages of ../shared/data are not here "
    "(set MUTUALIS_SHARED_DATA)",
)
