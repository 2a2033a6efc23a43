"""The page's age and Shamir (the vendored bundle) against Python's, both ways."""

import base64
import hashlib

import pyrage
import pytest
from django.templatetags.static import static
from pyrage import x25519

from mutualis.bids import sealing
from tests.browser.sealing_support import combine, identity_from_secret

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DECRYPT_STREAMING = """async ([url, sealed, identity]) => {
  const crypto = await import(url);
  const decrypter = new crypto.Decrypter();
  decrypter.addIdentity(identity);
  const bytes = crypto.base64.decode(sealed);
  const plain = await decrypter.decrypt(new Blob([bytes]).stream());
  const hash = crypto.sha256.create();
  let size = 0;
  for await (const chunk of plain) { hash.update(chunk); size += chunk.length; }
  return [size, Array.from(hash.digest(), (b) => b.toString(16).padStart(2, "0")).join("")];
}"""

SPLIT = """async ([url, secret, count, threshold]) => {
  const crypto = await import(url);
  const shares = await crypto.split(crypto.base64.decode(secret), count, threshold);
  return shares.map((share) => crypto.base64.encode(share));
}"""

COMBINE = """async ([url, shares]) => {
  const crypto = await import(url);
  const secret = await crypto.combine(shares.map((s) => crypto.base64.decode(s)));
  return crypto.base64.encode(secret);
}"""

IDENTITY = """async (url) => {
  const crypto = await import(url);
  const identity = await crypto.generateX25519Identity();
  const { words } = crypto.bech32.decode(identity.toLowerCase(), 100);
  const secret = crypto.base64.encode(Uint8Array.from(crypto.bech32.fromWords(words)));
  return [identity, await crypto.identityToRecipient(identity), secret];
}"""


@pytest.fixture
def crypto_page(page):
    page.goto("/")
    return page, static("web/vendor/mutualis-crypto.mjs")


def b64(data):
    return base64.b64encode(data).decode()


def test_a_file_sealed_in_python_opens_in_the_page_streaming(crypto_page):
    page, url = crypto_page
    identity = x25519.Identity.generate()
    plain = bytes(range(256)) * 1200
    sealed = pyrage.encrypt(plain, [identity.to_public()])

    size, sha256 = page.evaluate(DECRYPT_STREAMING, [url, b64(sealed), str(identity)])

    assert size == len(plain)
    assert sha256 == hashlib.sha256(plain).hexdigest()


def test_shares_made_in_the_page_combine_in_python(crypto_page):
    page, url = crypto_page
    secret = bytes(range(1, 33))

    shares = [
        base64.b64decode(s) for s in page.evaluate(SPLIT, [url, b64(secret), 5, 3])
    ]

    assert [len(share) for share in shares] == [33] * 5
    assert combine(shares[1:4]) == secret
    assert combine([shares[0], shares[2], shares[4]]) == secret
    assert combine(shares[:2]) != secret


def test_shares_made_in_the_page_combine_with_the_app_and_back(crypto_page):
    shamir = pytest.importorskip(
        "mutualis.bids.shamir", reason="the app's Shamir (bids/shamir.py) is not there"
    )
    page, url = crypto_page
    secret = bytes(range(100, 132))

    from_page = page.evaluate(SPLIT, [url, b64(secret), 3, 2])
    from_python = [b64(share) for share in shamir.split(secret, 4, 3)]

    assert shamir.combine([base64.b64decode(s) for s in from_page[1:]]) == secret
    assert page.evaluate(COMBINE, [url, from_python[1:]]) == b64(secret)


def test_the_page_reads_a_bid_secret_as_python_does(crypto_page):
    page, url = crypto_page

    identity, recipient, secret = page.evaluate(IDENTITY, url)

    assert identity_from_secret(base64.b64decode(secret)) == identity
    assert str(x25519.Identity.from_str(identity).to_public()) == recipient


OPEN_BID = """async ([url, manifest, identities, sealed]) => {
  const crypto = await import(url);
  const parts = [];
  for (const [index, identity] of identities.entries()) {
    const decrypter = new crypto.Decrypter();
    decrypter.addIdentity(identity);
    parts.push(await decrypter.decrypt(crypto.base64.decode(manifest.shares[index].share)));
  }
  const secret = await crypto.combine(parts);
  const words = crypto.bech32.toWords(secret);
  const identity = crypto.bech32.encode("age-secret-key-", words, 100).toUpperCase();
  const decrypter = new crypto.Decrypter();
  decrypter.addIdentity(identity);
  const inner = await decrypter.decrypt(crypto.base64.decode(manifest.inner), "text");
  const plain = await decrypter.decrypt(crypto.base64.decode(sealed));
  const hash = crypto.sha256.create().update(plain).digest();
  return [
    await crypto.identityToRecipient(identity),
    JSON.parse(inner),
    Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join(""),
  ];
}"""


def test_a_bid_sealed_by_the_python_tool_opens_in_the_page(crypto_page, tmp_path):
    page, url = crypto_page
    openers = [x25519.Identity.generate() for _ in range(3)]
    info = {
        "format": "mutualis-sealing/1",
        "consultation": 12,
        "lots": [],
        "threshold": 2,
        "openers": [
            {"key": 5 + i, "recipient": str(o.to_public())}
            for i, o in enumerate(openers)
        ],
    }
    offer = tmp_path / "Mémoire.pdf"
    offer.write_bytes(b"%PDF-1.7 " * 5000)

    manifest = sealing.seal_bid(info, [offer], tmp_path / "out")
    sealed = (tmp_path / "out" / "Mémoire.pdf.age").read_bytes()
    two = {"shares": manifest["shares"][1:], "inner": manifest["inner"]}
    recipient, inner, sha256 = page.evaluate(
        OPEN_BID, [url, two, [str(o) for o in openers[1:]], b64(sealed)]
    )

    assert recipient == manifest["bid_recipient"]
    digest = hashlib.sha256(offer.read_bytes()).hexdigest()
    assert inner == {
        "files": [{"name": "Mémoire.pdf", "size": 45000, "sha256": digest}]
    }
    assert sha256 == digest
