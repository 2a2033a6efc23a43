import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from mutualis.accounts.identifiers import (
    business_identifiers,
    mod_11_10_valid,
    validate_siren,
    validate_siret,
    validate_vat_number,
)
from tests.accounts.factories import generated_siret, luhn_complete

DIGITS = "0123456789"


def luhn_rule(number):
    """Luhn, written another way: every second digit from the right is doubled and
    its digits summed; the total is a multiple of ten."""
    total = 0
    for index, char in enumerate(reversed(number)):
        doubled = str(int(char) * (2 if index % 2 else 1))
        total += sum(int(d) for d in doubled)
    return total % 10 == 0


def siret_rule(siret):
    """INSEE's rule: the SIREN and the whole SIRET are Luhn numbers, except La Poste's
    establishments (SIREN 356000000), whose digits add up to a multiple of five, its
    head office 356 000 000 00048 keeping a Luhn SIRET. SIREN 000000000, Luhn-valid,
    is given to no one."""
    if siret[:9] == "000000000":
        return False
    if siret[:9] == "356000000" and siret != "35600000000048":
        return sum(int(c) for c in siret) % 5 == 0
    return luhn_rule(siret[:9]) and luhn_rule(siret)


def message(error):
    return " ".join(error.value.messages)


@pytest.mark.parametrize(
    "siret",
    [
        "73282932000074",  # a company's establishment, Luhn on SIREN and SIRET
        "30206838200050",
        "77556323200104",
        "35600000009075",  # La Poste establishments: digit sum 35, 45
        "35600000049837",
        "35600000000048",  # La Poste's head office: Luhn, digit sum 26
        generated_siret(),
        generated_siret("9876543", "0042"),
    ],
)
def test_a_valid_siret_is_accepted(siret):
    assert validate_siret(siret) == siret


def test_a_siret_may_be_written_with_spaces_or_dots():
    assert validate_siret(" 732 829 320 00074 ") == "73282932000074"
    assert validate_siret("732.829.320.00074") == "73282932000074"


@pytest.mark.parametrize(
    ("siret", "expected"),
    [
        ("73282932000079", "This SIRET is not valid: its check digit is wrong."),
        ("35600000049838", "This SIRET is not valid: its check digit is wrong."),
        ("35600000000049", "This SIRET is not valid: its check digit is wrong."),
        ("7328293200007", "A SIRET has 14 digits."),
        ("732829320000744", "A SIRET has 14 digits."),
        ("7328293200007A", "A SIRET has 14 digits."),
        ("", "A SIRET has 14 digits."),
        (
            "00000000000000",
            "This SIRET is not valid: INSEE gives SIREN 000000000 to no one.",
        ),
        (
            luhn_complete("0000000000001"),
            "This SIRET is not valid: INSEE gives SIREN 000000000 to no one.",
        ),
    ],
)
def test_a_wrong_siret_is_refused_with_its_fault(siret, expected):
    with pytest.raises(ValidationError) as error:
        validate_siret(siret)

    assert message(error) == expected


def test_a_luhn_siret_whose_siren_fails_luhn_is_refused():
    siren = "123456780"  # not a Luhn number
    siret = luhn_complete(siren + "0001")
    assert luhn_rule(siret) and not luhn_rule(siren)

    with pytest.raises(ValidationError):
        validate_siret(siret)


def test_a_la_poste_siret_is_not_judged_by_luhn():
    luhn_only = luhn_complete("3560000000001")
    assert sum(int(c) for c in luhn_only) % 5 != 0

    with pytest.raises(ValidationError):
        validate_siret(luhn_only)


fourteen_digits = st.text(DIGITS, min_size=14, max_size=14)
null_siren = st.text(DIGITS, min_size=5, max_size=5).map(
    lambda tail: "000000000" + tail
)
la_poste = st.text(DIGITS, min_size=5, max_size=5).map(lambda tail: "356000000" + tail)
luhn_made = st.text(DIGITS, min_size=8, max_size=8).flatmap(
    lambda siren: st.text(DIGITS, min_size=4, max_size=4).map(
        lambda nic: luhn_complete(luhn_complete(siren) + nic)
    )
)


@given(st.one_of(fourteen_digits, la_poste, luhn_made, null_siren))
def test_a_14_digit_string_is_accepted_exactly_when_it_passes_insee_rule(siret):
    try:
        validate_siret(siret)
        accepted = True
    except ValidationError:
        accepted = False

    assert accepted == siret_rule(siret)


def test_a_siren_is_checked_by_luhn():
    assert validate_siren("732 829 320") == "732829320"
    with pytest.raises(ValidationError):
        validate_siren("732829321")


def test_a_siren_of_nine_zeros_passes_luhn_but_is_refused():
    assert luhn_rule("000000000")

    with pytest.raises(ValidationError) as error:
        validate_siren("000 000 000")

    assert message(error) == "This SIREN is not valid: INSEE gives 000000000 to no one."


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("FR 40 303 265 045", "FR40303265045"),
        ("fr 71383076817", "FR71383076817"),
        ("FR K 7399859412", "FRK7399859412"),  # new-style letter key
        ("DE 136 308 783", "DE136308783"),
        ("DE-811125440", "DE811125440"),
        ("BE 0428.759.497", "BE0428759497"),
        ("IT 00743110157", "IT00743110157"),
        ("ES A-28184661", "ESA28184661"),
        ("ES X5277343Q", "ESX5277343Q"),
        ("NL 806753742B01", "NL806753742B01"),
        ("ATU13585627", "ATU13585627"),
        ("PL 584-030-44-72", "PL5840304472"),
        ("EL 094501040", "EL094501040"),
        ("GR 094501040", "EL094501040"),  # Greece's ISO code, written by mistake
        ("IE 6433435IH", "IE6433435IH"),
        ("IE 8D79739I", "IE8D79739I"),
        ("SE 556058115801", "SE556058115801"),
        ("PT 502448911", "PT502448911"),
        ("LU 10059929", "LU10059929"),
        ("RO 1630615123457", "RO1630615123457"),
        ("CZ 640229/4448", "CZ6402294448"),
        ("DK: 21599336", "DK21599336"),
    ],
)
def test_a_vat_number_of_a_member_state_is_accepted_in_canonical_form(
    written, canonical
):
    assert validate_vat_number(written) == canonical


@pytest.mark.parametrize(
    ("vat", "expected"),
    [
        (
            "US123456789",
            "A VAT number starts with the two letters of an EU Member State.",
        ),
        ("", "A VAT number starts with the two letters of an EU Member State."),
        ("DE12345678", "This is not the shape of a VAT number of DE."),
        ("NL806753742A01", "This is not the shape of a VAT number of NL."),
        ("ATX13585627", "This is not the shape of a VAT number of AT."),
        ("FR04409414264", "This VAT number is not valid: its check digits are wrong."),
        ("BE0406139583", "This VAT number is not valid: its check digits are wrong."),
        ("DE125014855", "This VAT number is not valid: its check digits are wrong."),
        ("IT00743110158", "This VAT number is not valid: its check digits are wrong."),
    ],
)
def test_a_wrong_vat_number_is_refused_with_its_fault(vat, expected):
    with pytest.raises(ValidationError) as error:
        validate_vat_number(vat)

    assert message(error) == expected


@given(st.text(DIGITS, min_size=9, max_size=9))
def test_a_french_vat_number_carries_the_key_of_its_siren(siren):
    key = (12 + 3 * (int(siren) % 97)) % 97
    wrong = (key + 1) % 97

    assert validate_vat_number(f"FR{key:02d}{siren}") == f"FR{key:02d}{siren}"
    with pytest.raises(ValidationError):
        validate_vat_number(f"FR{wrong:02d}{siren}")


@given(st.text(DIGITS, min_size=8, max_size=8))
def test_one_check_digit_in_ten_completes_a_german_vat_number(body):
    valid = [d for d in DIGITS if mod_11_10_valid(body + d)]

    assert len(valid) == 1


def test_a_french_business_registers_with_its_siret_and_optional_vat_number():
    assert business_identifiers("FR", "732 829 320 00074", "FR44732829320") == (
        "73282932000074",
        "732829320",
        "FR44732829320",
    )
    assert business_identifiers("FR", "73282932000074") == (
        "73282932000074",
        "732829320",
        "",
    )


def errors_of(call):
    with pytest.raises(ValidationError) as error:
        call()
    return {field: " ".join(texts) for field, texts in error.value.message_dict.items()}


def test_a_french_business_without_siret_is_told_to_give_it():
    assert errors_of(lambda: business_identifiers("FR", "", "")) == {
        "siret": "A business established in France registers with its SIRET."
    }


def test_a_french_vat_number_of_another_siren_is_refused():
    errors = errors_of(
        lambda: business_identifiers("FR", "73282932000074", "FR40303265045")
    )

    assert errors == {
        "vat_number": "This VAT number is that of SIREN 303265045, not 732829320."
    }


def test_a_foreign_business_registers_with_its_vat_number_only():
    assert business_identifiers("GR", "", "EL 094501040") == ("", "", "EL094501040")
    assert business_identifiers("DE", "", "DE136308783") == ("", "", "DE136308783")


def test_a_foreign_business_is_refused_a_siret_and_a_vat_number_of_elsewhere():
    errors = errors_of(
        lambda: business_identifiers("BE", "73282932000074", "DE136308783")
    )

    assert errors == {
        "siret": "A SIRET identifies an establishment in France: choose France as "
        "the country, or leave the SIRET empty.",
        "vat_number": "A VAT number of Belgium starts with BE.",
    }


def test_a_country_outside_the_union_is_refused():
    assert errors_of(lambda: business_identifiers("CH", "", "CHE123")) == {
        "country": "Choose a Member State of the European Union."
    }
