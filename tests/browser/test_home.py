import pytest

from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_home_page_speaks_english_to_an_english_browser(page, axe):
    page.goto("/")

    assert page.locator("h1").inner_text() == "Mutualis"
    assert page.locator("html").get_attribute("lang") == "en"
    assert_accessible(axe, page)
