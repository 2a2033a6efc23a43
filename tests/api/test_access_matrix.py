"""Who may call which authenticated endpoint, by token: every cell, by HTTP.

The token's organisation bounds what it may do: a buyer's staff manage its
consultations; a business's bidders deposit for it; a revoked token, or none,
is refused (401) before anything is read.
"""
# The fixtures come from the uploads tests; pytest passes them in by name.
# ruff: noqa: F811

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mutualis.accounts.models import ApiToken, Role
from mutualis.accounts.tokens import revoke_token
from tests.factories import BuyerFactory, ConsultationFactory, member
from tests.uploads.conftest import (  # noqa: F401
    bidder,
    business,
    buyer,
    consultation,
    lot,
    sealed,
)
from tests.uploads.sealed import manifest, token_for

pytestmark = pytest.mark.django_db

OWN = "/api/v1/buyer/consultations"
CALLERS = [
    "buyer admin",
    "buyer agent",
    "opener",
    "other buyer",
    "bidder",
    "revoked",
    "left",
    "no token",
]
ACTIONS = [
    "list",
    "read",
    "update",
    "attach",
    "publish",
    "create",
    "deposit",
    "deposit state",
    "public list",
]
STAFF = (200, 200, 200, 201, 422, 201, 403, 404, 200)
REFUSED = (401, 401, 401, 401, 401, 401, 401, 401, 200)
EXPECTED = {
    "buyer admin": STAFF,
    "buyer agent": STAFF,
    "opener": (403, 403, 403, 403, 403, 403, 403, 404, 200),
    # Its own buyer's list and drafts; this buyer's draft is none of them.
    "other buyer": (200, 404, 404, 404, 404, 201, 403, 404, 200),
    "bidder": (403, 403, 403, 403, 403, 403, 201, 200, 200),
    "revoked": REFUSED,
    "left": REFUSED,
    "no token": REFUSED,
}


@pytest.fixture
def world(client, buyer, business, bidder, sealed):
    draft = ConsultationFactory(buyer=buyer, state="draft", reference="2027-DRAFT")
    first = client.post(
        "/api/v1/deposits",
        {"manifest": manifest(sealed, {"offre.age": 100})},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token_for(bidder)}",
    )
    return {"draft": draft, "sealed": sealed, "deposit": first.json()["deposit"]}


def secret_of(caller, buyer, bidder):
    roles = {
        "buyer admin": Role.BUYER_ADMIN,
        "buyer agent": Role.BUYER_AGENT,
        "opener": Role.OPENER,
        "revoked": Role.BUYER_ADMIN,
        "left": Role.BUYER_ADMIN,
    }
    if caller == "no token":
        return None
    if caller == "bidder":
        return token_for(bidder)
    if caller == "other buyer":
        return token_for(member(BuyerFactory(), Role.BUYER_ADMIN))
    person = member(buyer, roles[caller])
    secret = token_for(person)
    if caller == "revoked":
        revoke_token(person, ApiToken.objects.get(user=person))
    if caller == "left":
        person.memberships.all().delete()
    return secret


def call(client, action, world, headers):
    draft = f"{OWN}/{world['draft'].pk}"
    json = {"content_type": "application/json", **headers}
    calls = {
        "list": lambda: client.get(OWN, **headers),
        "read": lambda: client.get(draft, **headers),
        "update": lambda: client.patch(draft, {"title": "Nouveau titre"}, **json),
        "attach": lambda: client.post(
            f"{draft}/documents",
            {"files": [SimpleUploadedFile("RC.pdf", b"%PDF-1.7 rc")]},
            **headers,
        ),
        "publish": lambda: client.post(f"{draft}/publish", **headers),
        "create": lambda: client.post(
            OWN,
            {
                "reference": "X-1",
                "title": "Voirie",
                "nature": "works",
                "procedure": "open",
            },
            **json,
        ),
        "deposit": lambda: client.post(
            "/api/v1/deposits",
            {"manifest": manifest(world["sealed"], {"offre.age": 100})},
            **json,
        ),
        "deposit state": lambda: client.get(
            f"/api/v1/deposits/{world['deposit']}", **headers
        ),
        "public list": lambda: client.get("/api/v1/consultations", **headers),
    }
    return calls[action]()


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("action", ACTIONS)
def test_matrix(client, world, buyer, bidder, caller, action):
    secret = secret_of(caller, buyer, bidder)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}

    answer = call(client, action, world, headers)

    assert answer.status_code == EXPECTED[caller][ACTIONS.index(action)], answer.json()
    if answer.status_code == 401:
        assert answer["WWW-Authenticate"] == "Bearer"
        assert answer.json()["detail"]
    if action == "list" and answer.status_code == 200:
        seen = [r["reference"] for r in answer.json()["results"]]
        own = caller in ("buyer admin", "buyer agent")
        assert seen == (["2027-VOI-004", "2027-DRAFT"] if own else [])
