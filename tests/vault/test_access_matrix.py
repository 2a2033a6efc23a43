"""Who may do what with a business's vault: roles × actions.

Only the business's own members see its documents, and its company admins and
bidders manage them. A buyer, another business, the operator and a superuser
see nothing, not even through the deposit page's list.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from mutualis.accounts.models import OrganisationKind, Role, User
from mutualis.vault import access, actions
from tests.factories import BusinessFactory, BuyerFactory, member
from tests.vault.conftest import upload

pytestmark = pytest.mark.django_db

ROLES = [
    "company admin",
    "bidder",
    "other business",
    "buyer admin",
    "buyer agent",
    "opener",
    "operator admin",
    "superuser",
    "anonymous",
]
ACTIONS = ["see", "download", "offered at deposit", "upload", "replace", "delete"]
MEMBERS = {"company admin", "bidder"}
ALLOWED = dict.fromkeys(ACTIONS, MEMBERS)


@pytest.fixture
def people(business, admin):
    buyer = BuyerFactory(name="Commune de Montbard")
    return {
        "company admin": admin,
        "bidder": member(business, Role.BIDDER),
        "other business": member(BusinessFactory(), Role.COMPANY_ADMIN, Role.BIDDER),
        "buyer admin": member(buyer, Role.BUYER_ADMIN),
        "buyer agent": member(buyer, Role.BUYER_AGENT),
        "opener": member(buyer, Role.OPENER),
        "operator admin": member(
            BuyerFactory(kind=OrganisationKind.OPERATOR), Role.OPERATOR_ADMIN
        ),
        "superuser": User.objects.create_superuser(
            "root@example.org", "pw", full_name="Root"
        ),
        "anonymous": AnonymousUser(),
    }


def allowed(user, action, business, document):
    try:
        return _attempt(user, action, business, document)
    except (PermissionDenied, Http404):
        return False


def _attempt(user, action, business, document):
    file = SimpleUploadedFile("attestation.pdf", b"%PDF-1.7 attestation")
    if action == "see":
        return document in access.documents_of(
            user, access.business_for(user, business.pk)
        )
    if action == "download":
        return access.version_for(user, document.current_id) == document.current
    if action == "offered at deposit":
        return document.current in access.valid_for_deposit(user)
    if action == "upload":
        actions.upload_document(user, business, "tax", "URSSAF", file, None, None)
    elif action == "replace":
        actions.replace_document(user, document, file, None, None)
    elif action == "delete":
        actions.delete_document(user, document)
    return True


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_the_matrix(people, business, admin, role, action):
    document = upload(admin, business)

    result = allowed(people[role], action, business, document)

    assert result == (role in ALLOWED[action])


def test_an_admin_of_one_business_reaches_nothing_of_another(business, admin):
    other = BusinessFactory(name="Charpentes de l'Auxois")
    other_document = upload(member(other, Role.COMPANY_ADMIN), other, title="Autre")

    with pytest.raises(Http404):
        access.business_for(admin, other.pk)
    with pytest.raises(Http404):
        access.version_for(admin, other_document.current_id)
    assert list(access.documents_of(admin, other)) == []
