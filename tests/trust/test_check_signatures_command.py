import json

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.management import call_command

from tests import pki

# The trust store (imported trusted lists) lives in the database.
pytestmark = pytest.mark.django_db


@pytest.fixture
def files(tmp_path):
    ca = pki.test_pki()
    signed = tmp_path / "offre.pdf"
    signed.write_bytes(pki.sign_pdf(pki.blank_pdf(), ca.valid, "B-T"))
    root = tmp_path / "root.pem"
    root.write_bytes(ca.root.certificate.public_bytes(serialization.Encoding.PEM))
    return signed, root


def test_passes_with_the_given_root(files, capsys):
    signed, root = files

    call_command("check_signatures", str(signed), "--trust-root", str(root))

    out = capsys.readouterr().out
    assert "TOTAL-PASSED" in out
    assert "signer: Valérie Valid, Mutualis Test Bidders" in out


def test_exit_code_1_without_trusted_root(files, capsys):
    signed, _root = files

    with pytest.raises(SystemExit) as exit:
        call_command("check_signatures", str(signed), "--json")

    payload = json.loads(capsys.readouterr().out)
    assert exit.value.code == 1
    assert payload["signatures"][0]["subindication"] == "NO_CERTIFICATE_CHAIN_FOUND"


def test_exit_code_2_on_unreadable_file(tmp_path):
    with pytest.raises(SystemExit) as exit:
        call_command("check_signatures", str(tmp_path / "missing.pdf"))

    assert exit.value.code == 2
