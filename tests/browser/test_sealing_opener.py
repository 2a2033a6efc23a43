"""The opener's key made in the browser, and shares decrypted there for the opening."""

import base64
import json

import pyrage
import pytest
from django.template.loader import render_to_string
from django.templatetags.static import static
from playwright.sync_api import expect
from pyrage import x25519

from mutualis.core.middleware import POLICY
from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSPHRASE = "gravier ocre lavoir tilleul"
SHARES_FORMAT = "mutualis-opening-shares/1"


def serve(page, path, body):
    """Serve `body` inside a minimal page at `path`, under the platform's CSP."""
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>Test</title></head><body><main><h1>Test</h1>"
        f"{body}</main>"
        f'<script type="module" src="{static("web/js/opener.js")}"></script>'
        "</body></html>"
    )
    page.route(
        f"**{path}",
        lambda route: route.fulfill(
            content_type="text/html",
            body=html,
            headers={"Content-Security-Policy": POLICY},
        ),
    )
    page.goto(path)


@pytest.fixture
def keygen_page(page):
    form = (
        '<form><label for="id_recipient">Recipient</label>'
        '<input id="id_recipient" name="recipient"></form>'
    )
    section = render_to_string(
        "web/sealing/_keygen.html", {"recipient_field": "id_recipient"}
    )
    serve(page, "/test/keys/", section + form)
    return page


def test_a_key_made_in_the_browser_opens_with_its_passphrase_in_python(
    keygen_page, axe
):
    page = keygen_page
    page.get_by_label("Passphrase", exact=True).fill(PASSPHRASE)
    page.get_by_label("Passphrase again").fill(PASSPHRASE)
    page.get_by_role("button", name="Create my key").click()
    link = page.get_by_role("link", name="Download identity.age")
    # scrypt in JavaScript takes seconds, more on a busy machine.
    expect(link).to_be_visible(timeout=60_000)
    with page.expect_download() as download:
        link.click()

    data = download.value.path().read_bytes()
    text = pyrage.passphrase.decrypt(data, PASSPHRASE).decode()
    secret = [line for line in text.splitlines() if not line.startswith("#")]
    identity = x25519.Identity.from_str(secret[0])
    recipient = str(identity.to_public())
    assert download.value.suggested_filename == "identity.age"
    assert f"# public key: {recipient}" in text
    assert page.get_by_label("Recipient").input_value() == recipient
    assert recipient in page.locator("#keygen").inner_text()
    assert_accessible(axe, page)


def test_the_passphrase_must_be_long_and_typed_twice_alike(keygen_page):
    page = keygen_page
    alert = page.locator("#keygen [role=alert]")
    create = page.get_by_role("button", name="Create my key")

    page.get_by_label("Passphrase", exact=True).fill("court")
    create.click()
    expect(alert).to_have_text("The passphrase must have at least 12 characters.")
    page.get_by_label("Passphrase", exact=True).fill(PASSPHRASE)
    page.get_by_label("Passphrase again").fill(PASSPHRASE + "!")
    create.click()

    expect(alert).to_have_text("The two passphrases differ; type the same one twice.")
    assert page.get_by_label("Recipient").input_value() == ""


class OpeningStandIn:
    """opening/shares.json for one opener and the endpoint taking plaintext shares."""

    def __init__(self, page, recipient, secrets):
        self.secrets = secrets
        self.posted = []
        self.document = {
            "format": SHARES_FORMAT,
            "consultation": 12,
            "shares": [
                {
                    "bid": receipt,
                    "key": 5,
                    "share": base64.b64encode(
                        pyrage.encrypt(share, [x25519.Recipient.from_str(recipient)])
                    ).decode(),
                }
                for receipt, share in secrets.items()
            ],
        }
        page.route("**/test/opening/shares.json", self.shares)
        page.route("**/test/opening/shares/", self.submit)

    def shares(self, route):
        route.fulfill(json=self.document)

    def submit(self, route):
        self.posted.append(json.loads(route.request.post_data))
        route.fulfill(status=200, json={"accepted": len(self.posted[-1]["shares"])})


def identity_file(tmp_path, identity, passphrase=PASSPHRASE):
    text = f"# public key: {identity.to_public()}\n{identity}\n"
    path = tmp_path / "identity.age"
    path.write_bytes(pyrage.passphrase.encrypt(text.encode(), passphrase))
    return path


@pytest.fixture
def opener():
    return x25519.Identity.generate()


@pytest.fixture
def shares_page(page, opener):
    secrets = {
        "SB-1": bytes(range(32)) + b"\x07",
        "SB-2": bytes(range(32, 64)) + b"\x09",
    }
    stand_in = OpeningStandIn(page, str(opener.to_public()), secrets)
    section = render_to_string(
        "web/bids/_opener_shares.html",
        {
            "shares_url": "/test/opening/shares.json",
            "submit_url": "/test/opening/shares/",
        },
    )
    serve(page, "/test/opening/", section)
    return page, stand_in


def hand_over(page, path, passphrase=PASSPHRASE):
    page.get_by_label("Identity file (identity.age)").set_input_files(path)
    page.get_by_label("Passphrase").fill(passphrase)
    button = page.get_by_role("button", name="Decrypt and hand over my shares")
    # The button waits for the last attempt's scrypt, slow on a busy machine.
    expect(button).to_be_enabled(timeout=60_000)
    button.click()


def test_the_opener_hands_over_shares_decrypted_in_the_browser(
    shares_page, opener, tmp_path, axe
):
    page, stand_in = shares_page
    assert_accessible(axe, page)

    # scrypt in JavaScript takes seconds, more on a busy machine.
    with page.expect_navigation(timeout=60_000):
        hand_over(page, identity_file(tmp_path, opener))

    (posted,) = stand_in.posted
    assert posted["format"] == SHARES_FORMAT
    assert posted["consultation"] == 12
    assert {
        entry["bid"]: base64.b64decode(entry["share"]) for entry in posted["shares"]
    } == stand_in.secrets
    assert [entry["key"] for entry in posted["shares"]] == [5, 5]


def test_a_wrong_passphrase_or_another_key_is_refused_and_nothing_is_sent(
    shares_page, tmp_path
):
    page, stand_in = shares_page
    alert = page.locator("#opener-shares [role=alert]")

    hand_over(page, identity_file(tmp_path, x25519.Identity.generate()), "mauvaise")
    expect(alert).to_have_text(
        "The identity file cannot be opened: wrong passphrase, or not an identity file.",
        timeout=60_000,
    )
    hand_over(page, identity_file(tmp_path, x25519.Identity.generate()))
    expect(alert).to_have_text(
        "Bid SB-1: this identity does not open its share;"
        " is it the key recorded for you?",
        timeout=60_000,
    )

    assert stand_in.posted == []
