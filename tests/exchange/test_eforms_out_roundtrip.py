"""An exported notice imported again into an empty platform gives the same call."""

import datetime as dt
from decimal import Decimal

import pytest

from mutualis.exchange.eforms_out import award_notice, contract_notice
from mutualis.exchange.importer import import_notice
from mutualis.tenders.models import Award, Consultation, Procedure, State
from tests.exchange.eforms_out_support import (
    DEADLINE,
    PUBLISHED,
    QUESTIONS,
    award,
    awarded,
    forget_everything,
    published_consultation,
)
from tests.factories import LotFactory
from tests.referential_data import ensure_cpv

pytestmark = pytest.mark.django_db


def reimported(*notices):
    """The consultation the notices (name, bytes) make on an empty platform."""
    forget_everything()
    for name, data in notices:
        import_notice(data, name)
    return Consultation.objects.get()


def codes(consultation):
    return (
        consultation.main_cpv.code,
        sorted(cpv.code for cpv in consultation.extra_cpv.all()),
        sorted(nuts.code for nuts in consultation.nuts.all()),
    )


def test_one_lot_keeps_every_field():
    consultation = published_consultation()
    data = contract_notice(consultation)

    back = reimported(("cn.xml", data))

    assert back.state == State.PUBLISHED
    assert back.reference == "2027-VOI-004"
    assert back.title == "Réfection de la voirie communale"
    assert back.description == "Chaussées et trottoirs du centre-bourg."
    assert (back.nature, back.procedure) == ("works", Procedure.OPEN)
    assert (back.estimated_value, back.currency) == (Decimal("250000.00"), "EUR")
    assert codes(back) == ("45233140-2", ["45112000-5", "45233141-9"], ["FRC11"])
    assert back.submission_deadline == DEADLINE
    assert back.questions_deadline == QUESTIONS
    assert back.published_at == PUBLISHED
    assert back.lots.count() == 0


def test_buyer_comes_back_by_its_siret():
    data = contract_notice(published_consultation())

    buyer = reimported(("cn.xml", data)).buyer

    assert (buyer.name, buyer.siret, buyer.siren) == (
        "Commune de Châtillon-sur-Seine",
        "21210154700017",
        "212101547",
    )
    assert (buyer.postcode, buyer.town, buyer.country) == (
        "21400",
        "Châtillon-sur-Seine",
        "FR",
    )


def test_several_lots_keep_titles_values_and_codes():
    consultation = published_consultation(estimated_value=None)
    pavement, kerbs = ensure_cpv("45233141-9", "45112000-5")
    LotFactory(
        consultation=consultation,
        number=1,
        title="Chaussées — enrobés à chaud",
        estimated_value=Decimal("180000.00"),
        main_cpv=pavement,
    )
    LotFactory(
        consultation=consultation,
        number=2,
        title="Trottoirs et bordures",
        estimated_value=None,
        main_cpv=kerbs,
    )

    back = reimported(("cn.xml", contract_notice(consultation)))

    assert [
        (lot.number, lot.title, lot.estimated_value, lot.main_cpv.code)
        for lot in back.lots.all()
    ] == [
        (1, "Chaussées — enrobés à chaud", Decimal("180000.00"), "45233141-9"),
        (2, "Trottoirs et bordures", None, "45112000-5"),
    ]
    assert back.estimated_value is None
    assert codes(back) == ("45233140-2", ["45112000-5", "45233141-9"], ["FRC11"])
    assert (back.submission_deadline, back.questions_deadline) == (DEADLINE, QUESTIONS)


def test_a_lot_code_outside_the_call_comes_back_as_an_additional_code():
    # The importer gathers every code of a notice on the consultation.
    consultation = published_consultation()
    (lighting,) = ensure_cpv("45316110-9")
    LotFactory(consultation=consultation, number=1, main_cpv=lighting)
    LotFactory(consultation=consultation, number=2)

    back = reimported(("cn.xml", contract_notice(consultation)))

    assert codes(back)[1] == ["45112000-5", "45233141-9", "45316110-9"]
    assert [lot.main_cpv.code for lot in back.lots.all()] == [
        "45316110-9",
        "45233140-2",
    ]


def test_award_of_one_lot_comes_back_with_its_winner():
    consultation = published_consultation()
    award(consultation)
    awarded(consultation)
    notices = [("cn.xml", contract_notice(consultation))]
    notices.append(("can.xml", award_notice(consultation)))

    back = reimported(*notices)

    assert back.state == State.AWARDED
    assert back.submission_deadline == DEADLINE
    [won] = Award.objects.filter(consultation=back)
    assert won.lot is None
    assert (won.winner.name, won.winner.siret) == (
        "Société Générale d'Étanchéité Bourguignonne",
        "44306184100013",
    )
    assert (won.value, won.currency) == (Decimal("198400.50"), "EUR")
    assert won.decided_on == dt.date(2027, 4, 2)


def test_award_notice_alone_makes_the_awarded_call():
    consultation = published_consultation()
    first = LotFactory(consultation=consultation, number=1, title="Chaussées")
    second = LotFactory(consultation=consultation, number=2, title="Trottoirs")
    award(consultation, lot=first, value=Decimal("120000"))
    award(
        consultation,
        lot=second,
        value=None,
        name="Paysages de Côte-d'Or",
        siret="",
        siren="",
    )
    awarded(consultation)

    back = reimported(("can.xml", award_notice(consultation)))

    assert back.state == State.AWARDED
    assert back.title == "Réfection de la voirie communale"
    assert [
        (a.lot.number, a.lot.title, a.winner.name, a.value)
        for a in Award.objects.filter(consultation=back).order_by("lot__number")
    ] == [
        (
            1,
            "Chaussées",
            "Société Générale d'Étanchéité Bourguignonne",
            Decimal("120000.00"),
        ),
        (2, "Trottoirs", "Paysages de Côte-d'Or", None),
    ]


def test_a_lot_still_open_has_no_winner_in_the_award_notice():
    consultation = published_consultation()
    first = LotFactory(consultation=consultation, number=1)
    LotFactory(consultation=consultation, number=2)
    award(consultation, lot=first)
    awarded(consultation)

    back = reimported(("can.xml", award_notice(consultation)))

    assert [
        (lot.number, [a.winner.name for a in lot.awards.all()])
        for lot in back.lots.all()
    ] == [(1, ["Société Générale d'Étanchéité Bourguignonne"]), (2, [])]


def test_an_adapted_procedure_comes_back_as_another_procedure():
    # eForms has no code for it (TODO(eforms-adapted) in eforms_out).
    consultation = published_consultation(procedure=Procedure.ADAPTED)

    back = reimported(("cn.xml", contract_notice(consultation)))

    assert back.procedure == Procedure.OTHER
