"""Annex IV (c): only authorised persons may set or change the dates for opening the
data received: the buyer's staff, through the consultation's actions; nobody else,
and not through the admin."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from mutualis.core.journal import entries_for
from mutualis.tenders import actions
from mutualis.tenders.models import Consultation
from tests.annex_iv.conftest import DEADLINE
from tests.factories import ConsultationFactory

pytestmark = pytest.mark.django_db

LATER = DEADLINE + dt.timedelta(days=7)
BUYER_STAFF = ("buyer admin", "buyer agent")


@pytest.fixture
def draft(buyer):
    return ConsultationFactory(buyer=buyer, submission_deadline=DEADLINE)


def deadline_of(consultation):
    return Consultation.objects.get(pk=consultation.pk).submission_deadline


@pytest.mark.parametrize("name", BUYER_STAFF)
def test_the_buyer_s_staff_set_the_deadline_through_an_action(people, draft, name):
    actions.update_draft(people[name], draft, submission_deadline=LATER)

    assert deadline_of(draft) == LATER
    entry = entries_for(draft).get(action="tenders.consultation.updated")
    assert (entry.actor, entry.data["fields"]) == (
        people[name],
        ["submission_deadline"],
    )


@pytest.mark.parametrize(
    "name",
    [
        "opener",
        "bidder",
        "company admin",
        "rival bidder",
        "other buyer's opener",
        "operator admin",
        "superuser",
    ],
)
def test_no_one_else_sets_the_deadline(people, draft, name):
    with pytest.raises(PermissionDenied):
        actions.update_draft(people[name], draft, submission_deadline=LATER)

    assert deadline_of(draft) == DEADLINE


def test_the_edit_page_refuses_anyone_but_the_buyer_s_staff(client, people, draft):
    url = reverse("web:consultation-edit", args=[draft.pk])
    statuses = {}
    for name, person in people.items():
        client.force_login(person)
        statuses[name] = client.post(url, {"submission_deadline": "2027-01-22"})

    refused = {name for name, page in statuses.items() if page.status_code == 404}
    assert refused == set(people) - set(BUYER_STAFF)
    assert deadline_of(draft) == DEADLINE


def test_the_admin_cannot_change_a_deadline(admin_client, consultation):
    url = reverse("admin:tenders_consultation_change", args=[consultation.pk])

    page = admin_client.post(url, {"submission_deadline_0": "2027-01-22"})

    assert page.status_code == 403
    assert deadline_of(consultation) == DEADLINE


def test_the_admin_cannot_create_a_consultation_with_its_dates(admin_client):
    page = admin_client.get(reverse("admin:tenders_consultation_add"))

    assert page.status_code == 403
