from collections import Counter

import pytest

from mutualis.accounts.models import BuyerType, Organisation, OrganisationKind
from mutualis.referential.loaders import load_burgundy_buyers
from tests.referential.shipped import commune_rows

pytestmark = pytest.mark.django_db


def buyers(buyer_type):
    return Organisation.objects.filter(
        kind=OrganisationKind.BUYER, buyer_type=buyer_type
    )


def test_every_public_body_of_the_file_becomes_a_buyer():
    rows = commune_rows()

    loaded = load_burgundy_buyers()

    epcis = {row["epci_siren"] for row in rows}
    assert len(rows) == 1993
    assert buyers(BuyerType.COMMUNE).count() == 1993
    assert buyers(BuyerType.EPCI).count() == len(epcis) == 65
    assert [d.name for d in buyers(BuyerType.DEPARTEMENT)] == [
        "Côte-d'Or",
        "Nièvre",
        "Saône-et-Loire",
        "Yonne",
    ]
    assert [r.name for r in buyers(BuyerType.REGION)] == ["Bourgogne-Franche-Comté"]
    assert loaded.total == loaded.created == 1993 + 65 + 4 + 1


def test_a_commune_knows_its_epci_departement_region_and_place():
    row = next(row for row in commune_rows() if row["code_insee"] == "21001")

    load_burgundy_buyers()
    agencourt = Organisation.objects.get(insee_code="21001")

    assert agencourt.name == agencourt.town == row["nom"] == "Agencourt"
    assert agencourt.buyer_type == BuyerType.COMMUNE
    assert agencourt.siren == row["siren"]
    assert agencourt.postcode == row["codes_postaux"] == "21700"
    assert agencourt.population == int(row["population"])
    assert (agencourt.latitude, agencourt.longitude) == (
        float(row["latitude"]),
        float(row["longitude"]),
    )
    assert agencourt.nuts.code == "FRC11"
    assert (agencourt.country, agencourt.time_zone) == ("FR", "Europe/Paris")
    epci = agencourt.parent
    assert (epci.name, epci.siren, epci.buyer_type) == (
        row["epci_nom"],
        row["epci_siren"],
        BuyerType.EPCI,
    )
    assert epci.parent.name == "Côte-d'Or"
    assert epci.parent.insee_code == "D21"
    assert epci.parent.parent.name == "Bourgogne-Franche-Comté"


def test_a_commune_with_several_postcodes_keeps_the_first():
    row = next(row for row in commune_rows() if "|" in row["codes_postaux"])

    load_burgundy_buyers()

    commune = Organisation.objects.get(insee_code=row["code_insee"])
    assert commune.postcode == row["codes_postaux"].split("|")[0]


def test_an_epci_across_departements_belongs_to_the_one_with_most_communes():
    rows = commune_rows()
    spread = Counter()
    for row in rows:
        spread[row["epci_siren"], row["departement"]] += 1
    siren = next(s for s, _ in spread if len({d for e, d in spread if e == s}) > 1)
    majority = max((n, d) for (s, d), n in spread.items() if s == siren)[1]

    load_burgundy_buyers()

    epci = Organisation.objects.get(buyer_type=BuyerType.EPCI, siren=siren)
    assert epci.parent.insee_code == f"D{majority}"


def test_departements_sit_at_their_chef_lieu_in_their_nuts_region():
    load_burgundy_buyers()

    places = {
        d.name: (d.town, d.postcode, d.nuts.code, d.parent.name)
        for d in buyers(BuyerType.DEPARTEMENT)
    }

    assert places == {
        "Côte-d'Or": ("Dijon", "21000", "FRC11", "Bourgogne-Franche-Comté"),
        "Nièvre": ("Nevers", "58000", "FRC12", "Bourgogne-Franche-Comté"),
        "Saône-et-Loire": ("Mâcon", "71000", "FRC13", "Bourgogne-Franche-Comté"),
        "Yonne": ("Auxerre", "89000", "FRC14", "Bourgogne-Franche-Comté"),
    }


def test_a_second_load_keeps_the_buyers_and_what_others_added():
    load_burgundy_buyers()
    agencourt = Organisation.objects.get(insee_code="21001")
    agencourt.address = "1 rue de la Mairie"
    agencourt.save()

    again = load_burgundy_buyers()

    assert (again.created, again.updated) == (0, 0)
    assert Organisation.objects.count() == 2063
    assert Organisation.objects.get(insee_code="21001").address == "1 rue de la Mairie"
