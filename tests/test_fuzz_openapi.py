"""Fuzz every documented operation with schemathesis: no 500, and every answer as documented."""

from __future__ import annotations

import copy

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis.errors import Unsatisfiable
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

KNOWN = {"round_code": ["budget-2027"], "unit_code": ["UNI", "FAK1", "FORV", "D101", "D102", "D201"],
         "version": [1]}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 25
# Valid requests on the world's rounds and units, invalid ones there, and valid ones on random paths.
VARIANTS = [(True, GenerationMode.POSITIVE), (True, GenerationMode.NEGATIVE), (False, GenerationMode.POSITIVE)]


def fuzz_operation(operation, headers: dict[str, str], mode: GenerationMode) -> None:
    """Send generated requests to one operation and check each answer against the document."""

    @hypothesis_settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                         suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(mode))
    def check(case) -> None:
        case.validate_response(case.call(headers=headers), checks=CHECKS)

    check()


def seeded(document: dict) -> dict:
    """Return the document with path values narrowed to the world's rounds and units, so routes get past 404."""
    document = copy.deepcopy(document)
    for item in document["paths"].values():
        for operation in item.values():
            operation["parameters"] = [
                {**parameter, "schema": {"type": "string", "enum": [str(v) for v in KNOWN[parameter["name"]]]}}
                if parameter["in"] == "path" and parameter["name"] in KNOWN else parameter
                for parameter in operation.get("parameters", [])]
    return document


def failures(app, headers: dict[str, str], narrow: bool, mode: GenerationMode) -> list[str]:
    """Fuzz every operation of the served document; return what failed, one entry per operation."""
    with app.test_client() as client:
        document = client.get("/api/v1/openapi.json").json
    schema = schemathesis.openapi.from_dict(seeded(document) if narrow else document)
    schema.app = app
    found = []
    for result in schema.get_all_operations():
        operation = result.ok()
        try:
            fuzz_operation(operation, headers, mode)
        except Unsatisfiable:
            continue  # nothing to make invalid: the operation takes no parameters or body
        except (Exception, FailureGroup) as error:  # noqa: BLE001 - gather every operation's failure
            found.append(f"{operation.label} ({mode.value}): {error}")
    return found


@pytest.mark.parametrize(("narrow", "mode"), VARIANTS, ids=["known_units", "known_units_invalid", "random_paths"])
@pytest.mark.parametrize("who", ["admin", "economist"])
def test_no_server_error_and_every_answer_as_documented(app, world, who, narrow, mode):
    generated = app.test_client().post(f"/api/v1/rounds/{world.round_code}/templates", headers=world.auth("admin"))
    assert generated.status_code == 201, generated.json
    found = failures(app, world.auth(who), narrow, mode)
    assert not found, "\n\n".join(found)
