"""Hostile input: schemathesis generates requests from the app's own OpenAPI schema (valid and
invalid ones, as the organization department, who may call every endpoint) and every answer must be
no 5xx and, where the schema documents the status, conform to it in body and content type.
Bounded by MAX_EXAMPLES per operation (derandomized) so `make test` stays short."""

import os

import pytest
import schemathesis
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from organizations.models import RoleAssignment
from partyflow.wsgi import application
from workflows.services import case_start, delegation_create, document_upload

from ..helpers import cst

pytestmark = pytest.mark.django_db

# Per operation; PARTYFLOW_FUZZ_EXAMPLES=100 for a deeper run by hand.
MAX_EXAMPLES = int(os.environ.get("PARTYFLOW_FUZZ_EXAMPLES", "15"))
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture
def api_schema(university):
    """The schema served by the app, called through its WSGI handler. Like Django's test client, the
    handler must not close the test's database connection at the end of each request."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/", application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def token_header(university):
    cache.clear()
    token, _ = Token.objects.get_or_create(user=university.users.orgdept)
    return {"Authorization": f"Token {token.key}"}


@pytest.fixture
def real_ids(university):
    """Ids of objects that exist, by path prefix: half the generated requests address them (random
    ids almost never hit a row)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    u = university
    with time_machine.travel(cst(2026, 7, 11, 9), tick=False):
        case = case_start(
            actor=u.users.sec_a, process_id="branch_election", organization=u.branch_a
        )
        task = case.tasks.get()
        doc = document_upload(
            actor=u.users.sec_a, case=case, file=SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n")
        )
        delegation = delegation_create(
            actor=u.users.sec_a,
            delegate=u.users.committee_a,
            starts_at=cst(2026, 7, 1),
            ends_at=cst(2036, 7, 1),
        )
    return {
        "/api/cases/": {"id": case.pk, "document_id": doc.pk},
        "/api/tasks/": {"id": task.pk},
        "/api/organizations/": {"id": u.branch_b.pk},
        "/api/members/": {"id": u.full_a[3].pk},
        "/api/users/": {"id": u.users.member_a.pk},
        "/api/role-assignments/": {"id": RoleAssignment.objects.get(user=u.users.member_a).pk},
        "/api/delegations/": {"id": delegation.pk},
    }


def test_api_answers_generated_requests_without_5xx_and_as_documented(
    api_schema, token_header, real_ids
):
    def addressing_real_objects(case):
        for prefix, ids in real_ids.items():
            if case.path.startswith(prefix) and case.path_parameters:
                case.path_parameters = {
                    **case.path_parameters,
                    **{k: str(v) for k, v in ids.items() if k in case.path_parameters},
                }
        return case

    failures, operations = [], 0
    with override_settings(PARTYFLOW={**settings.PARTYFLOW, "TOKEN_RATE": "100000/minute"}):
        for result in api_schema.get_all_operations():
            op = result.ok()
            operations += 1
            positive = op.as_strategy(schemathesis.GenerationMode.POSITIVE)
            strategy = st.one_of(
                positive,
                positive.map(addressing_real_objects),
                op.as_strategy(schemathesis.GenerationMode.NEGATIVE),
            )

            @hypothesis_settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
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


# Hostile values put into every query parameter an operation declares and every string of a
# generated body: NUL and other control characters, and text far longer than any column; and a body
# nested far deeper than any form. Each value is tried on every parameter of every operation.
HOSTILE_VALUES = ["a\x00b", "\x01\x02\x1b\x7f", "长" * 20_000]
DEEP_DEPTH = 200


def json_nested(depth: int):
    value: object = []
    for _i in range(depth - 1):
        value = [value]
    return value


def _hostile(value, text):
    """`value` with every string replaced by `text`."""
    if isinstance(value, str):
        return text
    if isinstance(value, list):
        return [_hostile(v, text) for v in value]
    if isinstance(value, dict):
        return {k: _hostile(v, text) for k, v in value.items()}
    return value


def test_hostile_strings_and_deep_nesting_never_give_a_5xx_or_a_non_json_error(
    api_schema, token_header, real_ids
):
    failures = []
    with override_settings(PARTYFLOW={**settings.PARTYFLOW, "TOKEN_RATE": "100000/minute"}):
        for result in api_schema.get_all_operations():
            op = result.ok()
            query_names = [p.name for p in op.query]

            @hypothesis_settings(
                max_examples=2,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=op.as_strategy(schemathesis.GenerationMode.POSITIVE))
            def run(case):
                for prefix, ids in real_ids.items():
                    if case.path.startswith(prefix) and case.path_parameters:
                        case.path_parameters = {
                            **case.path_parameters,
                            **{k: str(v) for k, v in ids.items() if k in case.path_parameters},
                        }
                query, body = case.query, case.body
                variants = []
                for text in HOSTILE_VALUES:
                    # one parameter at a time: another one's 400 must not hide this one's 500
                    variants.extend(({name: text}, body) for name in query_names)  # noqa: B023
                    if isinstance(body, (dict, list)):
                        variants.append((query, _hostile(body, text)))
                if isinstance(body, dict):
                    variants.append((query, {**body, "nested": json_nested(DEEP_DEPTH)}))
                for q, b in variants:
                    case.query, case.body = q, b
                    response = case.call(headers=token_header)
                    what = f"query={str(q)[:120]} body={str(b)[:120]}"
                    assert response.status_code < 500, (
                        what,
                        response.status_code,
                        response.text[:300],
                    )
                    if response.status_code >= 400:
                        assert response.headers.get("content-type", [""])[0].startswith(
                            "application/json"
                        ), (what, response.headers)
                        assert {"code", "message", "fields"} <= set(response.json()), (
                            what,
                            response.text[:300],
                        )

            try:
                run()
            except Exception as exc:  # noqa: BLE001 - collect every operation's failure, then report them together
                failures.append(f"{op.method.upper()} {op.path}:\n{str(exc)[:1500]}")
    assert not failures, "\n\n".join(failures)
