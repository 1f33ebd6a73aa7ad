"""The OpenAPI document lists every route and is a valid OpenAPI 3.1 document."""

from __future__ import annotations

import re

from openapi_spec_validator import validate


def documented(app) -> set[tuple[str, str]]:
    with app.test_client() as client:
        doc = client.get("/api/v1/openapi.json").json
    validate(doc)
    return {(path, method.upper()) for path, item in doc["paths"].items() for method in item}


def routes(app) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        found |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def test_every_route_is_documented_and_nothing_else(app):
    assert routes(app) == documented(app)


def test_the_document_is_served_without_a_token(client):
    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    assert answer.json["openapi"].startswith("3.1")
