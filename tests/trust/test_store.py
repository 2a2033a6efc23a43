"""current_anchors(): the roots, registry and sources validators are given."""

import asyncio

import pytest
from django.core.exceptions import ValidationError
from pyhanko.sign.validation.qualified.assess import QualificationAssessor
from pyhanko.sign.validation.qualified.tsp import QcCertType
from pyhanko_certvalidator import CertificateValidator, ValidationContext

from mutualis.core.models import JournalEntry
from mutualis.trust.store import (
    Document,
    accept_authority,
    current_anchors,
    import_trusted_lists,
    invalidate,
    withdraw_authority,
)
from tests.factories import UserFactory
from tests.trust.trusted_list import issue_qualified, make_ca, make_party, sample_trust

pytestmark = pytest.mark.django_db


@pytest.fixture
def trust():
    return sample_trust()


def imported(trust):
    import_trusted_lists(
        [Document("lotl.xml", trust.lotl), Document("tl-zz.xml", trust.national)],
        lotl_signers=[trust.tlso.asn1],
    )
    return trust


def validated_path(anchors, certificate):
    context = ValidationContext(
        trust_roots=list(anchors.roots),
        allow_fetching=False,
        revocation_mode="soft-fail",
    )
    validator = CertificateValidator(certificate, validation_context=context)
    return asyncio.run(validator.async_validate_usage(set()))


def test_without_lists_or_authorities_nothing_is_trusted():
    anchors = current_anchors()

    assert anchors.roots == ()
    assert anchors.registry is None
    assert anchors.sources == {}
    assert anchors.fetching is False


def test_the_cas_of_the_imported_lists_are_roots_with_their_source(trust):
    imported(trust)

    anchors = current_anchors()

    assert [root.sha256 for root in anchors.roots] == [trust.ca.asn1.sha256]
    assert str(anchors.source_of(trust.ca.asn1)) == "Trusted list ZZ (sequence 1)"
    assert anchors.source_of(trust.tlso.asn1) is None


def test_a_certificate_of_the_listed_ca_is_qualified(trust):
    imported(trust)
    anchors = current_anchors()

    path = validated_path(anchors, trust.signer.asn1)
    result = QualificationAssessor(anchors.registry).check_entity_cert_qualified(path)

    assert result.status.qualified is True
    assert result.status.qc_type == QcCertType.QC_ESIGN
    assert result.service_definition.base_info.service_name == (
        "Test qualified CA service"
    )


def test_a_certificate_of_an_accepted_authority_chains_but_is_not_qualified(trust):
    imported(trust)
    partner = make_ca("Partner region CA")
    accept_authority(UserFactory(is_staff=True), partner.pem, "partner region X")
    anchors = current_anchors()

    path = validated_path(anchors, issue_qualified(partner).asn1)
    result = QualificationAssessor(anchors.registry).check_entity_cert_qualified(path)

    assert path.trust_anchor.authority.name == partner.asn1.subject
    assert str(anchors.source_of(partner.asn1)) == (
        "Accepted by the operator: partner region X"
    )
    assert result.status.qualified is False


def test_the_cache_follows_authorities_added_and_withdrawn():
    operator = UserFactory(is_staff=True)
    before = current_anchors()
    assert current_anchors() is before
    partner = make_ca("Partner region CA")

    authority = accept_authority(operator, partner.der, "partner region X")
    with_partner = current_anchors()
    withdraw_authority(operator, authority)
    without = current_anchors()

    assert [root.sha256 for root in with_partner.roots] == [partner.asn1.sha256]
    assert without.roots == ()


def test_the_cache_follows_an_import(trust):
    before = current_anchors()

    imported(trust)

    assert before.roots == ()
    assert len(current_anchors().roots) == 1


def test_fetching_follows_the_setting(settings):
    settings.MUTUALIS_REVOCATION_FETCHING = True
    # The cache follows the store's content, not the settings: start afresh.
    invalidate()

    assert current_anchors().fetching is True


def test_accepting_and_withdrawing_are_journalled():
    operator = UserFactory(is_staff=True)
    partner = make_ca("Partner region CA")

    authority = accept_authority(operator, partner.pem, "partner region X")
    withdraw_authority(operator, authority)

    entries = JournalEntry.objects.filter(object_id=str(authority.pk)).order_by(
        "sequence"
    )
    assert [(e.action, e.actor_id) for e in entries] == [
        ("trust.authority-accepted", operator.pk),
        ("trust.authority-withdrawn", operator.pk),
    ]
    assert entries[0].data["note"] == "partner region X"
    assert entries[0].data["sha256"] == partner.asn1.sha256.hex()


def test_an_end_entity_certificate_is_not_accepted():
    leaf = make_party("Not a CA")

    with pytest.raises(ValidationError) as refused:
        accept_authority(UserFactory(is_staff=True), leaf.pem, "no")

    assert refused.value.messages == [
        "This certificate is not a certification authority's (no CA flag)."
    ]


def test_garbage_is_not_a_certificate():
    with pytest.raises(ValidationError) as refused:
        accept_authority(UserFactory(is_staff=True), b"not a certificate", "no")

    assert refused.value.messages == [
        "This file is not a certificate in PEM or DER form."
    ]


def test_the_same_authority_is_not_accepted_twice_but_may_come_back():
    operator = UserFactory(is_staff=True)
    partner = make_ca("Partner region CA")
    first = accept_authority(operator, partner.pem, "partner region X")

    with pytest.raises(ValidationError):
        accept_authority(operator, partner.pem, "again")
    withdraw_authority(operator, first)
    again = accept_authority(operator, partner.pem, "back again")

    assert again.pk != first.pk
    assert again.is_active
