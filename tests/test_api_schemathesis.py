"""Schemathesis over the live OpenAPI schema: every operation, as ILO and as a partner.

All of schemathesis' default checks run (no server error, status codes, content types,
response bodies and headers as documented, and its data acceptance checks), with 100
generated examples per operation.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.config import SchemathesisConfig

from score_platform.wsgi import application
from tests.api_support import token_for

# A well-formed write can still break a domain rule that no schema can state (an id that
# does not exist or is outside the scope, licence coverage, certification, the baseline
# order...): for writes a 400 is a correct answer to schema-valid data. Reads stay strict:
# any schema-valid filter must answer 2xx (an empty list, never an error). The one read
# exception is a report's group: which ``key`` a ``scope`` needs (none for the programme, one
# for every other scope) is a rule between two parameters that OpenAPI cannot state.
WRITE_OUTCOMES = ["2xx", "400", "401", "403", "404", "409", "429"]
CONFIG = SchemathesisConfig.from_dict(
    {
        "operations": [
            {
                "include-method": ["POST", "PATCH", "DELETE"],
                "checks": {"positive_data_acceptance": {"expected-statuses": WRITE_OUTCOMES}},
            },
            {
                "include-path-regex": "^/api/v1/reports/(kpi-summary|reach)/$",
                "checks": {"positive_data_acceptance": {"expected-statuses": WRITE_OUTCOMES}},
            },
        ]
    }
)
schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=CONFIG)

EXAMPLES_PER_OPERATION = 100


@pytest.fixture
def open_connection():
    """Keep the test's database connection across requests, as Django's test client does.

    Requests go through the real WSGI handler, whose request_finished signal would close
    the connection holding the test transaction.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def unthrottled(monkeypatch):
    # Thousands of generated requests a minute are the point here, not abuse.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": None, "user": None})


@pytest.mark.parametrize("persona", ["ilo_admin", "sgs_manager"])
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, persona, world, open_connection, unthrottled):
    user = getattr(world.users, persona)
    case.call_and_validate(headers={"Authorization": f"Token {token_for(user)}"})
