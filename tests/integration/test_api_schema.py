"""Schemathesis against the served OpenAPI document: every operation, generated valid and invalid requests with
a valid key (and cases for the other tenant's ids); zero server errors and zero responses that break the
document (status code, content type, headers, body schema)."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.integration.api_world import auth, build

pytestmark = pytest.mark.integration

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = 25


def test_every_operation_conforms_to_the_served_document(es, index_prefix, tmp_path):
    world = build(es, index_prefix, tmp_path)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", world["app"].server)
    headers = auth(world["keys"]["erp-nord"])
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 14
    failures: list[str] = []
    calls = {"count": 0, "statuses": {}}

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))  # fmt: skip
            def run(case: Any) -> None:
                response = case.call(headers=headers)
                calls["count"] += 1
                calls["statuses"][response.status_code] = calls["statuses"].get(response.status_code, 0) + 1
                case.validate_response(response, checks=CHECKS, headers=headers)

            try:
                run()
            except Exception as exc:  # noqa: BLE001 - every operation is tried; the failures are reported together
                failures.append(f"{operation.label} [{mode.value}]: {str(exc)[:1500]}")
    print(f"schemathesis: {calls['count']} calls over {len(operations)} operations, statuses {calls['statuses']}")
    assert not failures, "\n\n".join(failures[:10])
    assert 500 not in calls["statuses"] and calls["count"] >= len(operations) * 10
