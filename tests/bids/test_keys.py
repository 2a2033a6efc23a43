"""Openers' identities and keys: keygen, passphrases, registration, commissions."""

import base64
import json
import os
import pty
import shutil

import pyrage
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from pyrage import x25519

from mutualis.accounts.models import Membership, Role
from mutualis.bids import actions, keys
from mutualis.core.journal import entries_for
from mutualis.tenders.rules import check_publication
from tests.bids.sealed import decrypted_shares, openers
from tests.factories import (
    BuyerFactory,
    ConsultationFactory,
    commission,
    member,
    opener_key,
)

pytestmark = pytest.mark.django_db

AGE = shutil.which("age")


@pytest.fixture
def passphrase(monkeypatch):
    monkeypatch.setenv("MUTUALIS_PASSPHRASE", "correct horse battery staple")
    return "correct horse battery staple"


def keygen(path, capsys):
    call_command("keygen", "--out", str(path))
    return capsys.readouterr().out.strip()


def test_keygen_writes_a_protected_identity_and_prints_its_recipient(
    tmp_path, passphrase, capsys
):
    path = tmp_path / "identity.age"

    recipient = keygen(path, capsys)

    identity = keys.load_identity(path.read_bytes(), passphrase)
    assert recipient == str(identity.to_public())
    assert recipient.startswith("age1")
    assert path.read_bytes().startswith(b"age-encryption.org/v1\n-> scrypt ")
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_a_wrong_passphrase_does_not_open_the_identity(tmp_path, passphrase, capsys):
    path = tmp_path / "identity.age"
    keygen(path, capsys)

    with pytest.raises(keys.KeyFileError, match="wrong passphrase"):
        keys.load_identity(path.read_bytes(), "Tr0ub4dor&3")


def test_keygen_never_replaces_an_identity(tmp_path, passphrase):
    path = tmp_path / "identity.age"
    path.write_bytes(b"the only copy")

    with pytest.raises(CommandError, match="exists; it is not replaced"):
        call_command("keygen", "--out", str(path))

    assert path.read_bytes() == b"the only copy"


def test_keygen_asks_twice_and_refuses_two_different_passphrases(tmp_path, monkeypatch):
    monkeypatch.delenv("MUTUALIS_PASSPHRASE", raising=False)
    answers = iter(["first passphrase", "second passphrase"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))

    with pytest.raises(CommandError, match="The two passphrases differ"):
        call_command("keygen", "--out", str(tmp_path / "identity.age"))

    assert not (tmp_path / "identity.age").exists()


def age_decrypt_in_a_terminal(path, passphrase):
    """`age -d path` as a person runs it: age reads the passphrase from a tty."""
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child becomes age
        os.execv(AGE, [AGE, "-d", str(path)])  # noqa: S606 - no shell wanted
    out, sent = b"", False
    while True:
        try:
            data = os.read(fd, 1024)
        except OSError:
            break
        if not data:
            break
        out += data
        if not sent and b"passphrase" in out.lower():
            os.write(fd, passphrase.encode() + b"\n")
            sent = True
    os.waitpid(pid, 0)
    os.close(fd)
    return out.decode()


@pytest.mark.skipif(AGE is None, reason="the Debian `age` tool is not installed")
def test_the_age_tool_opens_the_identity_file(tmp_path, passphrase, capsys):
    path = tmp_path / "identity.age"
    recipient = keygen(path, capsys)

    shown = age_decrypt_in_a_terminal(path, passphrase)

    assert f"# public key: {recipient}" in shown
    assert "AGE-SECRET-KEY-1" in shown


def test_decrypt_shares_writes_the_plaintext_shares(
    tmp_path, passphrase, capsys, buyer
):
    identity = x25519.Identity.generate()
    (tmp_path / "identity.age").write_bytes(keys.protect(identity, passphrase))
    share = bytes(range(1, 34))
    sealed = pyrage.encrypt(share, [identity.to_public()])
    (tmp_path / "shares.json").write_text(
        json.dumps(
            {
                "format": "mutualis-opening-shares/1",
                "consultation": 7,
                "shares": [
                    {
                        "bid": "MUT-2027-AAAA-BBBB",
                        "key": 3,
                        "share": base64.b64encode(sealed).decode(),
                    }
                ],
            }
        )
    )

    call_command(
        "decrypt_shares",
        str(tmp_path / "shares.json"),
        "--identity",
        str(tmp_path / "identity.age"),
    )

    written = json.loads(capsys.readouterr().out)
    assert written["shares"] == [
        {
            "bid": "MUT-2027-AAAA-BBBB",
            "key": 3,
            "share": base64.b64encode(share).decode(),
        }
    ]


def test_decrypt_shares_names_the_bid_another_identity_cannot_open(buyer):
    (mine,) = openers(buyer, 1)
    document = {
        "format": "mutualis-opening-shares/1",
        "shares": [{"bid": "MUT-2027-CCCC-DDDD", "key": 1, "share": "AAAA"}],
    }

    with pytest.raises(keys.KeyFileError, match="bid MUT-2027-CCCC-DDDD"):
        decrypted_shares(mine, document)


# Registering and revoking keys


def test_an_opener_registers_a_key_and_the_journal_says_so(buyer, opener):
    recipient = str(x25519.Identity.generate().to_public())

    key = actions.register_key(opener, buyer, recipient, "bureau")

    assert (key.user, key.buyer, key.recipient, key.label) == (
        opener,
        buyer,
        recipient,
        "bureau",
    )
    assert entries_for(key).get().action == "opener-key.registered"


@pytest.mark.parametrize("role", [Role.BUYER_ADMIN, Role.BUYER_AGENT])
def test_only_an_opener_registers_a_key(buyer, role):
    recipient = str(x25519.Identity.generate().to_public())

    with pytest.raises(PermissionDenied, match="Only an opener of Commune de Ch"):
        actions.register_key(member(buyer, role), buyer, recipient)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("AGE-SECRET-KEY-1QQQQ", "an age recipient starts with “age1”"),
        ("age1qqqq", "not an age recipient"),
    ],
)
def test_a_wrong_recipient_is_refused_with_the_reason(buyer, opener, text, reason):
    with pytest.raises(ValidationError) as refusal:
        actions.register_key(opener, buyer, text)

    assert refusal.value.messages[0].startswith(f"Recipient: {reason}")


def test_a_key_is_registered_once(buyer, opener):
    key = opener_key(buyer, opener)

    with pytest.raises(ValidationError, match="already registered"):
        actions.register_key(opener, buyer, key.recipient)


def test_an_opener_revokes_their_key_and_no_one_elses(buyer, opener):
    key = opener_key(buyer, opener)
    other = opener_key(buyer)

    actions.revoke_key(opener, key)
    with pytest.raises(PermissionDenied, match="only your own keys"):
        actions.revoke_key(opener, other)

    key.refresh_from_db()
    other.refresh_from_db()
    assert key.revoked_at is not None
    assert other.revoked_at is None
    assert entries_for(key).filter(action="opener-key.revoked").exists()


# Naming a commission


@pytest.fixture
def agent(buyer):
    return member(buyer, Role.BUYER_AGENT)


@pytest.fixture
def draft(buyer):
    return ConsultationFactory(buyer=buyer)


def test_an_agent_names_two_of_three_keys(buyer, agent, draft):
    chosen = [opener_key(buyer) for _ in range(3)]

    named = actions.set_commission(agent, draft, chosen, 2)

    assert named.threshold == 2
    assert set(named.keys.all()) == set(chosen)
    assert entries_for(draft).get(action="consultation.commission-set").data == {
        "threshold": 2,
        "keys": sorted(k.pk for k in chosen),
    }


@pytest.mark.parametrize("threshold", [0, 3])
def test_the_threshold_is_between_one_and_the_number_of_keys(
    buyer, agent, draft, threshold
):
    chosen = [opener_key(buyer) for _ in range(2)]

    with pytest.raises(ValidationError, match="Openers needed: between 1 and 2"):
        actions.set_commission(agent, draft, chosen, threshold)


def test_a_revoked_key_a_former_opener_or_another_buyer_is_refused(
    buyer, agent, draft, opener
):
    revoked = opener_key(buyer, revoked_at=draft.created_at)
    former = opener_key(buyer)
    Membership.objects.filter(user=former.user).delete()
    foreign = opener_key(BuyerFactory())

    for key in (revoked, former, foreign):
        with pytest.raises(ValidationError, match="current keys of this buyer"):
            actions.set_commission(agent, draft, [key], 1)


def test_the_commission_is_fixed_once_published(buyer, agent, consultation):
    with pytest.raises(
        PermissionDenied, match="only while the consultation is a draft"
    ):
        actions.set_commission(agent, consultation, [opener_key(buyer)], 1)


def test_an_opener_does_not_name_the_commission(buyer, opener, draft):
    with pytest.raises(PermissionDenied, match="Only a buyer admin or agent"):
        actions.set_commission(opener, draft, [opener_key(buyer, opener)], 1)


def test_publication_needs_a_commission_of_current_keys(buyer, draft):
    named = commission(draft)
    assert "opening-commission" not in [f.rule for f in check_publication(draft)]

    named.keys.update(revoked_at=draft.created_at)
    failures = [
        f.message for f in check_publication(draft) if f.rule == "opening-commission"
    ]

    assert failures == [
        "Opening commission: every key must be a current key of an opener of "
        "Commune de Châtillon-sur-Seine."
    ]


def test_publication_without_a_commission_says_what_to_do(draft):
    failures = [f.message for f in check_publication(draft)]

    assert (
        "Opening commission: name the openers' keys and how many must act together."
        in failures
    )


def test_an_identity_file_keeps_a_work_factor_the_browser_accepts(passphrase):
    identity = keys.generate_identity()

    data = keys.protect(identity, passphrase)

    stanza = data.split(b"\n")[1].split()
    assert stanza[:2] == [b"->", b"scrypt"] and int(stanza[3]) <= 20
    opened = keys.load_identity(data, passphrase)
    assert str(opened.to_public()) == str(identity.to_public())
