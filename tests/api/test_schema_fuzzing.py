"""schemathesis generates requests from the API's own OpenAPI schema: no answer
may be a server error, and every answer must match the schema."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.factories import ConsultationFactory, LotFactory

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


def test_no_request_makes_a_server_error():
    consultation = ConsultationFactory(published=True)
    LotFactory(consultation=consultation, number=1)
    ConsultationFactory(published=True)
    tried = []

    for operation in operations():

        @given(case=operation.as_strategy())
        @settings(
            max_examples=60,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
            database=None,
        )
        def check(case):
            # Not positive_data_acceptance: an opaque cursor of the right shape
            # can still be none of ours, and is refused (400) with its reason.
            case.call_and_validate(
                checks=[not_a_server_error, response_schema_conformance]
            )

        check()
        tried.append(operation.label)

    assert sorted(tried) == [
        "GET /api/v1/consultations",
        "GET /api/v1/consultations/{pk}",
    ]
