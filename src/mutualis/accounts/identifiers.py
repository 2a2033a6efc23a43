"""French and EU company identifiers: SIREN, SIRET and VAT numbers."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# La Poste's establishments share SIREN 356000000 and, being more than the Luhn
# scheme leaves room for, INSEE checks their SIRET by a digit sum divisible by 5.
# The head office kept the Luhn-valid SIRET it was given first.
LA_POSTE_SIREN = "356000000"
LA_POSTE_HEAD_OFFICE_SIRET = "35600000000048"

# Passes Luhn, yet INSEE gives it to no one.
NULL_SIREN = "000000000"

# The Member States by ISO 3166 code; Greece's VAT numbers start with EL, not GR.
EU_MEMBER_STATES = {
    "AT": _("Austria"),
    "BE": _("Belgium"),
    "BG": _("Bulgaria"),
    "CY": _("Cyprus"),
    "CZ": _("Czechia"),
    "DE": _("Germany"),
    "DK": _("Denmark"),
    "EE": _("Estonia"),
    "ES": _("Spain"),
    "FI": _("Finland"),
    "FR": _("France"),
    "GR": _("Greece"),
    "HR": _("Croatia"),
    "HU": _("Hungary"),
    "IE": _("Ireland"),
    "IT": _("Italy"),
    "LT": _("Lithuania"),
    "LU": _("Luxembourg"),
    "LV": _("Latvia"),
    "MT": _("Malta"),
    "NL": _("Netherlands"),
    "PL": _("Poland"),
    "PT": _("Portugal"),
    "RO": _("Romania"),
    "SE": _("Sweden"),
    "SI": _("Slovenia"),
    "SK": _("Slovakia"),
}

# The shape of each Member State's VAT number after its two-letter prefix (VIES).
VAT_PATTERNS = {
    "AT": r"U\d{8}",
    "BE": r"[01]\d{9}",
    "BG": r"\d{9,10}",
    "CY": r"\d{8}[A-Z]",
    "CZ": r"\d{8,10}",
    "DE": r"\d{9}",
    "DK": r"\d{8}",
    "EE": r"\d{9}",
    "EL": r"\d{9}",
    "ES": r"[A-Z0-9]\d{7}[A-Z0-9]",
    "FI": r"\d{8}",
    "FR": r"[0-9A-HJ-NP-Z]{2}\d{9}",
    "HR": r"\d{11}",
    "HU": r"\d{8}",
    "IE": r"\d{7}[A-W][A-I]?|\d[A-Z+*]\d{5}[A-W]",
    "IT": r"\d{11}",
    "LT": r"\d{9}|\d{12}",
    "LU": r"\d{8}",
    "LV": r"\d{11}",
    "MT": r"\d{8}",
    "NL": r"\d{9}B\d{2}",
    "PL": r"\d{10}",
    "PT": r"\d{9}",
    # A company's CIF has 2 to 10 digits; a sole trader may use a 13-digit CNP.
    "RO": r"\d{2,10}|\d{13}",
    "SE": r"\d{12}",
    "SI": r"\d{8}",
    "SK": r"\d{10}",
    "XI": r"\d{9}|\d{12}|GD\d{3}|HA\d{3}",
}


def luhn_valid(digits):
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def mod_11_10_valid(digits):
    """ISO 7064 MOD 11,10, the check digit of German VAT numbers."""
    product = 10
    for char in digits[:-1]:
        total = (int(char) + product) % 10 or 10
        product = 2 * total % 11
    return (11 - product) % 10 == int(digits[-1])


def normalise(value):
    return re.sub(r"[\s.\-/:]", "", value or "").upper()


def validate_siren(value):
    siren = normalise(value)
    if not re.fullmatch(r"\d{9}", siren):
        raise ValidationError(_("A SIREN has 9 digits."), code="siren_format")
    if not luhn_valid(siren):
        raise ValidationError(
            _("This SIREN is not valid: its check digit is wrong."), code="siren_key"
        )
    if siren == NULL_SIREN:
        raise ValidationError(
            _("This SIREN is not valid: INSEE gives 000000000 to no one."),
            code="siren_null",
        )
    return siren


def siret_key_valid(siret):
    """Whether a 14-digit SIRET passes INSEE's check (Luhn, or La Poste's rule)."""
    if siret.startswith(LA_POSTE_SIREN) and siret != LA_POSTE_HEAD_OFFICE_SIRET:
        return sum(int(c) for c in siret) % 5 == 0
    return luhn_valid(siret) and luhn_valid(siret[:9])


def validate_siret(value):
    """Return the SIRET without spaces, or raise ValidationError naming the fault."""
    siret = normalise(value)
    if not re.fullmatch(r"\d{14}", siret):
        raise ValidationError(_("A SIRET has 14 digits."), code="siret_format")
    if not siret_key_valid(siret):
        raise ValidationError(
            _("This SIRET is not valid: its check digit is wrong."), code="siret_key"
        )
    if siret[:9] == NULL_SIREN:
        raise ValidationError(
            _("This SIRET is not valid: INSEE gives SIREN 000000000 to no one."),
            code="siren_null",
        )
    return siret


def french_vat_key(siren):
    return (12 + 3 * (int(siren) % 97)) % 97


def vat_prefix(country):
    """The two letters a VAT number of `country` (ISO 3166) starts with."""
    return "EL" if country == "GR" else country


def vat_key_valid(prefix, rest):
    """Check digits where their rule is public and certain; other shapes pass."""
    if prefix == "FR" and rest[:2].isdigit():
        # Letter keys (new-style numbers) have no published rule to check.
        return int(rest[:2]) == french_vat_key(rest[2:])
    if prefix == "BE":
        return 97 - int(rest[:8]) % 97 == int(rest[8:])
    if prefix == "DE":
        return mod_11_10_valid(rest)
    if prefix == "IT":
        return luhn_valid(rest)
    return True


def validate_vat_number(value):
    """Return the VAT number in its canonical form (country prefix, no spaces)."""
    vat = normalise(value)
    if vat.startswith("GR"):
        vat = "EL" + vat[2:]
    country, rest = vat[:2], vat[2:]
    pattern = VAT_PATTERNS.get(country)
    if pattern is None:
        raise ValidationError(
            _("A VAT number starts with the two letters of an EU Member State."),
            code="vat_country",
        )
    if not re.fullmatch(pattern, rest):
        raise ValidationError(
            _("This is not the shape of a VAT number of %(country)s."),
            code="vat_format",
            params={"country": country},
        )
    if not vat_key_valid(country, rest):
        raise ValidationError(
            _("This VAT number is not valid: its check digits are wrong."),
            code="vat_key",
        )
    return vat


def siret_from_siren(siren, nic):
    return f"{siren}{nic}"


def business_identifiers(country, siret="", vat_number=""):
    """Check what a business of `country` registers with: (siret, siren, vat_number).

    A French business gives the SIRET of its establishment, its VAT number being
    optional; a business of another Member State gives its VAT number. Errors are
    raised as one ValidationError keyed by field name.
    """
    siret, vat_number = (siret or "").strip(), (vat_number or "").strip()
    if country == "FR":
        siret, vat_number = _french_identifiers(siret, vat_number)
    elif country in EU_MEMBER_STATES:
        vat_number = _foreign_identifiers(country, siret, vat_number)
        siret = ""
    else:
        raise ValidationError(
            {"country": _("Choose a Member State of the European Union.")}
        )
    return siret, siret[:9], vat_number


def _french_identifiers(siret, vat_number):
    errors = {}
    if not siret:
        errors["siret"] = ValidationError(
            _("A business established in France registers with its SIRET."),
            code="siret_required",
        )
    else:
        try:
            siret = validate_siret(siret)
        except ValidationError as error:
            errors["siret"] = error
    if vat_number:
        try:
            vat_number = _french_vat_number(vat_number, siret, "siret" in errors)
        except ValidationError as error:
            errors["vat_number"] = error
    if errors:
        raise ValidationError(errors)
    return siret, vat_number


def _french_vat_number(value, siret, siret_invalid):
    vat = validate_vat_number(value)
    if not vat.startswith("FR"):
        raise ValidationError(
            _("A business established in France has a VAT number starting with FR."),
            code="vat_country",
        )
    if not siret_invalid and vat[4:] != siret[:9]:
        raise ValidationError(
            _("This VAT number is that of SIREN %(vat_siren)s, not %(siren)s."),
            code="vat_siren",
            params={"vat_siren": vat[4:], "siren": siret[:9]},
        )
    return vat


def _foreign_identifiers(country, siret, vat_number):
    errors = {}
    if siret:
        errors["siret"] = ValidationError(
            _(
                "A SIRET identifies an establishment in France: choose France as "
                "the country, or leave the SIRET empty."
            ),
            code="siret_abroad",
        )
    try:
        vat_number = _foreign_vat_number(country, vat_number)
    except ValidationError as error:
        errors["vat_number"] = error
    if errors:
        raise ValidationError(errors)
    return vat_number


def _foreign_vat_number(country, value):
    if not value:
        raise ValidationError(
            _("A business established outside France registers with its VAT number."),
            code="vat_required",
        )
    vat = validate_vat_number(value)
    prefix = vat_prefix(country)
    if not vat.startswith(prefix):
        raise ValidationError(
            _("A VAT number of %(country)s starts with %(prefix)s."),
            code="vat_country",
            params={"country": EU_MEMBER_STATES[country], "prefix": prefix},
        )
    return vat
