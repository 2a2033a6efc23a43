"""The operator reads the register of imported notices in the admin."""

import pytest

from mutualis.accounts.models import User
from mutualis.exchange.importer import import_notice
from tests.exchange.notices import ensure_codes, ted

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = User.objects.create_superuser("admin@example.org", "correct horse battery")
    client.force_login(admin)
    return client


def test_register_lists_imported_notices_and_cannot_be_edited(admin_client):
    ensure_codes(ted("2024-OJS017-00047522.xml"))
    consultation = import_notice(ted("2024-OJS017-00047522.xml")).consultation
    entry = consultation.imported_notices.get()

    listing = admin_client.get("/admin/exchange/importednotice/")
    add = admin_client.get("/admin/exchange/importednotice/add/")
    change = admin_client.post(
        f"/admin/exchange/importednotice/{entry.pk}/change/", {"notice_type": "x"}
    )

    assert listing.status_code == 200
    assert "00047522-2024" in listing.text
    assert "2024-FCS-0010" in listing.text
    assert add.status_code == 403
    assert change.status_code == 403
    entry.refresh_from_db()
    assert entry.notice_type == "cn-standard"
