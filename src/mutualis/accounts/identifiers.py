"""French and EU company identifiers: SIREN, SIRET and VAT numbers."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# La Poste's establishments share SIREN 356000000 and, having more than can fit the
# Luhn scheme, their SIRET is checked by a digit sum divisible by 5 instead.
LA_POSTE_SIREN = "356000000"

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
    "RO": r"\d{2,10}",
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


def normalise(value):
    return re.sub(r"[\s.\-]", "", value or "").upper()


def validate_siren(value):
    siren = normalise(value)
    if not re.fullmatch(r"\d{9}", siren):
        raise ValidationError(_("A SIREN has 9 digits."), code="siren_format")
    if not luhn_valid(siren):
        raise ValidationError(
            _("This SIREN is not valid: its check digit is wrong."), code="siren_key"
        )
    return siren


def validate_siret(value):
    """Return the SIRET without spaces, or raise ValidationError naming the fault."""
    siret = normalise(value)
    if not re.fullmatch(r"\d{14}", siret):
        raise ValidationError(_("A SIRET has 14 digits."), code="siret_format")
    if siret.startswith(LA_POSTE_SIREN):
        valid = sum(int(c) for c in siret) % 5 == 0
    else:
        valid = luhn_valid(siret) and luhn_valid(siret[:9])
    if not valid:
        raise ValidationError(
            _("This SIRET is not valid: its check digit is wrong."), code="siret_key"
        )
    return siret


def french_vat_key(siren):
    return (12 + 3 * (int(siren) % 97)) % 97


def validate_vat_number(value):
    """Return the VAT number in its canonical form (country prefix, no spaces)."""
    vat = normalise(value)
    country, rest = vat[:2], vat[2:]
    pattern = VAT_PATTERNS.get(country)
    if pattern is None:
        raise ValidationError(
            _("A VAT number starts with the two letters of an EU Member State."),
            code="vat_country",
        )
    if not re.fullmatch(pattern, rest):
        raise ValidationError(
            _("This is not the shape of a VAT number of %(country)s.")
            % {"country": country},
            code="vat_format",
        )
    french_key_wrong = (
        country == "FR"
        and rest[:2].isdigit()
        and int(rest[:2]) != french_vat_key(rest[2:])
    )
    if french_key_wrong:
        raise ValidationError(
            _("This French VAT number is not valid: its key does not match."),
            code="vat_key",
        )
    return vat


def siret_from_siren(siren, nic):
    return f"{siren}{nic}"
