"""Hostile input: schemathesis generates requests from the app's own OpenAPI schema (valid and
invalid ones, as the organization department, who may call every endpoint) and every answer must be
no 5xx and, where the schema documents the status, conform to it in body and content type.
Bounded by MAX_EXAMPLES per operation (derandomized) so `make test` stays short."""
import time_machine
import pytest
import schemathesis
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from workflows.services import case_start

from ..helpers import cst

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 8
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture
def api_schema(university):
    """The schema served by the app, called through its WSGI handler. Like Django's test client, the
    handler must not close the test's database connection at the end of each request."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from partyflow.wsgi import application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/", application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def token_header(university):
    with time_machine.travel(cst(2026, 7, 11, 9), tick=False):
        case_start(actor=university.users.sec_a, process_id="branch_election", organization=university.branch_a)
    cache.clear()
    token, _ = Token.objects.get_or_create(user=university.users.orgdept)
    return {"Authorization": f"Token {token.key}"}


def test_api_answers_generated_requests_without_5xx_and_as_documented(api_schema, token_header):
    failures, operations = [], 0
    with override_settings(PARTYFLOW={**settings.PARTYFLOW, "TOKEN_RATE": "100000/minute"}):
        for result in api_schema.get_all_operations():
            op = result.ok()
            operations += 1
            strategy = st.one_of(op.as_strategy(schemathesis.GenerationMode.POSITIVE), op.as_strategy(schemathesis.GenerationMode.NEGATIVE))

            @hypothesis_settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                                 phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=strategy)
            def run(case):
                response = case.call(headers=token_header)
                case.validate_response(response, checks=CHECKS)

            try:
                run()
            except Exception as exc:  # noqa: BLE001 - collect every operation's failure, then report them together
                failures.append(f"{op.method.upper()} {op.path}:\n{str(exc)[:1500]}")
    assert operations >= 40
    assert not failures, "\n\n".join(failures)
