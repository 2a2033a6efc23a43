"""Factories shared by the whole suite; each app may add its own beside its tests."""

import datetime as dt

import factory
from pyrage import x25519

from mutualis.accounts.models import (
    BuyerType,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    User,
)
from mutualis.bids.models import OpenerKey, OpeningCommission
from mutualis.core.time import now
from mutualis.tenders.models import (
    Consultation,
    ConsultationText,
    Lot,
    Nature,
    Procedure,
    State,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name", locale="fr_FR")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class BuyerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = OrganisationKind.BUYER
    buyer_type = BuyerType.COMMUNE
    name = factory.Sequence(lambda n: f"Commune de Test-{n}")


class BusinessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = OrganisationKind.BUSINESS
    name = factory.Sequence(lambda n: f"Entreprise {n} SARL")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(BuyerFactory)
    role = Role.BUYER_AGENT


def member(organisation, *roles, **user_fields):
    """A new user holding `roles` in `organisation`."""
    user = UserFactory(**user_fields)
    for role in roles:
        Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


class ConsultationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consultation

    buyer = factory.SubFactory(BuyerFactory)
    reference = factory.Sequence(lambda n: f"2027-{n:04d}")
    title = factory.Sequence(lambda n: f"Réfection de la voirie communale, tranche {n}")
    description = "Travaux de réfection de chaussée et de trottoirs."
    nature = Nature.WORKS
    procedure = Procedure.ADAPTED
    questions_deadline = factory.LazyFunction(lambda: now() + dt.timedelta(days=20))
    submission_deadline = factory.LazyFunction(lambda: now() + dt.timedelta(days=30))
    state = State.DRAFT

    class Params:
        published = factory.Trait(
            state=State.PUBLISHED, published_at=factory.LazyFunction(now)
        )


class ConsultationTextFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsultationText

    consultation = factory.SubFactory(ConsultationFactory)
    language = "it"
    title = "Rifacimento della viabilità comunale"
    description = "Lavori di rifacimento della carreggiata e dei marciapiedi."


class LotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lot

    consultation = factory.SubFactory(ConsultationFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Lot {n + 1}")


class OpenerKeyFactory(factory.django.DjangoModelFactory):
    """An opener's registered key; pass `recipient` of a kept identity to open."""

    class Meta:
        model = OpenerKey

    user = factory.SubFactory(UserFactory)
    buyer = factory.SubFactory(BuyerFactory)
    recipient = factory.LazyFunction(
        lambda: str(x25519.Identity.generate().to_public())
    )
    created_at = factory.LazyFunction(now)


def opener_key(buyer, user=None, **fields):
    """A key of `user` (a new opener of `buyer` by default) for `buyer`."""
    user = user or member(buyer, Role.OPENER)
    return OpenerKeyFactory(user=user, buyer=buyer, **fields)


def commission(consultation, keys=None, threshold=1):
    """Name `keys` (one new opener's key by default) as the opening commission."""
    keys = keys or [opener_key(consultation.buyer)]
    named = OpeningCommission.objects.create(
        consultation=consultation, threshold=threshold
    )
    named.keys.set(keys)
    return named
