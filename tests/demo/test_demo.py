import io

import pytest
from django.core.management import call_command

from mutualis.bids.models import Bid
from mutualis.demo import builder
from mutualis.tenders.models import Consultation, Phase

# The demo takes seconds to build: each test builds it once and checks several facts.


@pytest.fixture
def demo(db):
    out = io.StringIO()
    call_command("demo", verbosity=0, stdout=out)
    return out.getvalue()


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
    bids = Bid.objects.filter(consultation=closed)
    assert bids.count() == 2
    assert all(b.received_at < closed.submission_deadline for b in bids)
    # 13 notices, two of which are versions of one award notice.
    assert imported.count() == 12
    assert "Real TED eForms notices: 13 of 18 imported" in demo


def test_every_printed_demo_account_logs_in_and_a_second_run_changes_nothing(
    demo, client
):
    before = Consultation.objects.count()

    call_command("demo", verbosity=0, stdout=io.StringIO())

    assert Consultation.objects.count() == before
    for email, *_ in builder.people():
        assert email in demo
        assert client.login(email=email, password=builder.PASSWORD), email
        client.logout()
