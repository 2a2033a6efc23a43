import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.test import Client

from mutualis.accounts.models import User
from mutualis.core.journal import entries_for
from tests.accounts.html import csrf_token, form_labels, page_text
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"
NEW_ACCOUNT = {
    "email": "Claire.Martin@Example.org",
    "full_name": "Claire Martin",
    "language": "en",
    "password1": "une longue phrase de passe",
    "password2": "une longue phrase de passe",
}


def log_in(client, email, password=PASSWORD, **extra):
    return client.post("/login/", {"username": email, "password": password}, **extra)


def test_the_sign_up_page_labels_every_field(client):
    response = client.get("/signup/")

    assert form_labels(response, "/signup/") == {
        "email": "E-mail address:",
        "full_name": "Full name:",
        "language": "Preferred language:",
        "password1": "Password:",
        "password2": "Password confirmation:",
    }


def test_a_person_signs_up_logs_out_logs_in_and_reaches_their_space(client):
    signed_up = client.post("/signup/", NEW_ACCOUNT, follow=True)
    assert "Welcome! Your account is ready." in page_text(signed_up)

    client.post("/logout/")
    assert client.get("/me/")["Location"] == "/login/?next=/me/"
    logged_in = log_in(client, "claire.martin@example.org", NEW_ACCOUNT["password1"])
    space = client.get(logged_in["Location"])

    assert logged_in["Location"] == "/me/"
    assert "Logged in as Claire Martin (claire.martin@example.org)." in page_text(space)
    assert "You are not a member of any organisation yet." in page_text(space)


def test_signing_up_with_a_used_address_says_so_and_nothing_more(client):
    UserFactory(email="claire.martin@example.org", full_name="Claire Secret")

    response = client.post("/signup/", NEW_ACCOUNT)

    text = page_text(response)
    assert (
        "E-mail address: An account already uses this e-mail address. If it is "
        "yours, log in, or reset your password if you have forgotten it."
    ) in text
    assert "Claire Secret" not in text


def test_a_weak_password_is_refused_by_django_validators(client):
    weak = {**NEW_ACCOUNT, "password1": "12345678", "password2": "12345678"}

    response = client.post("/signup/", weak)

    assert "This password is too common." in page_text(response)
    assert "This password is entirely numeric." in page_text(response)


def test_the_login_page_labels_its_fields(client):
    response = client.get("/login/")

    assert form_labels(response, "/login/") == {
        "username": "E-mail address:",
        "password": "Password:",
    }


def test_a_wrong_password_is_refused_with_a_plain_message(client):
    UserFactory(email="claire@example.org")

    response = log_in(client, "claire@example.org", "wrong password")

    assert response.status_code == 200
    assert (
        "This e-mail address and password do not match an account. Check both and "
        "try again."
    ) in page_text(response)


def test_the_e_mail_address_logs_in_whatever_its_case(client):
    UserFactory(email="claire@example.org")

    response = log_in(client, "Claire@EXAMPLE.org")

    assert response["Location"] == "/me/"


def test_the_user_language_applies_from_login(client):
    UserFactory(email="claire@example.org", language="fr")

    response = log_in(client, "claire@example.org")
    space = client.get("/me/")

    assert response.cookies["django_language"].value == "fr"
    assert '<html lang="fr">' in space.content.decode()


def test_logout_takes_post_only(client):
    client.force_login(UserFactory())

    refused = client.get("/logout/")
    done = client.post("/logout/")

    assert refused.status_code == 405
    assert done["Location"] == "/"
    assert client.get("/me/")["Location"] == "/login/?next=/me/"


@pytest.fixture
def three_attempts(settings):
    settings.MUTUALIS_LOGIN_ATTEMPTS = 3
    settings.MUTUALIS_LOGIN_ATTEMPTS_PER_ADDRESS = 6
    settings.MUTUALIS_LOGIN_WINDOW_SECONDS = 900
    settings.MUTUALIS_CLIENT_ADDRESS_HEADER = ""


def test_after_too_many_failures_even_the_right_password_waits(client, three_attempts):
    UserFactory(email="claire@example.org")
    start = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)  # 10:00 in Paris

    with time_machine.travel(start, tick=False):
        for _ in range(3):
            log_in(client, "claire@example.org", "guess")
    with time_machine.travel(start + dt.timedelta(minutes=5), tick=False):
        refused = log_in(client, "claire@example.org")
    with time_machine.travel(start + dt.timedelta(minutes=15), tick=False):
        accepted = log_in(client, "claire@example.org")

    assert (
        "Too many failed login attempts. Try again in 10 minutes, at 10:15."
    ) in page_text(refused)
    assert accepted["Location"] == "/me/"


def test_one_address_guessing_several_accounts_is_stopped(client, three_attempts):
    UserFactory(email="target@example.org")
    address = {"REMOTE_ADDR": "203.0.113.9"}

    for number in range(6):
        log_in(client, f"person{number}@example.org", "guess", **address)
    refused = log_in(client, "target@example.org", **address)
    elsewhere = log_in(Client(), "target@example.org", REMOTE_ADDR="198.51.100.1")

    assert "Too many failed login attempts. Try again in 15 minutes" in page_text(
        refused
    )
    assert elsewhere["Location"] == "/me/"


def test_a_competitor_failing_on_purpose_does_not_lock_the_bidder_out(
    client, three_attempts
):
    UserFactory(email="bidder@example.org")
    start = dt.datetime(2027, 3, 1, 15, 50, tzinfo=dt.UTC)
    competitor = Client()

    with time_machine.travel(start, tick=False):
        for _ in range(10):
            log_in(competitor, "bidder@example.org", "guess", REMOTE_ADDR="192.0.2.66")
        blocked = log_in(competitor, "bidder@example.org", REMOTE_ADDR="192.0.2.66")
        owner = log_in(client, "bidder@example.org", REMOTE_ADDR="198.51.100.7")

    assert "Too many failed login attempts." in page_text(blocked)
    assert owner["Location"] == "/me/"


def test_an_address_locked_for_guessing_does_not_lock_the_superuser_elsewhere(
    client, three_attempts
):
    User.objects.create_superuser("root@example.org", PASSWORD, full_name="Root")
    for number in range(7):
        log_in(Client(), f"p{number}@example.org", "guess", REMOTE_ADDR="192.0.2.66")

    accepted = log_in(client, "root@example.org", REMOTE_ADDR="198.51.100.7")

    assert accepted["Location"] == "/me/"


def test_behind_a_proxy_failures_count_for_the_forwarded_address(
    client, three_attempts, settings
):
    settings.MUTUALIS_CLIENT_ADDRESS_HEADER = "HTTP_X_FORWARDED_FOR"
    UserFactory(email="claire@example.org")
    proxy = {"REMOTE_ADDR": "10.0.0.1"}

    for _ in range(3):
        log_in(
            Client(),
            "claire@example.org",
            "guess",
            HTTP_X_FORWARDED_FOR="192.0.2.66",
            **proxy,
        )
    refused = log_in(
        Client(), "claire@example.org", HTTP_X_FORWARDED_FOR="192.0.2.66", **proxy
    )
    # A client cannot pass for another by writing the header itself: the proxy
    # appends the address it saw, and that right-most one counts.
    forged = log_in(
        Client(),
        "claire@example.org",
        HTTP_X_FORWARDED_FOR="198.51.100.7, 192.0.2.66",
        **proxy,
    )
    accepted = log_in(
        client, "claire@example.org", HTTP_X_FORWARDED_FOR="203.0.113.4", **proxy
    )

    assert "Too many failed login attempts." in page_text(refused)
    assert "Too many failed login attempts." in page_text(forged)
    assert accepted["Location"] == "/me/"


def test_login_refuses_a_post_without_csrf_token():
    UserFactory(email="claire@example.org")
    client = Client(enforce_csrf_checks=True)

    response = log_in(client, "claire@example.org")

    assert response.status_code == 403


def test_login_accepts_the_token_of_its_own_form():
    UserFactory(email="claire@example.org")
    client = Client(enforce_csrf_checks=True)
    token = csrf_token(client.get("/login/"))

    response = client.post(
        "/login/",
        {
            "username": "claire@example.org",
            "password": PASSWORD,
            "csrfmiddlewaretoken": token,
        },
    )

    assert response["Location"] == "/me/"


def test_login_sends_back_to_the_page_asked_for(client):
    UserFactory(email="claire@example.org")
    asked = client.get("/businesses/register/")

    form = client.get(asked["Location"])
    response = client.post(
        "/login/",
        {
            "username": "claire@example.org",
            "password": PASSWORD,
            "next": "/businesses/register/",
        },
    )

    assert 'value="/businesses/register/"' in form.content.decode()
    assert response["Location"] == "/businesses/register/"


def test_password_reset_by_mail_sets_a_new_password(client):
    user = UserFactory(
        email="claire@example.org", full_name="Claire Martin", language="en"
    )
    form = client.get("/password-reset/")
    assert form_labels(form, "/password-reset/") == {"email": "E-mail address:"}

    sent = client.post("/password-reset/", {"email": "Claire@example.org"}, follow=True)
    link = re.search(r"http://testserver(/password-reset/\S+/)", mail.outbox[0].body)
    choose = client.get(link.group(1), follow=True)
    done = client.post(
        choose.redirect_chain[-1][0],
        {"new_password1": "une autre phrase", "new_password2": "une autre phrase"},
        follow=True,
    )

    assert "If an account uses this address, a message" in page_text(sent)
    assert mail.outbox[0].subject == "Reset your password on Mutualis"
    assert mail.outbox[0].body.startswith("Hello Claire Martin,")
    assert form_labels(choose, choose.redirect_chain[-1][0]) == {
        "new_password1": "New password:",
        "new_password2": "New password confirmation:",
    }
    assert "Your new password is set." in page_text(done)
    assert (
        log_in(client, "claire@example.org", "une autre phrase")["Location"] == "/me/"
    )
    assert [e.action for e in entries_for(user)] == ["accounts.password-reset"]


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client):
    response = client.post(
        "/password-reset/", {"email": "nobody@example.org"}, follow=True
    )

    assert "If an account uses this address, a message" in page_text(response)
    assert mail.outbox == []


def test_password_reset_answers_alike_for_known_unknown_and_disabled_addresses():
    UserFactory(email="claire@example.org")
    UserFactory(email="gone@example.org", is_active=False)

    answers = []
    for email in ("claire@example.org", "nobody@example.org", "gone@example.org"):
        response = Client().post("/password-reset/", {"email": email})
        page = Client().get(response["Location"])
        answers.append((response.status_code, response["Location"], page_text(page)))

    assert answers[0] == answers[1] == answers[2]
    assert answers[0][1] == "/password-reset/sent/"
    assert [m.to for m in mail.outbox] == [["claire@example.org"]]


def test_a_used_reset_link_is_refused(client):
    UserFactory(email="claire@example.org")
    client.post("/password-reset/", {"email": "claire@example.org"})
    link = re.search(r"http://testserver(/password-reset/\S+/)", mail.outbox[0].body)
    choose = client.get(link.group(1), follow=True)
    new = {"new_password1": "une autre phrase", "new_password2": "une autre phrase"}
    client.post(choose.redirect_chain[-1][0], new)

    again = client.get(link.group(1), follow=True)

    assert "This link is no longer valid" in page_text(again)
