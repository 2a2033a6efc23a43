import datetime as dt
from decimal import Decimal

import pytest

from mutualis.accounts.models import BuyerType
from mutualis.core.time import now
from mutualis.tenders import actions
from mutualis.tenders.models import Nature, Procedure, State
from mutualis.tenders.rules import allowed_procedures, check_publication
from tests.tenders.factories import ready_draft

pytestmark = pytest.mark.django_db


def messages(consultation):
    return [failure.message for failure in check_publication(consultation)]


def test_a_complete_draft_passes_every_rule():
    consultation, _agent = ready_draft()

    assert messages(consultation) == []


def test_missing_deadlines_are_named():
    consultation, _agent = ready_draft(
        questions_deadline=None, submission_deadline=None
    )

    assert messages(consultation) == [
        "Deadlines set: the deadline for questions is missing.",
        "Deadlines set: the deadline for bids is missing.",
    ]


def test_a_past_deadline_is_refused_with_its_local_time():
    consultation, _agent = ready_draft(
        questions_deadline=now() - dt.timedelta(hours=1),
    )

    assert messages(consultation) == [
        "Deadlines in the future: the deadline for questions (2027-01-11 09:00 "
        "Europe/Paris) has already passed."
    ]


def test_questions_must_close_before_bids():
    consultation, _agent = ready_draft(
        questions_deadline=now() + dt.timedelta(days=40),
        submission_deadline=now() + dt.timedelta(days=35),
    )

    assert messages(consultation) == [
        "Deadlines in order: the deadline for questions must come before the "
        "deadline for bids."
    ]


def test_at_least_one_document():
    consultation, agent = ready_draft()
    actions.remove_document(agent, consultation.documents.get())

    assert messages(consultation) == [
        "Documents attached: attach at least one consultation document (DCE)."
    ]


def test_main_cpv_is_required():
    consultation, _agent = ready_draft(main_cpv=None)

    assert messages(consultation) == ["Main CPV code: choose the main CPV code."]


def test_the_estimated_value_is_required():
    consultation, _agent = ready_draft(estimated_value=None)

    assert messages(consultation) == [
        "Estimated value: give the estimated value; it decides which EU threshold "
        "and procedures apply (Art. 5)."
    ]


def test_an_adapted_procedure_at_the_works_threshold_is_refused():
    consultation, _agent = ready_draft(
        procedure=Procedure.ADAPTED, estimated_value=Decimal("5404000")
    )

    assert messages(consultation) == [
        "EU threshold: the estimated value 5,404,000.00 EUR is at or above the EU "
        "threshold 5,404,000.00 EUR for commune, works contracts: use an EU "
        "procedure."
    ]


def test_an_adapted_procedure_just_below_the_threshold_passes():
    consultation, _agent = ready_draft(
        procedure=Procedure.ADAPTED, estimated_value=Decimal("5403999.99")
    )

    assert messages(consultation) == []


def test_lots_adding_up_to_more_than_the_estimated_value_are_refused():
    consultation, _agent = ready_draft(
        procedure=Procedure.ADAPTED, estimated_value=Decimal("5000000")
    )
    for number in (1, 2):
        consultation.lots.create(
            number=number, title=f"Lot {number}", estimated_value=Decimal("3000000")
        )

    assert messages(consultation) == [
        "Estimated value: the lots add up to 6,000,000.00 EUR, more than the "
        "estimated value 5,000,000.00 EUR; the estimated value is the total of all "
        "the lots (Directive 2014/24/EU, Art. 5(8))."
    ]


def test_services_of_a_commune_meet_the_sub_central_threshold():
    consultation, _agent = ready_draft(
        nature=Nature.SERVICES,
        procedure=Procedure.ADAPTED,
        estimated_value=Decimal("216000"),
    )

    assert messages(consultation) == [
        "EU threshold: the estimated value 216,000.00 EUR is at or above the EU "
        "threshold 216,000.00 EUR for commune, services contracts: use an EU "
        "procedure."
    ]


def test_central_government_has_a_lower_supplies_threshold():
    consultation, _agent = ready_draft(
        nature=Nature.SUPPLIES,
        procedure=Procedure.ADAPTED,
        estimated_value=Decimal("150000"),
        buyer__buyer_type=BuyerType.CENTRAL_GOVERNMENT,
    )

    assert "EU threshold 140,000.00 EUR" in messages(consultation)[0]


def test_an_open_procedure_above_the_threshold_needs_thirty_days():
    consultation, _agent = ready_draft(
        procedure=Procedure.OPEN,
        estimated_value=Decimal("6000000"),
        submission_deadline=now() + dt.timedelta(days=29, hours=23),
    )

    assert messages(consultation) == [
        "Minimum time limit (Directive 2014/24/EU, Art. 27): above the EU "
        "threshold, the deadline for bids must be at least 30 days after "
        "publication (open procedure); 29 days are left."
    ]


def test_an_open_procedure_with_thirty_days_passes():
    consultation, _agent = ready_draft(
        procedure=Procedure.OPEN,
        estimated_value=Decimal("6000000"),
        submission_deadline=now() + dt.timedelta(days=30),
    )

    assert messages(consultation) == []


def test_an_open_procedure_below_the_threshold_has_no_eu_minimum():
    consultation, _agent = ready_draft(
        procedure=Procedure.OPEN,
        estimated_value=Decimal("100000"),
        questions_deadline=now() + dt.timedelta(days=5),
        submission_deadline=now() + dt.timedelta(days=10),
    )

    assert messages(consultation) == []


def test_a_restricted_procedure_needs_thirty_days_for_requests_to_participate():
    consultation, _agent = ready_draft(
        procedure=Procedure.RESTRICTED,
        estimated_value=Decimal("6000000"),
        participation_deadline=now() + dt.timedelta(days=20),
        submission_deadline=now() + dt.timedelta(days=60),
    )

    assert messages(consultation) == [
        "Minimum time limit (Directive 2014/24/EU, Art. 28): above the EU "
        "threshold, the deadline for requests to participate must be at least 30 "
        "days after publication (restricted procedure); 20 days are left."
    ]


def test_a_restricted_procedure_needs_its_participation_deadline():
    consultation, _agent = ready_draft(
        procedure=Procedure.RESTRICTED, submission_deadline=now() + dt.timedelta(60)
    )

    assert messages(consultation) == [
        "Deadlines set: the deadline for requests to participate is missing."
    ]


def test_requests_to_participate_close_before_bids():
    consultation, _agent = ready_draft(
        procedure=Procedure.RESTRICTED,
        participation_deadline=now() + dt.timedelta(days=40),
        submission_deadline=now() + dt.timedelta(days=35),
    )

    assert messages(consultation) == [
        "Deadlines in order: the deadline for requests to participate must come "
        "before the deadline for bids."
    ]


def test_publish_refuses_with_every_failure_and_keeps_the_draft():
    consultation, agent = ready_draft(main_cpv=None, estimated_value=None)

    with pytest.raises(actions.PublicationRefused) as refusal:
        actions.publish(agent, consultation)

    assert [f.rule for f in refusal.value.failures] == ["main-cpv", "estimated-value"]
    consultation.refresh_from_db()
    assert consultation.state == State.DRAFT


def test_publish_puts_the_draft_on_the_portal():
    consultation, agent = ready_draft()

    published = actions.publish(agent, consultation)

    assert published.state == State.PUBLISHED
    assert published.published_at == now()


def test_above_the_threshold_the_adapted_procedure_is_not_offered():
    consultation, _agent = ready_draft(estimated_value=Decimal("6000000"))

    procedures = allowed_procedures(consultation)

    assert Procedure.ADAPTED not in procedures
    assert Procedure.OPEN in procedures


def test_without_a_threshold_for_the_day_publication_is_refused():
    consultation, _agent = ready_draft()
    next_period = dt.datetime(2028, 1, 10, tzinfo=dt.UTC)

    failures = check_publication(consultation, at=next_period)

    (threshold,) = [f.message for f in failures if f.rule == "eu-threshold"]
    assert threshold.startswith(
        "No EU threshold of Directive 2014/24/EU, Art. 4(a), covers 2028-01-10"
    )
