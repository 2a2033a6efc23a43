"""The sealed steps of the main job as a person does them in the browser."""

from playwright.sync_api import expect

PASSPHRASE = "gravier ocre lavoir tilleul"
# scrypt in JavaScript takes seconds, more on a busy machine.
SCRYPT_TIMEOUT = 60_000


def create_opener_key(page, axe, buyer_name, label, path, assert_accessible):
    """On "My opener keys": create the key in the browser, keep identity.age, register."""
    page.goto("/me/opener-keys/")
    page.get_by_label("Passphrase", exact=True).fill(PASSPHRASE)
    page.get_by_label("Passphrase again").fill(PASSPHRASE)
    page.get_by_role("button", name="Create my key").click()
    link = page.get_by_role("link", name="Download identity.age")
    expect(link).to_be_visible(timeout=SCRYPT_TIMEOUT)
    with page.expect_download() as download:
        link.click()
    download.value.save_as(path)
    assert_accessible(axe, page)

    page.get_by_label("Buyer").select_option(label=buyer_name)
    page.get_by_label("Label").fill(label)
    page.get_by_role("button", name="Register the key").click()
    expect(page.get_by_text("The key is registered.")).to_be_visible()


def deposit_sealed(page, paths):
    """On the deposit page: seal the files in the browser, send them, get the receipt."""
    submit = page.get_by_role("button", name="Seal and deposit the bid")
    expect(submit).to_be_enabled()
    page.get_by_label("Files").set_input_files(paths)
    submit.click()
    page.wait_for_url("**/business/bids/*/", timeout=60_000)


def hand_over_shares(page, identity_path):
    """On the opening page: decrypt one's shares in the browser and hand them over."""
    section = page.get_by_role("region", name="Hand over my shares in this browser")
    section.get_by_label("Identity file (identity.age)").set_input_files(identity_path)
    section.get_by_label("Passphrase").fill(PASSPHRASE)
    button = section.get_by_role("button", name="Decrypt and hand over my shares")
    expect(button).to_be_enabled(timeout=SCRYPT_TIMEOUT)
    with page.expect_navigation(timeout=SCRYPT_TIMEOUT):
        button.click()
