"""Helpers for sealed deposits: a commission with real keys, manifests, files."""

import base64
import json
import uuid

import pyrage
from django.urls import reverse

from mutualis.accounts.models import Role
from mutualis.accounts.tokens import create_token
from mutualis.bids.models import OpenerKey, OpeningCommission
from mutualis.core.time import now
from tests.factories import member


def seal_commission(consultation, openers=1, threshold=1):
    """Give `consultation` a commission of `openers` fresh age keys."""
    commission = OpeningCommission.objects.create(
        consultation=consultation, threshold=threshold
    )
    for _ in range(openers):
        identity = pyrage.x25519.Identity.generate()
        key = OpenerKey.objects.create(
            user=member(consultation.buyer, Role.OPENER),
            buyer=consultation.buyer,
            recipient=str(identity.to_public()),
            created_at=now(),
        )
        commission.keys.add(key)
    return commission


def _b64(data):
    return base64.b64encode(data).decode()


def manifest(consultation, files, lot=None, deposit_key=None):
    """A manifest as the deposit page writes it, for sealed files `files`.

    `files` maps each name to the sealed bytes (or just their size).
    """
    bid_identity = pyrage.x25519.Identity.generate()
    bid_recipient = bid_identity.to_public()
    commission = consultation.opening_commission
    keys = list(commission.keys.order_by("pk"))
    sizes = {
        name: content if isinstance(content, int) else len(content)
        for name, content in files.items()
    }
    inner = {
        "files": [{"name": n, "size": s, "sha256": "0" * 64} for n, s in sizes.items()]
    }
    return {
        "format": "mutualis-sealed-bid/1",
        "deposit_key": str(deposit_key or uuid.uuid4()),
        "consultation": consultation.pk,
        "lot": lot.pk if lot else None,
        "bid_recipient": str(bid_recipient),
        "threshold": commission.threshold,
        "shares": [
            {
                "opener_key": key.pk,
                "share": _b64(
                    pyrage.encrypt(
                        b"\x01" * 33, [pyrage.x25519.Recipient.from_str(key.recipient)]
                    )
                ),
            }
            for key in keys
        ],
        "files": [{"name": n, "size": s} for n, s in sizes.items()],
        "inner": _b64(pyrage.encrypt(json.dumps(inner).encode(), [bid_recipient])),
        "backup_copy": False,
    }


def token_for(user, organisation=None):
    """A token of `user` for `organisation`, by default the one they belong to."""
    if organisation is None:
        (organisation,) = {m.organisation for m in user.memberships.all()}
    return create_token(user, organisation, "laptop")[1]


def bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def start(client, business, manifest_, **headers):
    return client.post(
        reverse("web:api-deposits"),
        json.dumps({"business": business.pk, "manifest": manifest_}),
        content_type="application/json",
        **headers,
    )


TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}


def patch(client, url, data, offset, **headers):
    return client.generic(
        "PATCH",
        url,
        data,
        content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET=str(offset),
        **TUS,
        **headers,
    )


def head(client, url, **headers):
    return client.head(url, **TUS, **headers)
