import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mutualis.accounts.models import Role
from mutualis.vault import actions
from mutualis.vault.models import DocumentType
from tests.factories import BusinessFactory, member

KBIS = b"%PDF-1.7 extrait Kbis " * 200


@pytest.fixture
def business():
    return BusinessFactory(name="Menuiseries du Châtillonnais")


@pytest.fixture
def admin(business):
    return member(
        business,
        Role.COMPANY_ADMIN,
        full_name="Agnès Morel",
        email="agnes.morel@example.org",
        language="fr",
    )


@pytest.fixture
def bidder(business):
    return member(
        business,
        Role.BIDDER,
        full_name="Hélène Bérard",
        email="helene.berard@example.org",
        language="en",
    )


def upload(
    user,
    business,
    *,
    kind=DocumentType.KBIS,
    title="Extrait Kbis",
    name="kbis.pdf",
    content=KBIS,
    valid_from=None,
    valid_until=None,
):
    """A document put in `business`'s vault by `user`, through the action."""
    return actions.upload_document(
        user,
        business,
        kind,
        title,
        SimpleUploadedFile(name, content),
        valid_from,
        valid_until,
    )


def day(*parts):
    return dt.date(*parts)
