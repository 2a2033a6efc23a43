"""schemathesis generates requests from the API's own OpenAPI schema, sent
anonymously and with a buyer admin's and a bidder's token: no answer may be a
server error, and every answer must match the schema."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from mutualis.accounts.models import Role
from tests.factories import (
    BusinessFactory,
    BuyerFactory,
    ConsultationFactory,
    LotFactory,
    member,
)
from tests.referential_data import ensure_cpv
from tests.uploads.sealed import token_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def connection_kept_open():
    """As Django's test client does: the test's transaction outlives each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def operations():
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/openapi.json", get_wsgi_application()
    )
    return [result.ok() for result in schema.get_all_operations()]


@pytest.fixture
def world():
    """Public consultations, a buyer's draft, and a business that may bid."""
    ensure_cpv("45233140-2")
    consultation = ConsultationFactory(published=True)
    LotFactory(consultation=consultation, number=1)
    ConsultationFactory(published=True)
    buyer = BuyerFactory()
    ConsultationFactory(buyer=buyer)
    return {
        "anonymous": {},
        "buyer admin": {
            "Authorization": f"Bearer {token_for(member(buyer, Role.BUYER_ADMIN))}"
        },
        "bidder": {
            "Authorization": f"Bearer {token_for(member(BusinessFactory(), Role.BIDDER))}"
        },
    }


AUTHENTICATED = [
    "GET /api/v1/buyer/consultations",
    "GET /api/v1/buyer/consultations/{pk}",
    "GET /api/v1/deposits/{number}",
    "PATCH /api/v1/buyer/consultations/{pk}",
    "POST /api/v1/buyer/consultations",
    "POST /api/v1/buyer/consultations/{pk}/documents",
    "POST /api/v1/buyer/consultations/{pk}/publish",
    "POST /api/v1/deposits",
]
PUBLIC = [
    "GET /api/v1/awards",
    "GET /api/v1/consultations",
    "GET /api/v1/consultations/{pk}",
    "GET /api/v1/notices",
]


@pytest.mark.parametrize("caller", ["anonymous", "buyer admin", "bidder"])
def test_no_request_makes_a_server_error(world, caller):
    headers = world[caller]
    tried = []
    answered = set()

    for operation in operations():

        @given(case=operation.as_strategy())
        @settings(
            max_examples=40 if caller == "anonymous" else 25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
            database=None,
        )
        def check(case):
            # Not positive_data_acceptance: an opaque cursor of the right shape
            # can still be none of ours, and is refused (400) with its reason.
            response = case.call_and_validate(
                headers=headers,
                checks=[not_a_server_error, response_schema_conformance],
            )
            answered.add((case.operation.label, response.status_code))

        check()
        tried.append(operation.label)

    assert sorted(tried) == sorted(PUBLIC + AUTHENTICATED)
    statuses = {status for label, status in answered if label in AUTHENTICATED}
    if caller == "anonymous":
        # Refused before anything is read; 404 for a path that names nothing.
        assert statuses <= {401, 404}
    else:
        assert 401 not in statuses
