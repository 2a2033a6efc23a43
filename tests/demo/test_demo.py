import hashlib
import io
import stat

import pytest
from django.core.management import call_command
from pyrage import passphrase

from mutualis.accounts.models import User
from mutualis.bids import actions as bids
from mutualis.bids import keys, receipts
from mutualis.bids.models import Bid, BidState, Sealing
from mutualis.bids.storage import open_stored
from mutualis.demo import builder
from mutualis.tenders.models import Consultation, Phase
from mutualis.trust import timestamps

# The demo takes seconds to build: each test builds it once and checks several facts.


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    out = io.StringIO()
    call_command("demo", verbosity=0, stdout=out)
    return out.getvalue()


def _dijon(reference):
    return Consultation.objects.get(buyer__insee_code="21231", reference=reference)


def _stored(name):
    with open_stored(name) as file:
        return file.read()


def test_the_demo_shows_the_whole_job_and_the_real_notices(demo):
    dijon = Consultation.objects.filter(buyer__insee_code="21231")
    closed = dijon.get(reference="2027-CHA-03")
    imported = Consultation.objects.exclude(notice_id="")

    assert {c.reference: c.phase for c in dijon} == {
        "2027-MOB-01": Phase.DRAFT,
        "2027-VOI-02": Phase.OPEN,
        "2027-CHA-03": Phase.CLOSED,
        "2027-NET-04": Phase.OPENED,
    }
    deposited = Bid.objects.filter(consultation=closed)
    assert deposited.count() == 2
    assert all(b.received_at < closed.submission_deadline for b in deposited)
    assert all(b.deadline == closed.submission_deadline for b in deposited)
    assert all(not b.is_late for b in deposited)
    # 13 notices, two of which are versions of one award notice.
    assert imported.count() == 12
    assert "Real TED eForms notices: 13 of 18 imported" in demo
    _bids_are_sealed_with_stamped_receipts_and_both_openers_needed()
    _two_calls_read_in_italian_and_one_in_english()


def _two_calls_read_in_italian_and_one_in_english():
    voirie, heating = _dijon("2027-VOI-02"), _dijon("2027-CHA-03")
    assert [t.language for t in voirie.all_texts()] == ["fr", "en", "it"]
    assert [t.language for t in heating.all_texts()] == ["fr", "it"]
    assert voirie.text_in("it").title == (
        "Rifacimento della carreggiata e dei marciapiedi di rue de la Liberté"
    )


def _bids_are_sealed_with_stamped_receipts_and_both_openers_needed():
    deposited = Bid.objects.filter(consultation__buyer__insee_code="21231")
    assert deposited.count() == 3
    assert {b.sealing for b in deposited} == {Sealing.AGE}
    for bid in deposited:
        genuine = timestamps.verify(
            bytes(bid.receipt_timestamp), receipts.receipt_digest(bid)
        )
        assert abs((genuine - bid.received_at).total_seconds()) < 60
    for reference in ("2027-VOI-02", "2027-CHA-03", "2027-NET-04"):
        commission = _dijon(reference).opening_commission
        assert commission.threshold == 2
        assert {k.user.email for k in commission.keys.all()} == set(builder.OPENERS)


def test_no_plaintext_before_opening_and_the_openers_open_with_their_files(demo):
    _the_closed_consultation_holds_only_age_files()
    _the_opened_consultation_is_opened_by_both_openers_with_hashes_checked()
    identities = _both_identity_files_open_with_the_demo_password_and_private(demo)
    _the_printed_identity_files_open_the_closed_consultation(identities)


def _the_closed_consultation_holds_only_age_files():
    closed = _dijon("2027-CHA-03")
    files = [f for b in closed.bids.all() for f in b.files.order_by("position")]
    assert {b.state for b in closed.bids.all()} == {BidState.RECEIVED}
    assert len(files) == 4
    for bid_file in files:
        sealed = _stored(bid_file.stored_as)
        assert sealed.startswith(b"age-encryption.org/v1"), bid_file.name
        assert hashlib.sha256(sealed).hexdigest() == bid_file.sha256
        assert bid_file.opened_as == ""
        assert bid_file.plain_sha256 == ""


def _the_opened_consultation_is_opened_by_both_openers_with_hashes_checked():
    opened = _dijon("2027-NET-04")
    (bid,) = opened.bids.all()
    files = list(bid.files.order_by("position"))
    assert bid.state == BidState.OPENED
    assert bid.opened_by.email == builder.OPENERS[0]
    plain = [_stored(f.opened_as) for f in files]
    assert [hashlib.sha256(p).hexdigest() for p in plain] == [
        f.plain_sha256 for f in files
    ]
    assert all(p.startswith(b"%PDF-1.4") for p in plain)
    assert plain[0] != plain[1]
    assert all(f.scan_status for f in files)


def _both_identity_files_open_with_the_demo_password_and_private(demo):
    identities = {}
    for email, path in builder.identity_files():
        identity = keys.parse_identity_text(
            passphrase.decrypt(path.read_bytes(), builder.PASSWORD).decode()
        )
        assert str(path) in demo
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.name == email.split("@")[0] + ".age"
        commission = _dijon("2027-NET-04").opening_commission
        recipients = {k.recipient for k in commission.keys.filter(user__email=email)}
        assert recipients == {str(identity.to_public())}
        identities[email] = identity
    assert "passphrase: the demo password" in demo
    return identities


def _the_printed_identity_files_open_the_closed_consultation(identities):
    # What a visitor does in the browser, through the same actions.
    closed = _dijon("2027-CHA-03")
    openers = {u.email: u for u in User.objects.filter(email__in=builder.OPENERS)}
    bids.start_opening(openers[builder.OPENERS[0]], closed)
    for email, identity in identities.items():
        served = bids.sealed_shares_for(openers[email], closed)
        bids.submit_shares(
            openers[email], closed, keys.decrypt_shares(identity, served)
        )
    bids.open_bids(openers[builder.OPENERS[0]], closed)

    files = [f for b in closed.bids.all() for f in b.files.all()]
    assert {b.state for b in closed.bids.all()} == {BidState.OPENED}
    assert len({f.plain_sha256 for f in files}) == 4
    for bid_file in files:
        plain = _stored(bid_file.opened_as)
        assert hashlib.sha256(plain).hexdigest() == bid_file.plain_sha256


def test_every_printed_demo_account_logs_in_and_a_second_run_changes_nothing(
    demo, client
):
    before = Consultation.objects.count(), Bid.objects.count()
    out = io.StringIO()

    call_command("demo", verbosity=0, stdout=out)

    assert (Consultation.objects.count(), Bid.objects.count()) == before
    for email, *_ in builder.people():
        assert email in demo
        assert email in out.getvalue()
        assert client.login(email=email, password=builder.PASSWORD), email
        client.logout()
    for _email, path in builder.identity_files():
        assert str(path) in out.getvalue()
