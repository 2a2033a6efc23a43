"""Sealing a bid in Python, and what the server checks of a manifest without a key."""

import base64
import hashlib
import json
import shutil
import subprocess
import tracemalloc
import uuid

import pyrage
import pytest
from django.core.management import CommandError, call_command
from pyrage import x25519

from mutualis.bids import sealing
from tests.bids.sealed import FILES, bid_identity, openers, seal
from tests.factories import LotFactory, commission

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(buyer):
    return openers(buyer, 3)


@pytest.fixture
def sealed_consultation(consultation, three):
    commission(consultation, [o.key for o in three], threshold=2)
    return consultation


class Shares:
    """Stands for a bid in `bid_identity`: only its manifest is read."""

    def __init__(self, manifest):
        self.manifest = manifest


def test_sealing_info_gives_the_commission_public_keys(sealed_consultation, three):
    info = sealing.sealing_info(sealed_consultation)

    assert info["format"] == "mutualis-sealing/1"
    assert info["threshold"] == 2
    assert [o["recipient"] for o in info["openers"]] == [
        str(o.identity.to_public()) for o in three
    ]
    assert info["deadline"] == "2027-01-15T16:00:00Z"
    assert info["limits"]["max_files"] == 50


def test_a_sealed_bid_opens_with_any_two_of_three_shares(
    sealed_consultation, three, tmp_path
):
    manifest, out = seal(sealed_consultation, tmp_path)

    identity = bid_identity(Shares(manifest), [three[2], three[0]])

    assert str(identity.to_public()) == manifest["bid_recipient"]
    for name, content in FILES.items():
        sealed = sealing.sealed_path(out, name).read_bytes()
        assert pyrage.decrypt(sealed, [identity]) == content
    assert json.loads((out / "manifest.json").read_text()) == manifest


def test_the_inner_manifest_seals_the_plaintext_sizes_and_hashes(
    sealed_consultation, three, tmp_path
):
    manifest, out = seal(sealed_consultation, tmp_path)
    identity = bid_identity(Shares(manifest), three[:2])

    inner = json.loads(pyrage.decrypt(base64.b64decode(manifest["inner"]), [identity]))

    assert inner == {
        "files": [
            {"name": n, "size": len(c), "sha256": hashlib.sha256(c).hexdigest()}
            for n, c in FILES.items()
        ]
    }
    assert [f["size"] for f in manifest["files"]] == [
        sealing.sealed_path(out, n).stat().st_size for n in FILES
    ]
    assert "sha256" not in json.dumps(manifest["files"])


def test_one_share_alone_does_not_give_the_bid_key(
    sealed_consultation, three, tmp_path
):
    manifest, _out = seal(sealed_consultation, tmp_path)

    identity = bid_identity(Shares(manifest), three[:1])

    assert str(identity.to_public()) != manifest["bid_recipient"]


def test_a_manifest_sealed_here_passes_the_servers_checks(
    sealed_consultation, tmp_path
):
    manifest, _out = seal(sealed_consultation, tmp_path)

    assert sealing.validate_manifest(manifest, sealed_consultation) == []


def _passphrase_file():
    return base64.b64encode(pyrage.passphrase.encrypt(b"x" * 33, "pw")).decode()


def _two_recipients():
    keys = [x25519.Identity.generate().to_public() for _ in range(2)]
    return base64.b64encode(pyrage.encrypt(b"x" * 33, keys)).decode()


def _first_share(m, value):
    m["shares"][0]["share"] = value


MUTATIONS = {
    "format": (lambda m: m.update(format="mutualis-sealed-bid/2"), "format"),
    "deposit key": (lambda m: m.update(deposit_key="retry-1"), "deposit_key"),
    "time UUID": (lambda m: m.update(deposit_key=str(uuid.uuid1())), "deposit_key"),
    "consultation": (lambda m: m.update(consultation=0), "consultation"),
    "lot": (lambda m: m.update(lot=999999), "lot"),
    "recipient": (lambda m: m.update(bid_recipient="age1notakey"), "bid_recipient"),
    "threshold": (lambda m: m.update(threshold=1), "threshold"),
    "missing share": (lambda m: m["shares"].pop(), "shares"),
    "twice a key": (
        lambda m: m["shares"].__setitem__(1, m["shares"][0]),
        "shares",
    ),
    "not base64": (lambda m: _first_share(m, "%%%"), "shares[0].share"),
    "not age": (
        lambda m: _first_share(m, base64.b64encode(b"x" * 80).decode()),
        "shares[0].share",
    ),
    "passphrase": (lambda m: _first_share(m, _passphrase_file()), "shares[0].share"),
    "two recipients": (
        lambda m: _first_share(m, _two_recipients()),
        "shares[0].share",
    ),
    "inner": (lambda m: m.update(inner=m["inner"][:40]), "inner"),
    "no files": (lambda m: m.update(files=[]), "files"),
    "slash": (lambda m: m["files"][0].update(name="../x.pdf"), "files[0].name"),
    "same name": (
        lambda m: m["files"][1].update(name=m["files"][0]["name"]),
        "files[1].name",
    ),
    "size": (lambda m: m["files"][0].update(size="12"), "files[0].size"),
    "file too large": (
        lambda m: m["files"][0].update(size=500 * 1024 * 1024 + 1),
        "files[0].size",
    ),
    "bid too large": (
        lambda m: m.update(
            files=[{"name": f"{i}.pdf", "size": 1 << 28} for i in range(9)]
        ),
        "files",
    ),
    "too many files": (
        lambda m: m.update(files=[{"name": f"{i}.pdf", "size": 9} for i in range(51)]),
        "files",
    ),
    "backup": (lambda m: m.update(backup_copy="no"), "backup_copy"),
}


@pytest.mark.parametrize("case", MUTATIONS, ids=str)
def test_each_wrong_field_is_named(sealed_consultation, tmp_path, settings, case):
    settings.MUTUALIS_MAX_BID_SIZE = 2 * 1024**3
    manifest, _out = seal(sealed_consultation, tmp_path)
    mutate, field = MUTATIONS[case]
    mutate(manifest)

    errors = sealing.validate_manifest(manifest, sealed_consultation)

    assert [error.field for error in errors] == [field], errors


def test_a_lot_is_required_when_the_consultation_has_lots(
    sealed_consultation, tmp_path
):
    lot = LotFactory(consultation=sealed_consultation, number=1)
    manifest, _out = seal(sealed_consultation, tmp_path, lot=lot.pk)

    manifest["lot"] = None
    errors = sealing.validate_manifest(manifest, sealed_consultation)

    assert [str(e) for e in errors] == ["lot: this consultation has lots: name one"]


def test_a_consultation_without_commission_takes_no_sealed_bid(
    consultation, sealed_consultation, tmp_path
):
    manifest, _out = seal(sealed_consultation, tmp_path)
    sealed_consultation.opening_commission.delete()
    consultation.refresh_from_db()

    errors = sealing.validate_manifest(manifest, consultation)

    assert "shares: this consultation has no opening commission" in map(str, errors)


def test_sealing_refuses_a_missing_lot_and_leaves_nothing(
    sealed_consultation, tmp_path
):
    LotFactory(consultation=sealed_consultation, number=1)

    with pytest.raises(sealing.SealingError, match="choose one of the consultation"):
        seal(sealed_consultation, tmp_path)

    assert not (tmp_path / "sealed").exists()


def test_a_failure_after_the_files_leaves_no_sealed_file(sealed_consultation, tmp_path):
    info = sealing.sealing_info(sealed_consultation)
    info["openers"][1]["recipient"] = "age1broken"
    source = tmp_path / "offre.pdf"
    source.write_bytes(b"%PDF offre")

    with pytest.raises(sealing.SealingError, match="not an age recipient"):
        sealing.seal_bid(info, [source], tmp_path / "out")

    assert list((tmp_path / "out").iterdir()) == []


def test_the_command_seals_from_a_sealing_json(sealed_consultation, three, tmp_path):
    info = tmp_path / "sealing.json"
    info.write_text(json.dumps(sealing.sealing_info(sealed_consultation)))
    offer = tmp_path / "offre.pdf"
    offer.write_bytes(b"%PDF-1.7 offre")
    out = tmp_path / "out"

    call_command("seal", "--info", str(info), str(offer), "--out", str(out))

    manifest = json.loads((out / "manifest.json").read_text())
    identity = bid_identity(Shares(manifest), three[1:])
    sealed = (out / "offre.pdf.age").read_bytes()
    assert pyrage.decrypt(sealed, [identity]) == b"%PDF-1.7 offre"


def test_the_command_names_an_unknown_lot(sealed_consultation, tmp_path):
    info = tmp_path / "sealing.json"
    info.write_text(json.dumps(sealing.sealing_info(sealed_consultation)))

    with pytest.raises(CommandError, match="no lot 4"):
        call_command("seal", "--info", str(info), str(info), "--lot", "4", "--out", ".")


AGE = shutil.which("age")


@pytest.mark.skipif(AGE is None, reason="the Debian `age` tool is not installed")
def test_the_age_tool_opens_a_file_sealed_here(sealed_consultation, three, tmp_path):
    manifest, out = seal(sealed_consultation, tmp_path)
    identity_file = tmp_path / "bid-identity.txt"
    identity_file.write_text(f"{bid_identity(Shares(manifest), three[:2])}\n")
    name = "Mémoire technique.pdf"

    result = subprocess.run(
        [AGE, "-d", "-i", str(identity_file), str(sealing.sealed_path(out, name))],
        capture_output=True,
        check=True,
    )

    assert result.stdout == FILES[name]


@pytest.mark.skipif(AGE is None, reason="the Debian `age` tool is not installed")
def test_a_file_sealed_by_the_age_tool_parses_as_one_recipient(tmp_path):
    recipient = str(x25519.Identity.generate().to_public())
    result = subprocess.run(
        [AGE, "-r", recipient], input=b"x" * 33, capture_output=True, check=True
    )

    header = sealing.check_sealed_to_one(result.stdout)

    assert [s.type for s in header.x25519_stanzas()] == ["X25519"]


def test_a_bid_key_survives_bech32_both_ways():
    identity = x25519.Identity.generate()

    secret = sealing.identity_secret(identity)

    assert len(secret) == 32
    assert str(sealing.identity_from_secret(secret)) == str(identity)


@pytest.mark.django_db(transaction=True)
def test_the_command_fetches_sealing_json_from_the_server(
    live_server, sealed_consultation, three, tmp_path
):
    offer = tmp_path / "offre.pdf"
    offer.write_bytes(b"%PDF-1.7 offre")
    url = f"{live_server.url}/consultations/{sealed_consultation.pk}/sealing.json"

    call_command("seal", "--url", url, str(offer), "--out", str(tmp_path / "out"))

    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["consultation"] == sealed_consultation.pk
    assert [s["opener_key"] for s in manifest["shares"]] == [o.key.pk for o in three]
    assert sealing.validate_manifest(manifest, sealed_consultation) == []


def test_sealing_streams_a_large_file_instead_of_reading_it_whole(
    sealed_consultation, three, tmp_path
):
    big = tmp_path / "plans.dwg"
    with big.open("wb") as out:
        for _ in range(32):
            out.write(bytes(range(256)) * 4096)  # 32 MiB in 1 MiB writes
    info = sealing.sealing_info(sealed_consultation)

    tracemalloc.start()
    manifest = sealing.seal_bid(info, [big], tmp_path / "out")
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert manifest["files"][0]["size"] > 32 * 1024 * 1024
    assert peak < 4 * 1024 * 1024
