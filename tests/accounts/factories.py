"""Factories for accounts tests, beside the shared ones in tests/factories.py."""

import factory

from mutualis.accounts.models import Organisation, OrganisationKind


class OperatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = OrganisationKind.OPERATOR
    name = factory.Sequence(lambda n: f"Plateforme régionale {n}")


def luhn_complete(digits):
    """`digits` followed by the one digit that makes the whole Luhn-valid."""
    for last in "0123456789":
        candidate = digits + last
        doubled = [
            int(c) * 2 - 9 * (int(c) > 4) if i % 2 else int(c)
            for i, c in enumerate(reversed(candidate))
        ]
        if sum(doubled) % 10 == 0:
            return candidate
    raise AssertionError("unreachable: one digit always completes a Luhn number")


def generated_siret(body="4217309", nic="0001"):
    """A SIRET built from scratch: a Luhn SIREN, then a NIC keeping the whole valid."""
    siren = luhn_complete("1" + body[:7])
    return luhn_complete(siren + nic)
