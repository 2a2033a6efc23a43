"""Helpers for the sealing browser tests: Bech32 identities, a stand-in server side.

The stand-in answers, inside one Playwright page, the endpoints of docs/sealing.md
that the deposit page calls, so that the page's scripts are tested on their own.
"""

import base64
import itertools
import json
import re

import pyrage
from pyrage import x25519

BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
SECRET_HRP = "age-secret-key-"


def _gf_mul(a, b):
    product = 0
    while b:
        if b & 1:
            product ^= a
        a = (a << 1) ^ (0x11B if a & 0x80 else 0)
        b >>= 1
    return product


def _gf_inverse(a):
    result = 1
    for _ in range(254):
        result = _gf_mul(result, a)
    return result


def combine(shares):
    """Shamir over GF(2^8) as docs/sealing.md states it, written apart from the app."""
    xs = [share[-1] for share in shares]
    secret = bytearray()
    for i in range(len(shares[0]) - 1):
        value = 0
        for j, share in enumerate(shares):
            basis = 1
            for m, xm in enumerate(xs):
                if m != j:
                    basis = _gf_mul(basis, _gf_mul(xm, _gf_inverse(xs[j] ^ xm)))
            value ^= _gf_mul(share[i], basis)
        secret.append(value)
    return bytes(secret)


def _polymod(values):
    generators = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    check = 1
    for value in values:
        top = check >> 25
        check = (check & 0x1FFFFFF) << 5 ^ value
        for i, generator in enumerate(generators):
            check ^= generator if (top >> i) & 1 else 0
    return check


def _words(data):
    bits, acc, words = 0, 0, []
    for byte in data:
        acc = acc << 8 | byte
        bits += 8
        while bits >= 5:
            bits -= 5
            words.append(acc >> bits & 31)
    if bits:
        words.append(acc << (5 - bits) & 31)
    return words


def identity_from_secret(secret):
    """The age identity string (AGE-SECRET-KEY-1…) whose Bech32 data is `secret`."""
    words = _words(secret)
    expanded = [ord(c) >> 5 for c in SECRET_HRP] + [0]
    expanded += [ord(c) & 31 for c in SECRET_HRP]
    check = _polymod(expanded + words + [0] * 6) ^ 1
    words += [check >> 5 * (5 - i) & 31 for i in range(6)]
    return (SECRET_HRP + "1" + "".join(BECH32[w] for w in words)).upper()


def recover_identity(manifest, openers):
    """The bid identity from the manifest's shares, each decrypted by its opener."""
    by_key = {opener["key"]: opener["identity"] for opener in openers}
    shares = [
        pyrage.decrypt(base64.b64decode(item["share"]), [by_key[item["opener_key"]]])
        for item in manifest["shares"]
        if item["opener_key"] in by_key
    ]
    return x25519.Identity.from_str(identity_from_secret(combine(shares)))


def new_openers(count):
    identities = [x25519.Identity.generate() for _ in range(count)]
    return [
        {"key": 100 + i, "identity": identity, "recipient": str(identity.to_public())}
        for i, identity in enumerate(identities)
    ]


class StandInServer:
    """sealing.json, POST /api/deposits/ and a tus 1.0 store, in memory."""

    def __init__(self, consultation, openers, threshold, limits=None, lot=None):
        self.consultation = consultation
        self.openers = openers
        self.threshold = threshold
        self.limits = limits or {
            "max_file_size": 500 * 1024 * 1024,
            "max_bid_size": 2 * 1024**3,
            "max_files": 50,
        }
        self.lot = lot
        self.deposits = {}
        self.uploads = {}
        self.patches = []
        self.heads = []
        self.cut_after = None
        self.refusal = None
        self._numbers = itertools.count(1)

    def install(self, page):
        page.route(
            f"**/consultations/{self.consultation.pk}/sealing.json", self.sealing
        )
        page.route("**/api/deposits/", self.deposit)
        page.route(re.compile(r".*/api/uploads/\w+$"), self.upload)
        page.route(re.compile(r".*/business/bids/SB-\d+/$"), self.receipt)

    def sealing(self, route, request):
        lots = [{"id": self.lot.pk, "number": self.lot.number, "title": self.lot.title}]
        body = {
            "format": "mutualis-sealing/1",
            "consultation": self.consultation.pk,
            "lots": lots if self.lot else [],
            "threshold": self.threshold,
            "openers": [
                {"key": o["key"], "recipient": o["recipient"]} for o in self.openers
            ],
            "limits": self.limits,
            "deadline": "2027-01-15T16:00:00Z",
        }
        route.fulfill(json=body)

    def deposit(self, route, request):
        if self.refusal:
            route.fulfill(status=400, json={"error": self.refusal})
            return
        sent = request.post_data_json
        manifest = sent["manifest"]
        key = manifest["deposit_key"]
        if key in self.deposits:
            route.fulfill(status=200, json=self.deposits[key]["answer"])
            return
        urls = []
        for item in manifest["files"]:
            number = len(self.uploads) + 1
            self.uploads[str(number)] = {"length": item["size"], "data": bytearray()}
            urls.append(f"/api/uploads/{number}")
        answer = {"deposit": f"SB-{next(self._numbers)}", "uploads": urls}
        self.deposits[key] = {"sent": sent, "answer": answer}
        route.fulfill(status=201, json=answer)

    def upload(self, route, request):
        upload = self.uploads[request.url.rsplit("/", 1)[1]]
        if request.method == "HEAD":
            self.heads.append(len(upload["data"]))
            route.fulfill(status=200, headers=self._tus(upload))
            return
        assert request.method == "PATCH"
        if self.cut_after is not None and len(self.patches) >= self.cut_after:
            route.abort("connectionreset")
            return
        offset = int(request.headers["upload-offset"])
        assert offset == len(upload["data"])
        upload["data"] += request.post_data_buffer
        self.patches.append(offset)
        route.fulfill(status=204, headers=self._tus(upload))

    def receipt(self, route, request):
        number = request.url.rstrip("/").rsplit("/", 1)[1]
        html = f"<!doctype html><title>Receipt</title><main>Receipt {number}</main>"
        route.fulfill(content_type="text/html", body=html)

    def _tus(self, upload):
        return {
            "Tus-Resumable": "1.0.0",
            "Upload-Offset": str(len(upload["data"])),
            "Upload-Length": str(upload["length"]),
            "Cache-Control": "no-store",
        }

    def only_deposit(self):
        (deposit,) = self.deposits.values()
        return deposit["sent"], [
            bytes(self.uploads[url.rsplit("/", 1)[1]]["data"])
            for url in deposit["answer"]["uploads"]
        ]


def inner_of(manifest, identity):
    return json.loads(pyrage.decrypt(base64.b64decode(manifest["inner"]), [identity]))
