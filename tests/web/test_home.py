import pytest

from tests.accounts.html import form_labels, page_text
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_home_page_says_what_the_platform_is(client):
    response = client.get("/")

    assert (
        "The region's public bodies publish their calls for tenders here; businesses "
        "find them, download the documents and submit their bids."
    ) in page_text(response)


def test_the_home_page_searches_the_calls_for_tenders(client):
    response = client.get("/")

    assert form_labels(response, "/consultations/") == {
        "q": "Search the calls for tenders"
    }
    assert 'method="get" action="/consultations/"' in response.content.decode()


def test_the_home_page_invites_to_sign_up_and_register_a_business(client):
    response = client.get("/")

    html = response.content.decode()
    assert 'href="/signup/"' in html
    assert 'href="/signup/?next=/businesses/register/"' in html
    assert "Register a business — sign up, then give its SIRET" in page_text(response)


def test_the_home_page_sends_a_logged_in_user_to_their_space(client):
    client.force_login(UserFactory())

    response = client.get("/")

    assert 'href="/me/"' in response.content.decode()
    assert 'href="/businesses/register/"' in response.content.decode()
