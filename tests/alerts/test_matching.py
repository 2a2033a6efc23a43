"""What an alert matches, read from the saved alert and the stored consultations."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mutualis.alerts.models import Alert
from mutualis.core.time import now
from mutualis.tenders.models import Nature, Procedure, State
from mutualis.tenders.search import Criteria, search
from tests.alerts.factories import alert, matched
from tests.factories import BuyerFactory, ConsultationFactory, LotFactory
from tests.referential_data import ensure_cpv, ensure_nuts

pytestmark = pytest.mark.django_db


def public(reference, **fields):
    fields.setdefault("state", State.PUBLISHED)
    return ConsultationFactory(reference=reference, **fields)


def test_a_cpv_code_covers_its_children_on_the_main_code_additional_codes_and_lots(
    owner,
):
    works, roads, roadworks, bridges = ensure_cpv(
        "45000000-7", "45233000-9", "45233140-2", "45221110-6"
    )
    public("MAIN", main_cpv=roadworks)
    extra = public("EXTRA", main_cpv=bridges)
    extra.extra_cpv.set([roadworks])
    lotted = public("LOT", main_cpv=bridges)
    LotFactory(consultation=lotted, main_cpv=roads)
    public("BRIDGE", main_cpv=bridges)

    assert matched(alert(owner, cpv_codes=[roads.code])) == ["EXTRA", "LOT", "MAIN"]
    assert matched(alert(owner, cpv_codes=[works.code])) == [
        "BRIDGE",
        "EXTRA",
        "LOT",
        "MAIN",
    ]
    # A child does not cover its parent.
    assert matched(alert(owner, cpv_codes=[roadworks.code])) == ["EXTRA", "MAIN"]


def test_a_nuts_code_covers_the_regions_inside_it(owner):
    cote_dor, nievre, _yonne, paris = ensure_nuts("FRC11", "FRC12", "FRC14", "FR101")
    public("DIJON").nuts.set([cote_dor])
    public("NEVERS").nuts.set([nievre])
    public("PARIS").nuts.set([paris])

    assert matched(alert(owner, nuts_codes=["FRC11"])) == ["DIJON"]
    assert matched(alert(owner, nuts_codes=["FRC1"])) == ["DIJON", "NEVERS"]
    assert matched(alert(owner, nuts_codes=["FR"])) == ["DIJON", "NEVERS", "PARIS"]
    assert matched(alert(owner, nuts_codes=["FRC14", "FR1"])) == ["PARIS"]


@pytest.mark.parametrize(
    "keywords",
    ["voiri", "REFECTION", "réfection chaussée", "ecole", "batiment energ", "pont"],
)
def test_keywords_find_what_the_portal_search_finds(owner, keywords):
    public(
        "VOIRIE", title="Réfection de la Voirie", description="Chaussée et trottoirs"
    )
    public("ECOLE", title="Extension de l'école", description="Bâtiment à énergie")
    public("PONT", title="Réfection du pont", description="Ouvrage d'art")

    portal = sorted(c.reference for c in search(Criteria(text=keywords)))

    assert matched(alert(owner, keywords=keywords)) == portal
    assert portal


def test_a_value_range_reads_the_estimated_value_and_skips_unknown_ones(owner):
    public("SMALL", estimated_value=Decimal("39999.99"))
    public("MEDIUM", estimated_value=Decimal("40000"))
    public("LARGE", estimated_value=Decimal("5538000"))
    public("UNKNOWN", estimated_value=None)

    assert matched(alert(owner, min_value=Decimal("40000"))) == ["LARGE", "MEDIUM"]
    assert matched(alert(owner, max_value=Decimal("40000"))) == ["MEDIUM", "SMALL"]
    assert matched(
        alert(owner, min_value=Decimal("40000"), max_value=Decimal("100000"))
    ) == ["MEDIUM"]
    assert matched(alert(owner)) == ["LARGE", "MEDIUM", "SMALL", "UNKNOWN"]


def test_nature_procedures_and_buyers_must_all_match(owner):
    dijon, beaune = BuyerFactory(name="Dijon"), BuyerFactory(name="Beaune")
    public("WORKS-OPEN", nature=Nature.WORKS, procedure=Procedure.OPEN, buyer=dijon)
    public("SUPPLIES", nature=Nature.SUPPLIES, procedure=Procedure.OPEN, buyer=dijon)
    public("WORKS-MAPA", nature=Nature.WORKS, procedure=Procedure.ADAPTED, buyer=beaune)

    assert matched(alert(owner, nature=Nature.WORKS)) == ["WORKS-MAPA", "WORKS-OPEN"]
    assert matched(alert(owner, nature=Nature.WORKS, procedures=[Procedure.OPEN])) == [
        "WORKS-OPEN"
    ]
    assert matched(
        alert(owner, procedures=[Procedure.OPEN, Procedure.ADAPTED], buyers=[beaune])
    ) == ["WORKS-MAPA"]


TITLES = [
    ("VOIRIE", "Réfection de la Voirie communale", "Chaussée, trottoirs"),
    ("ECOLE", "Extension de l'école élémentaire", "Bâtiment à énergie positive"),
    ("PONT", "Réfection du pont de l'Ouche", "Ouvrage d'art"),
    ("ECLAIRAGE", "Éclairage public", "Maintenance des candélabres"),
]
TYPED = [
    "réfection",
    "REFECTION",
    "voiri",
    "école",
    "ecole",
    "éclair",
    "batiment",
    "energie",
    "pont",
    "d'art",
    "l'Ouche",
    "chaussee",
    "maintenance",
    "candelabre",
    "é",
]


def test_keywords_agree_with_the_portal_search_whatever_is_typed(owner):
    for reference, title, description in TITLES:
        public(reference, title=title, description=description)

    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.sampled_from(TYPED), min_size=1, max_size=3).map(" ".join))
    def agree(keywords):
        portal = sorted(c.reference for c in search(Criteria(text=keywords)))
        assert matched(wanted_alert(keywords)) == portal

    def wanted_alert(keywords):
        saved, _created = Alert.objects.update_or_create(
            owner=owner,
            name="typed",
            defaults={"keywords": keywords, "created_at": now(), "last_run_at": now()},
        )
        return saved

    agree()
